using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// Binds a network body: evaluates each layer's arguments and binds them to its kind's signature, expands block
/// calls (with their arguments in scope) and decides <c>if</c>s, and resolves the names of <c>from</c> and of
/// multi-input layers. A statement that does not bind becomes <see cref="BoundInvalid"/>, after which the checker
/// treats the current value as unknown, so one mistake gives one diagnostic.
/// </summary>
internal sealed class NetworkBinder(SourceText source, DiagnosticBag diagnostics, IReadOnlyDictionary<string, BlockSyntax> blocks,
                                    Expansion expansion)
{
    readonly SourceText networkSource = source;
    SourceText source = source;            // switches to a used file's text while one of its blocks expands
    StatementSyntax? top;                  // the statement of the network's own body being bound: where GAN0107 points
    Evaluator evaluator = new(source, diagnostics);
    ValueScope<bool> names = new(null);    // the values `from` and multi-input layers may name here (inputs, lets, value params)
    readonly Stack<string> expanding = new();

    /// <summary>
    /// Bodies open now: taken <c>if</c> branches and expanded block calls. The parser caps nesting within one item, but
    /// blocks calling blocks nest across items; this count caps the whole, so that binding and checking, which recurse
    /// once per body, stay within the stack.
    /// </summary>
    int depth;

    /// <summary>Whether entering one more body at <paramref name="at"/> goes past the limit (reported, GAN0106).</summary>
    bool TooDeep(TextSpan at, string what)
    {
        if (depth < Nesting.MaxDepth) return false;
        diagnostics.ReportTooDeep(source, at, what, Nesting.MaxDepth, "each block call inside a block and each if counts one",
                                  "call fewer blocks inside blocks, e.g. from the network directly");
        return true;
    }

    /// <summary>
    /// Counts one more statement towards the spec's expansion limit; when it passes, reports GAN0107 once at the
    /// statement of the network's body that is expanding, and nothing more is bound.
    /// </summary>
    bool Counted(long statements = 1)
    {
        if (expansion.Take(statements)) return true;
        if (!reported && top is not null)
        {
            reported = true;
            var at = top switch { LayerSyntax l => l.Call.Span, IfSyntax f => f.Keyword.Span, var st => st.Span };
            diagnostics.ReportTooManyStatements(networkSource, at, networkName, Expansion.MaxStatements, Expansion.Counted);
        }
        return false;
    }

    bool reported;
    string networkName = "";

    /// <summary>Binds a nested body one level deeper.</summary>
    ImmutableArray<BoundStatement> Deeper(IReadOnlyList<StatementSyntax> body, IReadOnlyDictionary<string, Value> scope)
    {
        depth++;
        try { return BindBody(body, scope); }
        finally { depth--; }
    }

    /// <summary>
    /// The bound network; <see cref="BoundNetwork.Failed"/> when binding it reported an error (its uses then stay quiet).
    /// </summary>
    public BoundNetwork Bind(NetworkSyntax syntax, IReadOnlyDictionary<string, Value> scope)
    {
        int errorsBefore = diagnostics.ErrorCount;
        networkName = syntax.Name.Text;
        if (expansion.Exhausted) return new BoundNetwork(syntax, source, [], [], Failed: true);   // past the limit: reported
        var inputs = new List<BoundInput>();
        foreach (var p in syntax.Inputs)
        {
            if (BindInput(p, scope) is not { } input) return new BoundNetwork(syntax, source, [], [], Failed: true);
            inputs.Add(new BoundInput(p, input));
            names.Define(p.Name.Text, true);
        }
        if (inputs.Count == 0)
        {
            diagnostics.ReportArity(source, syntax.Name.Span, $"network {syntax.Name.Text}",
                                    "needs at least one input, e.g. network D(x: [1, 28, 28])");
            return new BoundNetwork(syntax, source, [], [], Failed: true);
        }
        var body = BindBody(syntax.Body, scope);
        // Past the expansion limit the body is dropped: it is partial, and checking a million statements is no use.
        if (expansion.Exhausted) return new BoundNetwork(syntax, source, [.. inputs], [], Failed: true);
        return new BoundNetwork(syntax, source, [.. inputs], body, Failed: diagnostics.ErrorCount > errorsBefore);
    }

    InputIr? BindInput(ParameterSyntax p, IReadOnlyDictionary<string, Value> scope)
    {
        if (p.Type is null)
        {
            diagnostics.ReportArity(source, p.Span, $"input '{p.Name.Text}'", "needs a shape, e.g. x: [1, 28, 28] or y: label(10)");
            return null;
        }
        var v = evaluator.Evaluate(p.Type, scope);
        if (v is ListValue { Items: var dims } && dims.All(i => i is NumberValue { IsInteger: true, Number: > 0 })
            && Shape.Sized([.. dims.Select(i => (long)((NumberValue)i).Number)]) is { Error: SizeError big })
        {
            diagnostics.ReportTooLarge(source, p.Type.Span, $"input '{p.Name.Text}'", big.Detail);
            return null;
        }
        switch (v)
        {
            case null: return null;
            case NumberValue n when n.IsInteger && n.Number > 0:
                return new InputIr(p.Name.Text, [(int)n.Number], InputKind.Tensor, 0);
            case ListValue l when l.Items.All(i => i is NumberValue { IsInteger: true, Number: > 0 }):
                return new InputIr(p.Name.Text, [.. l.Items.Select(i => (int)((NumberValue)i).Number)], InputKind.Tensor, 0);
            case CallValue { Name: "label", Args: [(null, NumberValue { IsInteger: true, Number: > 0 } k)] }:
                return new InputIr(p.Name.Text, [], InputKind.Label, (int)k.Number);
            default:
                diagnostics.ReportWrongType(source, p.Type.Span, $"input '{p.Name.Text}'", "a shape such as [1, 28, 28] or label(10)",
                                            v.Show());
                return null;
        }
    }

    ImmutableArray<BoundStatement> BindBody(IReadOnlyList<StatementSyntax> body, IReadOnlyDictionary<string, Value> scope)
    {
        var bound = ImmutableArray.CreateBuilder<BoundStatement>();
        foreach (var st in body)
        {
            if (depth == 0) top = st;
            if (!Counted()) break;
            switch (st)
            {
                case LetSyntax l:
                    names.Define(l.Name.Text, true);
                    bound.Add(new BoundLet(l, source));
                    break;
                case FromSyntax f:
                    bound.Add(new BoundFrom(f, source, Known(f.Name.Text, f.Name.Span)));
                    break;
                case OutputSyntax o:
                    bound.Add(new BoundOutput(o, source));
                    break;
                case InitSyntax i:
                {
                    InitIr? init = null;
                    if (evaluator.Evaluate(i.Init, scope) is { } iv)
                        init = Inits.Bind(iv is CallValue { Args.Count: 0 } c0 && !i.Init.HasParens
                                              ? new SymbolValue(c0.Name, c0.Span)
                                              : iv,
                                          source, diagnostics);
                    bound.Add(new BoundInit(i, source, init));
                    break;
                }
                case IfSyntax f:
                {
                    var cond = evaluator.Evaluate(f.Condition, scope);
                    var taken = ImmutableArray<BoundStatement>.Empty;
                    if (cond is BoolValue b && !TooDeep(f.Keyword.Span, "this if"))
                        taken = b.Bool ? Deeper(f.Then, scope) : f.Else is null ? [] : Deeper(f.Else, scope);
                    else if (cond is not null)
                        diagnostics.ReportWrongType(source, f.Condition.Span, "an if condition", "true or false", cond.TypeName);
                    bound.Add(new BoundIf(f, source, taken));
                    break;
                }
                case LayerSyntax layer:
                    bound.Add(BindLayer(layer, scope));
                    break;
                case ResidualSyntax r:
                    bound.Add(TooDeep(r.Keyword.Span, "this residual")
                                  ? new BoundResidual(r, source, [], null, Failed: true)
                                  : new BoundResidual(r, source, Branch(r.Main, scope),
                                                      r.Shortcut is null ? null : Branch(r.Shortcut, scope)));
                    break;
            }
        }
        return bound.ToImmutable();
    }

    BoundStatement BindLayer(LayerSyntax layer, IReadOnlyDictionary<string, Value> scope)
    {
        var call = layer.Call;
        var name = call.Name.Text;
        // Evaluate arguments first (errors in them are reported once, here).
        if (evaluator.Arguments(call.Arguments, scope) is not { } args) return new BoundInvalid(layer, source);

        if (blocks.TryGetValue(name, out var block)) return ExpandBlock(layer, block, args, scope);
        if (!LayerRegistry.Kinds.TryGetValue(name, out var kind))
        {
            diagnostics.ReportUnknownName(source, call.Name.Span, "layer or block", name, LayerRegistry.Kinds.Keys.Concat(blocks.Keys));
            return new BoundInvalid(layer, source);
        }
        var prepared = kind.Prepare(args);
        var bound = kind.SignatureFor(prepared).Bind(source, diagnostics, call.Span, prepared);
        if (bound is null) return new BoundInvalid(layer, source);
        if (!kind.HasNamedInputs) return new BoundLayer(layer, source, kind, bound, []);
        // A multi-input layer names its further inputs (positionally, or by keyword: film's by:): each must be a value
        // visible here.
        var named = kind.NamesInputs ? args : [];
        named = [.. named, .. kind.ValueArgs.SelectMany(k => prepared.Where(a => a.Keyword == k))];
        bool ok = true;
        foreach (var (_, v, span) in named)
        {
            if (v is SymbolValue s && Known(s.Name, span)) continue;
            if (v is not SymbolValue) diagnostics.ReportUnknownName(source, span, "value", v.Show(), names.Names);
            ok = false;
        }
        return ok ? new BoundLayer(layer, source, kind, bound, [.. named.Select(a => ((SymbolValue)a.Value).Name)])
                  : new BoundInvalid(layer, source);
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a value visible here; reports GAN0201 otherwise, with the reason when a block
    /// names a value of its caller.
    /// </summary>
    bool Known(string name, TextSpan span)
    {
        if (names.Contains(name)) return true;
        if (expanding.Count > 0 && names.CallerHas(name))
            diagnostics.ReportUnknownNameInBlock(source, span, name, expanding.Peek());
        else
            diagnostics.ReportUnknownName(source, span, "value", name, names.Names);
        return false;
    }

    /// <summary>A residual branch: one level deeper, in a scope of its own over the names around it.</summary>
    ImmutableArray<BoundStatement> Branch(IReadOnlyList<StatementSyntax> body, IReadOnlyDictionary<string, Value> scope)
    {
        var outer = names;
        names = new ValueScope<bool>(outer);
        try { return Deeper(body, scope); }
        finally { names = outer; }
    }

    BoundStatement ExpandBlock(LayerSyntax layer, BlockSyntax block, List<Argument> args, IReadOnlyDictionary<string, Value> scope)
    {
        var call = layer.Call;
        if (expanding.Contains(block.Name.Text))
        {
            diagnostics.ReportRecursiveBlock(source, call.Span, block.Name.Text);
            return new BoundInvalid(layer, source);
        }
        if (TooDeep(call.Span, "this block call")) return new BoundInvalid(layer, source);
        if (expansion.WouldPass(block) && !Counted(Expansion.MaxStatements + 1L)) return new BoundInvalid(layer, source);
        var (callerSource, callerEvaluator) = (source, evaluator);
        var blockSource = block.Source ?? source;
        var blockEvaluator = blockSource == source ? evaluator : new Evaluator(blockSource, diagnostics);
        var signature = BlockSignature(block, blockEvaluator, scope);
        var bound = signature.Bind(source, diagnostics, call.Span, args);
        if (bound is null) return new BoundInvalid(layer, source);
        var arguments = new Dictionary<string, Value>(signature.Params.Count);
        var body = new ValueScope<bool>(null, caller: names);
        var values = ImmutableArray.CreateBuilder<(string, string)>();
        bool ok = true;
        foreach (var p in signature.Params)
        {
            if (bound.Get(p.Name) is not { } v) continue;
            arguments[p.Name] = v;
            if (!IsValueParam(block, p.Name)) continue;
            // A value parameter names a value of the caller's; in the body it is known by the parameter's name.
            if (v is SymbolValue caller && Known(caller.Name, bound.SpanOf(p.Name)))
            {
                arguments[p.Name] = new SymbolValue(p.Name, v.Span);
                body.Define(p.Name, true);
                values.Add((p.Name, caller.Name));
            }
            else
            {
                if (v is not SymbolValue)
                    diagnostics.ReportWrongType(source, bound.SpanOf(p.Name), $"{block.Name.Text}: '{p.Name}'",
                                                "the name of a value (an input or a let)", v.Show());
                ok = false;
            }
        }
        if (!ok) return new BoundInvalid(layer, source);
        var inner = new LayeredScope(arguments, scope);
        expanding.Push(block.Name.Text);
        var callerNames = names;
        (source, evaluator, names) = (blockSource, blockEvaluator, body);
        try { return new BoundBlockCall(layer, callerSource, block, Deeper(block.Body, inner), values.ToImmutable()); }
        finally { (source, evaluator, names) = (callerSource, callerEvaluator, callerNames); expanding.Pop(); }
    }

    /// <summary>Whether a block parameter is declared <c>NAME: value</c>: it names a network value of the caller.</summary>
    static bool IsValueParam(BlockSyntax block, string name) =>
        block.Parameters.Any(p => p.Name.Text == name && p.Type is NameSyntax { Name.Text: "value" });

    /// <summary>Block signatures whose defaults are literals, the same at every call: built once (a block may be called
    /// 100,000 times).</summary>
    readonly Dictionary<BlockSyntax, Signature> literalSignatures = [];

    /// <summary>A block's signature at one call: its defaults are evaluated in the caller's scope, unless all are literals.</summary>
    Signature BlockSignature(BlockSyntax block, Evaluator blockEvaluator, IReadOnlyDictionary<string, Value> scope)
    {
        if (literalSignatures.TryGetValue(block, out var known)) return known;
        var ps = new List<Param>();
        foreach (var p in block.Parameters)
        {
            var type = p.Type is NameSyntax t ? t.Name.Text switch
            {
                "int" => ArgType.Int, "float" => ArgType.Float, "bool" => ArgType.Bool, "string" => ArgType.String,
                "value" => ArgType.Symbol, _ => ArgType.Any,
            } : ArgType.Any;
            Value? def = p.Default is null ? null : blockEvaluator.Evaluate(p.Default, scope);
            ps.Add(new Param(p.Name.Text, type, def, Positional: true));
        }
        var signature = new Signature(block.Name.Text, ps);
        if (block.Parameters.All(p => p.Default is null or NumberSyntax or StringSyntax)) literalSignatures[block] = signature;
        return signature;
    }
}
