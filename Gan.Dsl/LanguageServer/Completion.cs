using System.Text.Json.Nodes;
using Gan.Dsl.Binding;
using Gan.Dsl.Layers;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// <c>textDocument/completion</c> from the tokens before the cursor: item keywords at the start of a top-level line; layer
/// names with their argument lists, block names and statement keywords in a network or block body; the keyword arguments
/// of the call the cursor is in (<c>conv2d(</c>, <c>adam(</c>, a block's parameters); schedule and sample keys; and the names
/// in scope (networks, latent parts, losses, params, and a body's inputs and <c>let</c> names).
/// </summary>
internal static class Completion
{
    // LSP CompletionItemKind values.
    const int Function = 3, Field = 5, Variable = 6, Class = 7, Module = 9, Property = 10, Keyword = 14, Constant = 21;

    static readonly string[] BodyKeywords = ["let", "from", "output", "init", "residual", "shortcut", "if", "else"];

    /// <summary>An open bracket before the cursor: its kind, the name called (for '('), the item it is in, the keys given.</summary>
    sealed record Frame(TokenKind Kind, string? Callee, string? Item, HashSet<string> Keys);

    public static JsonObject At(Documents documents, Document doc, int offset)
    {
        var prefix = new SourceText(doc.Path, doc.Text[..Math.Min(offset, doc.Text.Length)]);
        var tokens = Tokens.Of(prefix);
        tokens.RemoveAt(tokens.Count - 1);                                   // end of file
        if (tokens.Count > 0 && tokens[^1].Kind == TokenKind.Identifier && tokens[^1].Span.End == prefix.Text.Length)
            tokens.RemoveAt(tokens.Count - 1);                               // the word being typed
        var index = SymbolIndex.Build(documents, doc);
        var items = new List<JsonObject>();
        var stack = new Stack<Frame>();
        string? item = null;
        foreach (var (t, i) in tokens.Select((t, i) => (t, i)))
        {
            if (stack.Count == 0 && t.Kind == TokenKind.Identifier && Parser.ItemKeywords.Contains(t.Text)
                && (i == 0 || t.NewlineBefore || tokens[i - 1].Kind is TokenKind.CloseBrace or TokenKind.Semicolon)) item = t.Text;
            switch (t.Kind)
            {
                case TokenKind.OpenParen:
                    var callee = i > 0 && tokens[i - 1].Kind == TokenKind.Identifier ? tokens[i - 1].Text : null;
                    stack.Push(new Frame(t.Kind, callee, item, []));
                    break;
                case TokenKind.OpenBrace or TokenKind.OpenBracket:
                    stack.Push(new Frame(t.Kind, null, item, []));
                    break;
                case TokenKind.CloseParen or TokenKind.CloseBrace or TokenKind.CloseBracket:
                    if (stack.Count > 0) stack.Pop();
                    break;
                case TokenKind.Colon when i > 0 && tokens[i - 1].Kind == TokenKind.Identifier && stack.Count > 0:
                    stack.Peek().Keys.Add(tokens[i - 1].Text);
                    break;
            }
        }
        var last = tokens.Count > 0 ? tokens[^1] : null;
        bool lineStart = last is null || prefix.LineIndex(last.Span.End) != prefix.LineIndex(prefix.Text.Length);
        bool afterKey = last?.Kind == TokenKind.Colon;
        var frame = stack.Count > 0 ? stack.Peek() : null;
        var body = stack.FirstOrDefault(f => f.Kind == TokenKind.OpenBrace)?.Item;

        if (frame is null)
        {
            if (lineStart) items.AddRange(Parser.ItemKeywords.Order().Select(k => Item(k, Keyword, "item")));
            else if (item == "optimizer" && last?.Text == "=") items.AddRange(Signatures(Sources.Optimizers, Function));
            else if (item == "optimizer" && last?.Text == "minimize") items.AddRange(Names(index, offset, SymbolKind.Loss));
            else if (item == "data" && last?.Text == "data") items.AddRange(Signatures(Sources.Data, Function));
            else if (item == "latent" && last?.Text == "=") items.AddRange(Signatures(Sources.Latents, Function));
            else if (item == "loss" && last?.Text != "loss") items.AddRange(LossNames(index, offset));
        }
        else if (frame.Kind == TokenKind.OpenParen && frame.Callee is { } callee && !afterKey)
        {
            var signature = LayerRegistry.Kinds.GetValueOrDefault(callee)?.Signature ?? Sources.Optimizers.GetValueOrDefault(callee)
                            ?? Sources.Data.GetValueOrDefault(callee) ?? Sources.Latents.GetValueOrDefault(callee);
            if (signature is not null)
                items.AddRange(signature.Params.Where(p => !frame.Keys.Contains(p.Name))
                                        .Select(p => Item(p.Name, Property, Describe.Param(p), p.Name + ": ")));
            else if (index.Symbols.FirstOrDefault(s => s.Kind == SymbolKind.Block && s.Name == callee)?.Item is BlockSyntax block)
                items.AddRange(block.Parameters.Where(p => !frame.Keys.Contains(p.Name.Text))
                                    .Select(p => Item(p.Name.Text, Property, $"{block.Name.Text} parameter", p.Name.Text + ": ")));
            items.AddRange(frame.Item switch
            {
                "loss" => LossNames(index, offset),
                "optimizer" => Names(index, offset, SymbolKind.Network),
                _ => Names(index, offset, SymbolKind.Input, SymbolKind.Let, SymbolKind.Param),
            });
        }
        else if (frame.Kind == TokenKind.OpenBrace && frame.Item is "schedule" or "sample" && !afterKey)
            items.AddRange(Sources.Schedule[frame.Item!].Params.Where(p => !frame.Keys.Contains(p.Name))
                                  .Select(p => Item(p.Name, Property, Describe.Param(p), p.Name + ": ")));
        else if (body is "schedule" or "sample")
            items.AddRange(Names(index, offset, SymbolKind.Optimizer, SymbolKind.Network, SymbolKind.Latent, SymbolKind.Param));
        else if (frame.Kind == TokenKind.OpenBrace && body is "network" or "block")
        {
            if (last?.Text == "from") items.AddRange(Names(index, offset, SymbolKind.Input, SymbolKind.Let));
            else if (last?.Text is "let" or "output") { }                  // a new name: nothing to offer
            else if (last?.Text == "init") items.AddRange(Inits.Names.Select(n => Item(n, Function, "initialiser")));
            else
            {
                items.AddRange(LayerRegistry.Kinds.Values.Select(k => Item(k.Name, Function, Describe.Signature(k.Signature),
                                                                        documentation: k.Summary)));
                items.AddRange(Names(index, offset, SymbolKind.Block));
                items.AddRange(BodyKeywords.Select(k => Item(k, Keyword, "statement")));
            }
        }
        else items.AddRange(Names(index, offset, SymbolKind.Input, SymbolKind.Let, SymbolKind.Param, SymbolKind.Network,
                                  SymbolKind.Latent, SymbolKind.Loss));
        var unique = items.GroupBy(i => (string)i["label"]!).Select(g => g.First());
        return new JsonObject { ["isIncomplete"] = false, ["items"] = new JsonArray([.. unique]) };
    }

    static IEnumerable<JsonObject> LossNames(SymbolIndex index, int offset) =>
        Names(index, offset, SymbolKind.Network, SymbolKind.Latent, SymbolKind.Loss, SymbolKind.Param)
            .Concat(LossPrimitives.All.Select(p => Item(p.Name, Function, p.Formula)))
            .Concat(new[] { "real", "labels", "detach", "augment", "gradient_penalty", "r1" }
                        .Select(k => Item(k, Keyword, "loss expression")));

    static IEnumerable<JsonObject> Signatures(IReadOnlyDictionary<string, Signature> table, int kind) =>
        table.Values.Select(s => Item(s.Name, kind, Describe.Signature(s)));

    /// <summary>Names of the given kinds in scope at the offset: globals, and the locals of the item around it.</summary>
    static IEnumerable<JsonObject> Names(SymbolIndex index, int offset, params SymbolKind[] kinds) =>
        index.Symbols.Where(s => kinds.Contains(s.Kind)
                                 && (!s.Local || (s.Source == index.Files[0].Source && s.Item.Span.Start <= offset
                                                  && offset <= s.Item.Span.End)))
             .Select(s => Item(s.Name, s.Kind switch
             {
                 SymbolKind.Network => Class, SymbolKind.Block => Module, SymbolKind.Param => Constant,
                 SymbolKind.Let or SymbolKind.Input => Variable, _ => Field,
             }, s.Kind.ToString().ToLowerInvariant()));

    static JsonObject Item(string label, int kind, string detail, string? insert = null, string? documentation = null)
    {
        var o = new JsonObject { ["label"] = label, ["kind"] = kind, ["detail"] = detail };
        if (insert is not null) o["insertText"] = insert;
        if (documentation is not null) o["documentation"] = documentation;
        return o;
    }
}
