using System.Text.Json.Nodes;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// <c>textDocument/definition</c> and <c>textDocument/references</c> for blocks, networks, params, latent parts, losses,
/// optimisers, inputs and <c>let</c> names, across the files a document uses.
/// </summary>
internal static class Navigation
{
    public static JsonNode? Definition(Documents documents, Document doc, int offset)
    {
        var index = SymbolIndex.Build(documents, doc);
        var (symbol, _) = index.At(offset);
        return symbol is null ? null : Location(doc, symbol.Source, symbol.NameSpan);
    }

    public static JsonNode References(Documents documents, Document doc, int offset, bool declaration)
    {
        var index = SymbolIndex.Build(documents, doc);
        var (symbol, _) = index.At(offset);
        var list = new JsonArray();
        if (symbol is null) return list;
        foreach (var (source, span) in index.References(symbol, declaration)) list.Add(Location(doc, source, span));
        return list;
    }

    public static JsonObject Location(Document doc, SourceText source, TextSpan span) =>
        Lsp.Location(source.Path == doc.Path ? doc.Uri : Uris.FromPath(source.Path), source, span);
}
