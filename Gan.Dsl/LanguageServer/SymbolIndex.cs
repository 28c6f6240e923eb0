using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

internal enum SymbolKind { Param, Latent, Block, Network, Loss, Optimizer, Input, Let }

/// <summary>A name a spec defines: where (its file and name token) and, for a local (an input, a block parameter, a
/// <c>let</c>), the item it is local to.</summary>
internal sealed record Symbol(string Name, SymbolKind Kind, SourceText Source, TextSpan NameSpan, ItemSyntax Item, bool Local);

/// <summary>
/// The names of a document and of the files it uses (recursively, read from open buffers first), from their syntax: what
/// go-to-definition, references, hovers and completion look names up in. A local name shadows a global one inside its item.
/// </summary>
internal sealed class SymbolIndex
{
    const int MaxFiles = 64;

    public List<SpecSyntax> Files { get; } = [];
    public List<Symbol> Symbols { get; } = [];
    readonly Dictionary<SourceText, List<Token>> tokens = [];

    /// <summary>Indexes a document and, as the compiler does, only the used .gan files under its project root.</summary>
    public static SymbolIndex Build(Documents documents, Document doc)
    {
        var index = new SymbolIndex();
        index.Add(Parser.Parse(doc.Source, new DiagnosticBag()), documents, [doc.Path], ProjectRoot.For(doc.Path, documents.RootOf(doc)));
        return index;
    }

    void Add(SpecSyntax file, Documents documents, HashSet<string> seen, ProjectRoot project)
    {
        Files.Add(file);
        foreach (var item in file.Items) Define(file.Source, item);
        var dir = Path.GetDirectoryName(file.Source.Path) ?? ".";
        foreach (var use in file.Items.OfType<UseSyntax>())
        {
            if (Files.Count >= MaxFiles || project.Resolve(dir, use.Path.Text, out _) is not { } full
                || !full.EndsWith(".gan", StringComparison.Ordinal)) continue;
            if (!seen.Add(full) || documents.TextOf(full) is not { } text) continue;
            Add(Parser.Parse(new SourceText(full, text), new DiagnosticBag()), documents, seen, project);
        }
    }

    void Define(SourceText s, ItemSyntax item)
    {
        void Global(Token name, SymbolKind kind) => Symbols.Add(new Symbol(name.Text, kind, s, name.Span, item, false));
        void Local(Token name, SymbolKind kind) => Symbols.Add(new Symbol(name.Text, kind, s, name.Span, item, true));
        switch (item)
        {
            case ParamSyntax p: Global(p.Name, SymbolKind.Param); break;
            case LatentSyntax l: Global(l.Name, SymbolKind.Latent); break;
            case LossSyntax l: Global(l.Name, SymbolKind.Loss); break;
            case OptimizerSyntax o: Global(o.Name, SymbolKind.Optimizer); break;
            case NetworkSyntax n:
                Global(n.Name, SymbolKind.Network);
                foreach (var i in n.Inputs) Local(i.Name, SymbolKind.Input);
                foreach (var let in Lets(n.Body)) Local(let, SymbolKind.Let);
                break;
            case BlockSyntax b:
                Global(b.Name, SymbolKind.Block);
                foreach (var p in b.Parameters) Local(p.Name, SymbolKind.Input);
                foreach (var let in Lets(b.Body)) Local(let, SymbolKind.Let);
                break;
        }
    }

    static IEnumerable<Token> Lets(IReadOnlyList<StatementSyntax> body) => body.SelectMany(s => s switch
    {
        LetSyntax l => [l.Name],
        IfSyntax i => Lets(i.Then).Concat(i.Else is null ? [] : Lets(i.Else)),
        ResidualSyntax r => Lets(r.Main).Concat(r.Shortcut is null ? [] : Lets(r.Shortcut)),
        _ => [],
    });

    public List<Token> TokensOf(SourceText s)
    {
        if (!tokens.TryGetValue(s, out var list)) tokens[s] = list = Tokens.Of(s);
        return list;
    }

    static bool Inside(ItemSyntax item, int offset) => offset >= item.Span.Start && offset <= item.Span.End;

    /// <summary>What a name at an offset of a file refers to: a local of the item around it first, then a global.</summary>
    public Symbol? Resolve(SourceText file, string name, int offset) =>
        Symbols.FirstOrDefault(s => s.Local && s.Name == name && s.Source == file && Inside(s.Item, offset))
        ?? Symbols.FirstOrDefault(s => !s.Local && s.Name == name);

    /// <summary>The symbol under the cursor of the document (the first file), or null.</summary>
    public (Symbol? Symbol, Token? Token) At(int offset)
    {
        var file = Files[0].Source;
        var list = TokensOf(file);
        if (Tokens.IdentifierAt(list, offset) is not { } t) return (null, null);
        var sym = Symbols.FirstOrDefault(s => s.Source == file && s.NameSpan == t.Span);
        if (sym is null && Tokens.IsKeyOrMember(list, Tokens.IndexOf(list, t))) return (null, t);
        return (sym ?? Resolve(file, t.Text, t.Span.Start), t);
    }

    /// <summary>Every mention of a symbol in the indexed files (its definition when asked), in file order.</summary>
    public IEnumerable<(SourceText Source, TextSpan Span)> References(Symbol symbol, bool declaration)
    {
        foreach (var file in Files)
        {
            if (symbol.Local && file.Source != symbol.Source) continue;
            var list = TokensOf(file.Source);
            for (int i = 0; i < list.Count; i++)
            {
                var t = list[i];
                if (t.Kind != TokenKind.Identifier || t.Text != symbol.Name) continue;
                bool isDefinition = file.Source == symbol.Source && t.Span == symbol.NameSpan;
                if (isDefinition) { if (declaration) yield return (file.Source, t.Span); continue; }
                if (Tokens.IsKeyOrMember(list, i)) continue;
                if (Symbols.Any(s => s.Source == file.Source && s.NameSpan == t.Span)) continue;   // another definition
                if (Resolve(file.Source, t.Text, t.Span.Start) == symbol) yield return (file.Source, t.Span);
            }
        }
    }
}
