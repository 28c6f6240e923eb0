using Gan.Dsl.Diagnostics.Reports;

namespace Gan.Dsl.Diagnostics;

/// <summary>
/// What <c>gan check</c> prints, as text: the diagnostics of checked specs in one of the <see cref="ReportFormat"/>s,
/// pure functions of the specs and the directory that relative paths are relative to (docs/ci.md describes each format).
/// </summary>
public static class CheckReport
{
    /// <summary>
    /// The report of <paramref name="specs"/> in <paramref name="format"/>. MSBuild's absolute paths, GitHub's and SARIF's
    /// relative ones and SARIF's <c>%SRCROOT%</c> are resolved against <paramref name="baseDirectory"/> (the working
    /// directory); text and JSON give paths as the specs were named. <paramref name="warnAsError"/> changes only the text
    /// format's per-spec line (a spec with warnings is not <c>ok</c>); severities are reported as they are.
    /// </summary>
    public static string Render(ReportFormat format, IReadOnlyList<GanSpec> specs, string baseDirectory, bool warnAsError = false) =>
        format switch
        {
            ReportFormat.Text => TextReport.Render(specs, warnAsError),
            ReportFormat.Json => JsonReport.Render(specs),
            ReportFormat.MsBuild => MsBuildReport.Render(Located.All(specs, baseDirectory)),
            ReportFormat.GitHub => GitHubReport.Render(Located.All(specs, baseDirectory)),
            ReportFormat.Sarif => SarifReport.Render(Located.All(specs, baseDirectory), baseDirectory),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a report format"),
        };

    /// <summary>
    /// A Markdown section for GitHub's job summary (<c>$GITHUB_STEP_SUMMARY</c>): the counts and a table of every diagnostic
    /// (file, line, col, severity, code, message), since GitHub shows only 10 error and 10 warning annotations per step.
    /// </summary>
    public static string GitHubStepSummary(IReadOnlyList<GanSpec> specs, string baseDirectory) =>
        GitHubReport.StepSummary(Located.All(specs, baseDirectory), specs.Count);
}
