using System.Text;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// MSBuild's canonical error format, which its <c>Exec</c> task and VS Code's <c>$msCompile</c> matcher parse:
/// <c>/abs/specs/x.gan(15,26,15,33): error GAN0306: message</c>. Absolute paths; the category is the English
/// <c>error</c> or <c>warning</c> (GanDsl has no third severity); the end column is one past the last character, as
/// Roslyn prints it. A message's line breaks become spaces, since MSBuild reads one line at a time.
/// </summary>
internal static class MsBuildReport
{
    public static string Line(Located l) =>
        $"{l.AbsolutePath}({l.Line},{l.Col},{l.EndLine},{l.EndCol}): {l.Severity} {l.Diagnostic.Code}: {OneLine(l.Diagnostic.Message)}";

    static string OneLine(string s) => s.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ');

    public static string Render(IReadOnlyList<Located> diagnostics)
    {
        var sb = new StringBuilder();
        foreach (var l in diagnostics) sb.Append(Line(l)).Append('\n');
        return sb.ToString();
    }
}
