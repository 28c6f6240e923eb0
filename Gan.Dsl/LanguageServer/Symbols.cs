using System.Text.Json.Nodes;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary><c>textDocument/documentSymbol</c> (the outline: networks, blocks, losses, optimisers, params, latent parts) and
/// <c>textDocument/formatting</c> (the <c>gan fmt</c> formatter; a document with syntax errors is left as it is).</summary>
internal static class Symbols
{
    // LSP SymbolKind values.
    const int Namespace = 3, Class = 5, Field = 8, Function = 12, Variable = 13, Constant = 14, Object = 19;

    public static JsonArray Format(Document doc)
    {
        var result = GanSpec.Format(doc.Path, doc.Text);
        if (result.Text is null || !result.Changed) return [];
        var whole = new TextSpan(0, doc.Source.Text.Length);
        var range = Lsp.Range(doc.Source, whole);
        return [new JsonObject { ["range"] = range, ["newText"] = result.Text }];
    }

    public static JsonArray Outline(Document doc)
    {
        var syntax = Parser.Parse(doc.Source, new DiagnosticBag());
        var list = new JsonArray();
        foreach (var item in syntax.Items)
        {
            var entry = item switch
            {
                NetworkSyntax n => Symbol(doc, n.Name, Class, n.Span, $"({Inputs(doc, n.Inputs)})",
                                          [.. n.Body.OfType<LetSyntax>().Select(l => Symbol(doc, l.Name, Variable, l.Span, "let"))]),
                BlockSyntax b => Symbol(doc, b.Name, Function, b.Span, $"({Inputs(doc, b.Parameters)})"),
                LossSyntax l => Symbol(doc, l.Name, Variable, l.Span, "loss"),
                OptimizerSyntax o => Symbol(doc, o.Name, Object, o.Span, $"{o.Kind.Name.Text}, minimize {o.Loss.Text}"),
                ParamSyntax p => Symbol(doc, p.Name, Constant, p.Span, doc.Source[p.Value.Span]),
                LatentSyntax l => Symbol(doc, l.Name, Field, l.Span, doc.Source[l.Distribution.Span]),
                SettingsSyntax s => Symbol(doc, s.Keyword, Namespace, s.Span, ""),
                _ => null,
            };
            if (entry is not null) list.Add(entry);
        }
        return list;
    }

    static string Inputs(Document doc, IReadOnlyList<ParameterSyntax> ps) => string.Join(", ", ps.Select(p => doc.Source[p.Span]));

    static JsonObject Symbol(Document doc, Token name, int kind, TextSpan span, string detail, JsonNode[]? children = null)
    {
        var o = new JsonObject
        {
            ["name"] = name.Text.Length > 0 ? name.Text : "?",
            ["kind"] = kind,
            ["detail"] = detail,
            ["range"] = Lsp.Range(doc.Source,
                                  TextSpan.FromBounds(Math.Min(span.Start, name.Span.Start), Math.Max(span.End, name.Span.End))),
            ["selectionRange"] = Lsp.Range(doc.Source, name.Span),
        };
        if (children is { Length: > 0 }) o["children"] = new JsonArray(children);
        return o;
    }
}
