using System.Globalization;

namespace Gan.Dsl.Diagnostics;

/// <summary>
/// One kind of finding, as Roslyn's <c>DiagnosticDescriptor</c>: a stable id, a severity, a one-line title (the
/// docs' heading) and a message format whose <c>{0}</c>, <c>{1}</c>… the reporter fills. A code may have a few
/// descriptors (variants of one finding, e.g. a duplicate name and a repeated item); they share id, severity
/// and title.
/// </summary>
internal sealed record DiagnosticDescriptor(string Id, Severity Severity, string Title, string MessageFormat)
{
    public string Format(params object?[] args) => string.Format(CultureInfo.InvariantCulture, MessageFormat, args);
}
