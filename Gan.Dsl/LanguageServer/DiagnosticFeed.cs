using System.Text.Json.Nodes;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// <c>textDocument/publishDiagnostics</c> from a compilation: code, severity, range, source "gan" and the code's docs section.
/// A finding inside a used file (a block's shape error) is shown at the <c>use</c> that brings the file in, with its own place
/// in the message and as related information.
/// </summary>
internal static class DiagnosticFeed
{
    public static JsonObject Publish(string uri, int? version, JsonArray diagnostics)
    {
        var p = new JsonObject { ["uri"] = uri, ["diagnostics"] = diagnostics };
        if (version is { } v) p["version"] = v;
        return new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "textDocument/publishDiagnostics", ["params"] = p };
    }

    /// <summary>
    /// A document's diagnostics. A library (only <c>block</c>, <c>param</c> and <c>use</c> items, made to be used) is not
    /// reported for the items a spec lacks (GAN0209); it gets what the open specs using it find inside it instead.
    /// </summary>
    public static JsonArray For(Document doc, CompileResult result, Documents documents)
    {
        var list = new JsonArray();
        var uses = result.Syntax.Items.OfType<UseSyntax>().ToList();
        bool library = result.IsLibrary;
        var found = result.Diagnostics.Where(d => !(library && d.Code == MissingItem)).ToList();
        if (library)
            foreach (var other in documents.All.Where(o => o != doc))
                found.AddRange(documents.Compile(other).Diagnostics.Where(d => Full(d.Source.Path) == doc.Path && !found.Contains(d)));
        foreach (var d in found.DistinctBy(d => (d.Code, d.Span, d.Message)))
        {
            var o = new JsonObject
            {
                ["severity"] = d.IsError ? 1 : 2,
                ["code"] = d.Code,
                ["source"] = "gan",
                ["codeDescription"] = new JsonObject { ["href"] = Docs.Href(d.Code) },
            };
            var path = Full(d.Source.Path);
            if (path == doc.Path || d.Source.Text == doc.Text && d.Source.Path == doc.Source.Path)
            {
                o["range"] = Lsp.Range(doc.Source, d.Span);
                o["message"] = d.Message;
            }
            else
            {
                var (line, col) = d.Source.LineCol(d.Span.Start);
                var use = uses.FirstOrDefault(u => Full(Path.Combine(Path.GetDirectoryName(doc.Path) ?? ".", u.Path.Text)) == path)
                          ?? uses.FirstOrDefault();
                o["range"] = Lsp.Range(doc.Source, use?.Span ?? default);
                o["message"] = $"in {d.Source.Path}:{line}:{col}: {d.Message}";
                o["relatedInformation"] = new JsonArray(new JsonObject
                {
                    ["location"] = Lsp.Location(Uris.FromPath(path), d.Source, d.Span),
                    ["message"] = d.Message,
                });
            }
            list.Add(o);
        }
        return list;
    }

    /// <summary>The code of "the spec has no ..." (a header, data, a network, ...).</summary>
    static readonly string MissingItem = Descriptors.MissingItem.Id;

    internal static string Full(string p) { try { return Path.GetFullPath(p); } catch (Exception) { return p; } }
}
