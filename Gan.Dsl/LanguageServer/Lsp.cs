using System.Text.Json.Nodes;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary>A request whose params lack what the method needs: answered with JSON-RPC's -32602.</summary>
internal sealed class InvalidParamsException(string message) : Exception(message);

/// <summary>
/// LSP values from the compiler's: positions are 0-based lines and UTF-16 columns, which is what <see cref="SourceText"/>'s
/// offsets already count (C# strings are UTF-16), so a position is a line start plus a column clamped to the line.
/// </summary>
internal static class Lsp
{
    public static JsonObject Position(SourceText s, int offset)
    {
        offset = Math.Clamp(offset, 0, s.Text.Length);
        int line = s.LineIndex(offset);
        return new JsonObject { ["line"] = line, ["character"] = offset - s.LineStart(line) };
    }

    public static JsonObject Range(SourceText s, TextSpan span) =>
        new() { ["start"] = Position(s, span.Start), ["end"] = Position(s, Math.Max(span.Start, span.End)) };

    public static JsonObject Location(string uri, SourceText s, TextSpan span) => new() { ["uri"] = uri, ["range"] = Range(s, span) };

    /// <summary>The offset of an LSP position (line past the end: the end; column past the line's end: the line's end).</summary>
    public static int Offset(SourceText s, JsonNode? position)
    {
        int line = Int(position, "line"), character = Int(position, "character");
        int last = s.LineIndex(s.Text.Length);
        if (line > last) return s.Text.Length;
        if (line < 0) return 0;
        int start = s.LineStart(line);
        int length = s.LineText(line).Length;
        return start + Math.Clamp(character, 0, length);
    }

    public static int Int(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : throw new InvalidParamsException($"expected an integer `{name}`");

    public static string Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s
        : throw new InvalidParamsException($"expected a string `{name}`");

    public static JsonNode Obj(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonObject c ? c : throw new InvalidParamsException($"expected an object `{name}`");

    public static string Uri(JsonNode? prms) => Str(Obj(prms, "textDocument"), "uri");

    public static JsonObject Markdown(string text) => new() { ["kind"] = "markdown", ["value"] = text };
}
