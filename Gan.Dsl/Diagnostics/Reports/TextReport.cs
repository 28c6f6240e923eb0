using System.Text;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// The format for people: each diagnostic as <c>path:line:col: error GAN0306: message</c> with its source line and a caret
/// underline, then one line per spec, <c>path: ok</c> or <c>path: 1 error(s), 0 warning(s)</c>. Paths as given.
/// </summary>
internal static class TextReport
{
    public static string Render(IReadOnlyList<GanSpec> specs, bool warnAsError)
    {
        var sb = new StringBuilder();
        foreach (var s in specs)
        {
            foreach (var d in s.Diagnostics) sb.Append(d.Format(true)).Append('\n');
            int errors = s.Errors.Count(), warnings = s.Warnings.Count();
            bool failed = errors > 0 || (warnAsError && warnings > 0);
            sb.Append(failed ? $"{s.Path}: {errors} error(s), {warnings} warning(s)\n"
                             : $"{s.Path}: ok{(warnings > 0 ? $" ({warnings} warning(s))" : "")}\n");
        }
        return sb.ToString();
    }
}
