using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>One diagnostic code as a SARIF rule: its name (the descriptor's field name), title, fix and manual anchor.</summary>
internal sealed record Rule(string Id, string Name, Severity Severity, string Title, string Fix, string HelpUri);

/// <summary>
/// The whole diagnostic catalogue, one rule per code: id, severity and title from <see cref="Descriptors"/>, the fix from the
/// code's <c>### GANnnnn (severity): title</c> entry in docs/language.md (embedded in this assembly, so the manual stays the
/// one place the fixes are written; a meta-test holds every code to having one), and a link to that entry.
/// </summary>
internal static partial class RuleCatalog
{
    /// <summary>The project's address, from Directory.Build.props (PackageProjectUrl) through an assembly attribute.</summary>
    public static string ProjectUrl { get; } =
        typeof(RuleCatalog).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectUrl")?.Value ?? "https://github.com/gandsl/gandsl";

    public static string ManualUrl => ProjectUrl + "/blob/main/docs/language.md";

    static IReadOnlyList<Rule>? rules;

    /// <summary>Every code, sorted (computed once).</summary>
    public static IReadOnlyList<Rule> Rules => rules ??= Build();

    static IReadOnlyList<Rule> Build()
    {
        var fixes = Fixes(Manual());
        var fields = typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (f.Name, Descriptor: (DiagnosticDescriptor)f.GetValue(null)!));
        return [.. fields.GroupBy(f => f.Descriptor.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var (name, d) = g.First();
            var heading = $"{d.Id} ({(d.Severity == Severity.Error ? "error" : "warning")}): {d.Title}";
            return new Rule(d.Id, name, d.Severity, d.Title, fixes.GetValueOrDefault(d.Id, ""), $"{ManualUrl}#{Anchor(heading)}");
        })];
    }

    /// <summary>docs/language.md as embedded at build time.</summary>
    static string Manual()
    {
        using var stream = typeof(RuleCatalog).Assembly.GetManifestResourceStream("Gan.Dsl.docs.language.md");
        if (stream is null) return "";
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Each code's <c>Fix:</c> paragraph, its lines joined.</summary>
    static Dictionary<string, string> Fixes(string manual)
    {
        var fixes = new Dictionary<string, string>();
        string? code = null;
        StringBuilder? fix = null;
        foreach (var raw in manual.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            var heading = Heading().Match(line);
            if (line.StartsWith("#", StringComparison.Ordinal)) { Close(); code = heading.Success ? heading.Groups[1].Value : null; }
            else if (code is not null && fix is null && line.StartsWith("Fix:", StringComparison.Ordinal)) fix = new(line[4..].Trim());
            else if (fix is not null && line.Length == 0) Close();
            else fix?.Append(' ').Append(line.Trim());
        }
        Close();
        return fixes;

        void Close()
        {
            if (code is not null && fix is not null) fixes.TryAdd(code, fix.ToString());
            fix = null;
        }
    }

    [GeneratedRegex(@"^### (GAN\d{4}) \(")]
    private static partial Regex Heading();

    /// <summary>
    /// GitHub's anchor for a heading: lower case, every character but letters, marks, digits, connector punctuation,
    /// hyphens and spaces dropped, spaces as hyphens (github/cmark-gfm's and GitHub's slugger).
    /// </summary>
    public static string Anchor(string heading) =>
        NotInAnchor().Replace(heading.ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\- ]")]
    private static partial Regex NotInAnchor();

    /// <summary>Markdown as plain text: backquotes dropped.</summary>
    public static string Plain(string markdown) => markdown.Replace("`", "");
}
