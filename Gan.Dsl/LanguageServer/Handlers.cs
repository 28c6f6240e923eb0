using System.Text.Json.Nodes;

namespace Gan.Dsl.LanguageServer;

/// <summary>The text-document requests, each answered from the document's cached compilation.</summary>
internal sealed class Handlers(Documents documents)
{
    public JsonNode? Request(string method, JsonNode? prms, out bool known)
    {
        known = true;
        switch (method)
        {
            case "textDocument/hover":
            {
                var (doc, offset) = At(prms);
                return Hover.At(documents, doc, documents.Compile(doc), offset);
            }
            case "textDocument/definition":
            {
                var (doc, offset) = At(prms);
                return Navigation.Definition(documents, doc, offset);
            }
            case "textDocument/references":
            {
                var (doc, offset) = At(prms);
                bool declaration = prms?["context"]?["includeDeclaration"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
                return Navigation.References(documents, doc, offset, declaration);
            }
            case "textDocument/completion":
            {
                var (doc, offset) = At(prms);
                return Completion.At(documents, doc, offset);
            }
            case "textDocument/formatting":
                return Symbols.Format(Doc(prms));
            case "textDocument/documentSymbol":
                return Symbols.Outline(Doc(prms));
            default:
                known = false;
                return null;
        }
    }

    Document Doc(JsonNode? prms) =>
        documents.Get(Lsp.Uri(prms)) ?? throw new InvalidParamsException($"the document {Lsp.Uri(prms)} is not open");

    (Document, int) At(JsonNode? prms)
    {
        var doc = Doc(prms);
        return (doc, Lsp.Offset(doc.Source, Lsp.Obj(prms, "position")));
    }
}
