using System.Text.Json.Nodes;

namespace Gan.Dsl.LanguageServer;

/// <summary>What the server advertises: only what it implements.</summary>
internal static class Capabilities
{
    public static JsonObject Initialize() => new()
    {
        ["capabilities"] = new JsonObject
        {
            ["positionEncoding"] = "utf-16",
            ["textDocumentSync"] = new JsonObject { ["openClose"] = true, ["change"] = 1 },
            ["hoverProvider"] = true,
            ["definitionProvider"] = true,
            ["referencesProvider"] = true,
            ["documentFormattingProvider"] = true,
            ["documentSymbolProvider"] = true,
            ["completionProvider"] = new JsonObject { ["triggerCharacters"] = new JsonArray("(", ",", " ", ":") },
        },
        ["serverInfo"] = new JsonObject { ["name"] = "gan", ["version"] = typeof(Capabilities).Assembly.GetName().Version?.ToString() },
    };
}
