using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// One JSON array of every diagnostic of every spec: <c>path</c> (as given), 1-based <c>line</c> and <c>col</c>, the span's
/// 0-based UTF-16 <c>offset</c> and <c>length</c>, <c>severity</c>, <c>code</c>, <c>message</c> (docs/ci.md).
/// </summary>
internal static class JsonReport
{
    /// <summary>Indented, and readable: "N×784" and "'x'" stay as written (still valid JSON, written as UTF-8).</summary>
    public static readonly JsonSerializerOptions Options =
        new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Diagnostic(Diagnostic d)
    {
        var (line, col) = d.Position;
        return new JsonObject
        {
            ["path"] = d.Source.Path,
            ["line"] = line,
            ["col"] = col,
            ["offset"] = d.Span.Start,
            ["length"] = d.Span.Length,
            ["severity"] = d.IsError ? "error" : "warning",
            ["code"] = d.Code,
            ["message"] = d.Message,
        };
    }

    public static string Render(IReadOnlyList<GanSpec> specs)
    {
        var array = new JsonArray();
        foreach (var d in specs.SelectMany(s => s.Diagnostics)) array.Add(Diagnostic(d));
        return array.ToJsonString(Options) + "\n";
    }
}
