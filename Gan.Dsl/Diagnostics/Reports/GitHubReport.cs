using System.Text;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// GitHub Actions workflow commands, which the runner turns into annotations on the pull request:
/// <c>::error file=specs/x.gan,line=15,col=26,endLine=15,endColumn=33,title=GAN0306::message</c>, paths relative to the
/// working directory with forward slashes. Escaping as actions/toolkit's <c>issueCommand</c>: in the message <c>%</c>,
/// CR and LF; in properties also <c>:</c> and <c>,</c>. Columns only for a one-line span, as GitHub reads them only then.
/// GitHub shows at most 10 error and 10 warning annotations per step, so <see cref="StepSummary"/> gives all of them as
/// a Markdown table for <c>$GITHUB_STEP_SUMMARY</c>.
/// </summary>
internal static class GitHubReport
{
    public static string EscapeData(string s) => s.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A");

    public static string EscapeProperty(string s) => EscapeData(s).Replace(":", "%3A").Replace(",", "%2C");

    public static string Line(Located l)
    {
        var props = new List<string> { $"file={EscapeProperty(l.RelativePath)}", $"line={l.Line}" };
        if (l.Line == l.EndLine) props.Add($"col={l.Col}");
        props.Add($"endLine={l.EndLine}");
        if (l.Line == l.EndLine) props.Add($"endColumn={l.EndCol}");
        props.Add($"title={EscapeProperty(l.Diagnostic.Code)}");
        return $"::{l.Severity} {string.Join(',', props)}::{EscapeData(l.Diagnostic.Message)}";
    }

    public static string Render(IReadOnlyList<Located> diagnostics)
    {
        var sb = new StringBuilder();
        foreach (var l in diagnostics) sb.Append(Line(l)).Append('\n');
        return sb.ToString();
    }

    /// <summary>A Markdown section: a heading with the counts and, when there are any, a table of every diagnostic.</summary>
    public static string StepSummary(IReadOnlyList<Located> diagnostics, int specCount)
    {
        int errors = diagnostics.Count(l => l.Diagnostic.IsError);
        var sb = new StringBuilder($"### gan check: {specCount} spec(s), {errors} error(s), {diagnostics.Count - errors} warning(s)\n\n");
        if (diagnostics.Count == 0) return sb.ToString();
        sb.Append("| file | line | col | severity | code | message |\n|---|---|---|---|---|---|\n");
        foreach (var l in diagnostics)
            sb.Append($"| {Cell(l.RelativePath)} | {l.Line} | {l.Col} | {l.Severity} | {l.Diagnostic.Code} ")
              .Append($"| {Cell(l.Diagnostic.Message)} |\n");
        return sb.Append('\n').ToString();
    }

    /// <summary>A table cell: <c>|</c> escaped, line breaks as spaces, so that a message cannot end its row or the table.</summary>
    static string Cell(string s) => s.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ');
}
