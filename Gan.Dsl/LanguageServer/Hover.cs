using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gan.Dsl.Binding;
using Gan.Dsl.Checking;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// <c>textDocument/hover</c>: a layer's output shape and parameter count (as <c>gan shapes</c> prints them), a network's inputs,
/// outputs and total, a loss's formula and the shapes it reads, a param's value after the workspace's <c>gan.set</c>, and the
/// docs entry of a diagnostic under the cursor (or of a code such as GAN0306 written in a comment).
/// </summary>
internal static partial class Hover
{
    public static JsonNode? At(Documents documents, Document doc, CompileResult result, int offset)
    {
        var index = SymbolIndex.Build(documents, doc);
        var (symbol, token) = index.At(offset);
        var parts = new List<string>();
        var check = result.Checked;
        // A layer of a block in a used file is checked where the specs using it call it: ask the open ones.
        var checks = new[] { check }.Concat(documents.All.Where(o => o != doc).Select(o => documents.Compile(o).Checked))
                                    .OfType<CheckedSpec>().ToList();
        if (token is not null && Layer(doc, checks, token) is { } layer) parts.Add(layer);
        else if (token is not null && LayerRegistry.Kinds.TryGetValue(token.Text, out var kind) && symbol is null)
            parts.Add($"**{kind.Name}**: {kind.Summary}\n\n`{Describe.Signature(kind.Signature)}`");
        else if (symbol is not null) parts.Add(Describe.Symbol(symbol, check, documents.Overrides));
        foreach (var d in result.Diagnostics.Where(d => d.Source.Path == doc.Path && d.Span.Start <= offset && offset <= d.Span.End))
            parts.Add(DocEntry(d.Code));
        if (parts.Count == 0 && CodeAt(doc.Text, offset) is { } code) parts.Add(DocEntry(code));
        if (parts.Count == 0) return null;
        var hover = new JsonObject { ["contents"] = Lsp.Markdown(string.Join("\n\n---\n\n", parts.Distinct())) };
        if (token is not null) hover["range"] = Lsp.Range(doc.Source, token.Span);
        return hover;
    }

    /// <summary>The checked nodes a layer call (or a <c>residual</c> keyword) at the token made, in each network of each spec
    /// (another spec's are named by its file).</summary>
    static string? Layer(Document doc, IEnumerable<CheckedSpec> checks, Token token)
    {
        var rows = new List<string>();
        foreach (var check in checks)
        {
            var where = DiagnosticFeed.Full(check.Bound.Source.Path) == doc.Path ? "" : $" in {Path.GetFileName(check.Bound.Source.Path)}";
            foreach (var net in check.Bound.Networks.Select(n => check.Networks[n.Name]))
                foreach (var node in net.Nodes.Where(x => x.Span.Start == token.Span.Start
                                                          && DiagnosticFeed.Full(x.Source.Path) == doc.Path))
                    rows.Add($"`{ShapeAndCount(node.Shape, node.Parameters)}`  \n"
                             + $"{net.Name}.{node.Name} ({node.Kind.Name}){where}, {Named(node.Shape)}");
        }
        if (rows.Count == 0) return null;
        var kind = LayerRegistry.Kinds.GetValueOrDefault(token.Text);
        var head = kind is null ? $"**{token.Text}**" : $"**{kind.Name}**: {kind.Summary}";
        return head + "\n\n" + string.Join("\n\n", rows.Distinct());
    }

    /// <summary><c>N×128×7×7 · 8,256 params</c>: the shape and count <c>gan shapes</c> prints.</summary>
    public static string ShapeAndCount(IReadOnlyList<int> shape, long parameters) =>
        $"{Shape.Show(shape)} · {parameters.ToString("N0", CultureInfo.InvariantCulture)} param{(parameters == 1 ? "" : "s")}";

    /// <summary>The dimensions by name: batch × features, or batch × channels × height × width.</summary>
    public static string Named(IReadOnlyList<int> shape) => shape.Count switch
    {
        1 => $"batch N × features {shape[0]}",
        3 => $"batch N × channels {shape[0]} × height {shape[1]} × width {shape[2]}",
        _ => "batch N × " + string.Join(" × ", shape),
    };

    static string DocEntry(string code)
    {
        var link = $"[{code} in the manual]({Docs.Href(code)})";
        if (Docs.Entry(code) is not { } entry) return $"**{code}**\n\n{link}";
        var lines = entry.Split('\n', 2);
        return $"**{lines[0].TrimStart('#', ' ')}**\n\n{(lines.Length > 1 ? lines[1].Trim() : "")}\n\n{link}";
    }

    [GeneratedRegex(@"GAN\d{4}")]
    private static partial Regex Code();

    static string? CodeAt(string text, int offset)
    {
        int start = Math.Max(0, offset - 8), end = Math.Min(text.Length, offset + 8);
        foreach (Match m in Code().Matches(text[start..end]))
            if (start + m.Index <= offset && offset <= start + m.Index + m.Length) return m.Value;
        return null;
    }
}
