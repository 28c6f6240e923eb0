using System.Reflection;
using System.Text.Json.Nodes;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// A SARIF 2.1.0 log with one run, as GitHub code scanning wants it: <c>$schema</c>, the tool <c>gan</c> with its version
/// and every diagnostic code as a rule (title, fix, a link to its manual entry, default level), <c>columnKind</c>
/// <c>utf16CodeUnits</c> (.NET's string indices), and each result's rule, level, message and region (the end column one
/// past the last character) in a file given relative to <c>%SRCROOT%</c>, the directory the report is for, which
/// <c>originalUriBaseIds</c> gives as an absolute <c>file:</c> URI. A clean run has <c>results: []</c>.
/// </summary>
internal static class SarifReport
{
    public const string Schema = "https://json.schemastore.org/sarif-2.1.0.json";

    /// <summary>This assembly's informational version (e.g. 0.1.0, or 0.1.0+commit).</summary>
    public static string Version { get; } =
        typeof(SarifReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static string Render(IReadOnlyList<Located> diagnostics, string baseDirectory)
    {
        var rules = RuleCatalog.Rules;
        var index = rules.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var results = new JsonArray();
        foreach (var l in diagnostics)
        {
            var result = new JsonObject { ["ruleId"] = l.Diagnostic.Code };
            if (index.TryGetValue(l.Diagnostic.Code, out var i)) result["ruleIndex"] = i;
            result["level"] = l.Severity;
            result["message"] = new JsonObject { ["text"] = l.Diagnostic.Message };
            result["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = RelativeUri(l.RelativePath), ["uriBaseId"] = "%SRCROOT%" },
                    ["region"] = new JsonObject
                    {
                        ["startLine"] = l.Line, ["startColumn"] = l.Col, ["endLine"] = l.EndLine, ["endColumn"] = l.EndCol,
                    },
                },
            });
            results.Add(result);
        }
        var log = new JsonObject
        {
            ["$schema"] = Schema,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "gan",
                        ["fullName"] = "GanDsl gan check",
                        ["version"] = Version,
                        ["semanticVersion"] = Version,
                        ["informationUri"] = RuleCatalog.ProjectUrl,
                        ["rules"] = new JsonArray([.. rules.Select(Rule)]),
                    },
                },
                ["originalUriBaseIds"] = new JsonObject
                {
                    ["%SRCROOT%"] = new JsonObject { ["uri"] = DirectoryUri(baseDirectory) },
                },
                ["columnKind"] = "utf16CodeUnits",
                ["results"] = results,
            }),
        };
        return log.ToJsonString(JsonReport.Options) + "\n";
    }

    static JsonNode Rule(Rule r)
    {
        var fix = r.Fix.Length > 0 ? r.Fix : "See the manual entry.";
        return new JsonObject
        {
            ["id"] = r.Id,
            ["name"] = r.Name,
            ["shortDescription"] = new JsonObject { ["text"] = Sentence(r.Title) },
            ["fullDescription"] = new JsonObject { ["text"] = $"{Sentence(r.Title)} Fix: {RuleCatalog.Plain(fix)}" },
            ["helpUri"] = r.HelpUri,
            ["help"] = new JsonObject
            {
                ["text"] = $"Fix: {RuleCatalog.Plain(fix)} See {r.HelpUri}",
                ["markdown"] = $"**Fix:** {fix}\n\nSee [{r.Id} in the GanDsl manual]({r.HelpUri}).",
            },
            ["defaultConfiguration"] = new JsonObject { ["level"] = r.Severity == Severity.Error ? "error" : "warning" },
        };
    }

    /// <summary>A title as a sentence: capital first letter, full stop.</summary>
    static string Sentence(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..] + (s.EndsWith('.') ? "" : ".");

    /// <summary>A relative path as a relative URI reference: each segment percent-encoded, forward slashes kept.</summary>
    static string RelativeUri(string relative) => string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));

    /// <summary>An absolute directory as a <c>file:</c> URI ending in a slash.</summary>
    static string DirectoryUri(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!full.EndsWith(Path.DirectorySeparatorChar)) full += Path.DirectorySeparatorChar;
        return new Uri(full).AbsoluteUri;
    }
}
