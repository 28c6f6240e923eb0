using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Shapes;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>One row of `gan shapes`: a layer's name, op, output shape and trainable parameters.</summary>
public sealed record LayerRow(string Name, string Op, string Shape, long Params, TextSpan Span);

/// <summary>
/// Binds a network body into a graph of IR nodes, computing shapes with <see cref="ShapeRules"/> as it
/// goes. After a shape error the current value becomes unknown and later layers are not shape-checked,
/// so one mistake gives one diagnostic.
/// </summary>
public sealed class NetworkBinder
{
    /// <summary>A value in the network: a node (or input) with its shape; Shape is null once unknown.</summary>
    /// <summary>A value in the network: a node (or input) with its shape; Shape is null once unknown. Classes: of a label input.</summary>
    sealed record Flow(int Ref, int[]? Shape, bool IsLabel, string Producer, int Classes = 0);

    SourceText source;          // switches to a used file's text while one of its blocks expands
    readonly DiagnosticBag diagnostics;
    Evaluator evaluator;
    readonly IReadOnlyDictionary<string, BlockSyntax> blocks;
    readonly List<NodeIr> nodes = [];
    readonly List<TextSpan> nodeSpans = [];
    readonly Dictionary<string, Flow> named = [];
    readonly Dictionary<string, int> outputs = [];
    readonly List<string> outputOrder = [];
    readonly Stack<string> expanding = new();
    InitIr init = InitIr.Default;
    Flow? current;
    string networkName = "";

    public NetworkBinder(SourceText source, DiagnosticBag diagnostics, IReadOnlyDictionary<string, BlockSyntax> blocks)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        this.blocks = blocks;
        evaluator = new Evaluator(source, diagnostics);
    }

    public IReadOnlyList<TextSpan> NodeSpans => nodeSpans;

    /// <summary>A value whose shape is unknown because an earlier layer had an error.</summary>
    static readonly Flow Unknown = new(int.MinValue, null, false, "");

    /// <summary>The network's graph; null when it has errors (uses of the network are then not reported again).</summary>
    public NetworkIr? Bind(NetworkSyntax syntax, IReadOnlyDictionary<string, Value> scope)
    {
        int errorsBefore = diagnostics.Count(x => x.IsError);
        var ir = BindGraph(syntax, scope);
        return diagnostics.Count(x => x.IsError) > errorsBefore ? null : ir;
    }

    NetworkIr? BindGraph(NetworkSyntax syntax, IReadOnlyDictionary<string, Value> scope)
    {
        networkName = syntax.Name.Text;
        var inputs = new List<InputIr>();
        for (int k = 0; k < syntax.Inputs.Count; k++)
        {
            var p = syntax.Inputs[k];
            var input = BindInput(p, scope);
            if (input is null) return null;
            inputs.Add(input);
            var flow = new Flow(NetworkIr.InputRef(k), input.Shape.ToArray(), input.Kind == InputKind.Label, $"input '{p.Name.Text}'", input.Classes);
            named[p.Name.Text] = flow;
            if (k == 0) current = flow;
        }
        if (inputs.Count == 0)
        {
            diagnostics.ReportArity(source, syntax.Name.Span, $"network {syntax.Name.Text}", "needs at least one input, e.g. network D(x: [1, 28, 28])");
            return null;
        }
        BindBody(syntax.Body, scope);
        if (outputs.Count == 0)
        {
            if (current is null || current.Ref < 0)
            {
                if (!diagnostics.HasErrors)
                    diagnostics.ReportOutputChoice(source, syntax.Name.Span, syntax.Name.Text, "has no layers, so it has no output");
                return null;
            }
            outputs["out"] = current.Ref;
            outputOrder.Add("out");
        }
        return new NetworkIr(syntax.Name.Text, [.. inputs], [.. nodes], outputs.ToImmutableDictionary(), outputOrder[0]);
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
            && ShapeRules.Sized([.. dims.Select(i => (long)((NumberValue)i).Number)]) is { Ok: false } big)
        {
            diagnostics.ReportTooLarge(source, p.Type.Span, $"input '{p.Name.Text}'", big.Message!);
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
                diagnostics.ReportWrongType(source, p.Type.Span, $"input '{p.Name.Text}'", "a shape such as [1, 28, 28] or label(10)", v.Show());
                return null;
        }
    }

    void BindBody(IReadOnlyList<StatementSyntax> body, IReadOnlyDictionary<string, Value> scope)
    {
        foreach (var st in body)
        {
            switch (st)
            {
                case LetSyntax l:
                    // After an error the value is unknown; naming it still defines the name (no cascade at `from`).
                    named[l.Name.Text] = current ?? Unknown;
                    break;
                case FromSyntax f:
                    if (named.TryGetValue(f.Name.Text, out var flow)) current = flow;
                    else
                    {
                        diagnostics.ReportUnknownName(source, f.Name.Span, "value", f.Name.Text, named.Keys);
                        current = null;
                    }
                    break;
                case OutputSyntax o:
                    if (outputs.ContainsKey(o.Name.Text))
                        diagnostics.ReportOutputChoice(source, o.Name.Span, networkName, $"output '{o.Name.Text}' is declared twice");
                    else if (current is { Shape: not null })
                    {
                        if (current.Ref < 0) diagnostics.ReportOutputChoice(source, o.Span, networkName, $"output '{o.Name.Text}' would be an input unchanged; add a layer first");
                        else { outputs[o.Name.Text] = current.Ref; outputOrder.Add(o.Name.Text); }
                    }
                    break;
                case InitSyntax i:
                    if (evaluator.Evaluate(i.Init, scope) is { } iv && Inits.Bind(iv is CallValue { Args.Count: 0 } c0 && !i.Init.HasParens ? new SymbolValue(c0.Name, c0.Span) : iv, source, diagnostics) is { } bound)
                        init = bound;
                    break;
                case IfSyntax f:
                {
                    var cond = evaluator.Evaluate(f.Condition, scope);
                    if (cond is null) break;
                    if (cond is not BoolValue b) { diagnostics.ReportWrongType(source, f.Condition.Span, "an if condition", "true or false", cond.TypeName); break; }
                    if (b.Bool) BindBody(f.Then, scope);
                    else if (f.Else is not null) BindBody(f.Else, scope);
                    break;
                }
                case LayerSyntax layer:
                    BindLayer(layer, scope);
                    break;
            }
        }
    }

    void BindLayer(LayerSyntax layer, IReadOnlyDictionary<string, Value> scope)
    {
        var call = layer.Call;
        var name = call.Name.Text;
        // Evaluate arguments first (errors in them are reported once, here).
        var args = new List<(string?, Value, TextSpan)>();
        bool argsOk = true;
        foreach (var a in call.Arguments)
        {
            var v = evaluator.Evaluate(a.Value, scope);
            if (v is null) { argsOk = false; continue; }
            args.Add((a.Keyword?.Text, v, a.Span));
        }
        if (!argsOk) { current = null; return; }

        if (blocks.TryGetValue(name, out var block))
        {
            ExpandBlock(block, call, args, scope);
            return;
        }
        if (!LayerCatalog.Signatures.TryGetValue(name, out var sig))
        {
            diagnostics.ReportUnknownName(source, call.Name.Span, "layer or block", name, LayerCatalog.Signatures.Keys.Concat(blocks.Keys));
            current = null;
            return;
        }
        // linear(6272, 1024) / conv2d(1, 64, ...): two positional sizes mean (in, out), as in PyTorch.
        if (name is "linear" or "conv2d" or "conv_transpose2d" && args.Count(a => a.Item1 is null) >= 2)
        {
            int first = args.FindIndex(a => a.Item1 is null);
            args[first] = ("in", args[first].Item2, args[first].Item3);
        }
        // reshape and concat take any number of positional values (d0, d1, … / v0, v1, …).
        if (name is "reshape" or "concat" && args.Count > 0 && args.All(a => a.Item1 is null))
            sig = new Signature(name, [.. args.Select((_, i) => new Param(name == "reshape" ? $"d{i}" : $"v{i}", name == "reshape" ? ArgType.Int : ArgType.Symbol, Positional: true))]);
        var bound = sig.Bind(source, diagnostics, call.Span, args);
        if (bound is null) { current = null; return; }

        if (name == "concat") { BindConcat(layer, args); return; }
        if (current is null || current.Shape is null) return;     // unknown input: no cascade
        var result = LayerCatalog.Build(name, bound, current.Shape, current.IsLabel ? current.Classes : 0, init, source, diagnostics);
        if (result is null) { current = null; return; }
        var (op, shapeResult, parameters) = result.Value;
        if (!shapeResult.Ok)
        {
            ReportShape(layer, name, bound, shapeResult);
            current = null;
            return;
        }
        if (op is BatchNormOp bn && bn.Eps >= 0.1 && layer.Quirk is null)
            diagnostics.ReportEpsLikeMomentum(source, bound.SpanOf("eps"), bn.Eps);
        if (op is BatchNormOp bm && bound.Given("momentum") && bm.Momentum >= 0.5 && layer.Quirk is null)
            diagnostics.ReportMomentumLikeDecay(source, bound.SpanOf("momentum"), bm.Momentum);
        if (layer.Quirk is { } q && string.IsNullOrWhiteSpace(q.Text))
            diagnostics.ReportOutOfRange(source, q.Span, "quirk", "needs its reason, e.g. quirk \"the seed passes 0.8 positionally: it is eps\"");
        Add(layer, op, [current.Ref], shapeResult.Shape!, parameters);
    }

    void ReportShape(LayerSyntax layer, string name, BoundArgs bound, ShapeResult r)
    {
        var span = layer.Call.Span;
        switch (r.Code)
        {
            case "GAN0301":
            {
                var parts = r.Message!.Split('|');
                diagnostics.ReportLinearMismatch(source, span, name, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), current!.Producer);
                break;
            }
            case "GAN0303":
            {
                var parts = r.Message!.Split('|');
                diagnostics.ReportReshapeCount(source, span, Shape.Show(current!.Shape!), Shape.Count(current.Shape!), "N×" + parts[0], double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                break;
            }
            case "GAN0302": diagnostics.ReportRank(source, span, name, r.Message!); break;
            case "GAN0304": diagnostics.ReportConcat(source, span, r.Message!); break;
            case "GAN0305": diagnostics.ReportSpatial(source, span, name, r.Message!); break;
            case "GAN0309": diagnostics.ReportTooLarge(source, span, name, r.Message!); break;
            default: diagnostics.ReportOutOfRange(source, span, name + ":", r.Message!); break;
        }
    }

    void BindConcat(LayerSyntax layer, List<(string? Keyword, Value Value, TextSpan Span)> args)
    {
        var parts = new List<Flow>();
        if (current is not null) parts.Add(current);
        bool ok = current is not null;
        foreach (var (_, v, span) in args)
        {
            if (v is SymbolValue s && named.TryGetValue(s.Name, out var flow)) parts.Add(flow);
            else
            {
                diagnostics.ReportUnknownName(source, span, "value", v.Show(), named.Keys);
                ok = false;
            }
        }
        if (!ok || parts.Any(p => p.Shape is null)) { current = null; return; }
        if (parts.Any(p => p.IsLabel))
        {
            diagnostics.ReportConcat(source, layer.Call.Span, "an integer label cannot be concatenated; embed it first (embedding(K, dim))");
            current = null;
            return;
        }
        var r = ShapeRules.Concat(parts.Select(p => p.Shape!).ToList());
        if (!r.Ok)
        {
            if (r.Code == "GAN0309") diagnostics.ReportTooLarge(source, layer.Call.Span, "concat", r.Message!);
            else diagnostics.ReportConcat(source, layer.Call.Span, r.Message!);
            current = null;
            return;
        }
        Add(layer, new ConcatOp(1), [.. parts.Select(p => p.Ref)], r.Shape!, 0);
    }

    void ExpandBlock(BlockSyntax block, CallSyntax call, List<(string?, Value, TextSpan)> args, IReadOnlyDictionary<string, Value> scope)
    {
        if (expanding.Contains(block.Name.Text)) { diagnostics.ReportRecursiveBlock(source, call.Span, block.Name.Text); current = null; return; }
        var callerSource = source;
        var callerEvaluator = evaluator;
        var blockSource = block.Source ?? source;
        var blockEvaluator = blockSource == source ? evaluator : new Evaluator(blockSource, diagnostics);
        var ps = new List<Param>();
        foreach (var p in block.Parameters)
        {
            var type = p.Type is NameSyntax t ? t.Name.Text switch
            {
                "int" => ArgType.Int, "float" => ArgType.Float, "bool" => ArgType.Bool, "string" => ArgType.String, _ => ArgType.Any,
            } : ArgType.Any;
            Value? def = p.Default is null ? null : blockEvaluator.Evaluate(p.Default, scope);
            ps.Add(new Param(p.Name.Text, type, def, Positional: true));
        }
        var bound = new Signature(block.Name.Text, ps).Bind(source, diagnostics, call.Span, args);
        if (bound is null) { current = null; return; }
        var inner = new Dictionary<string, Value>(scope);
        foreach (var p in ps) if (bound.Get(p.Name) is { } v) inner[p.Name] = v;
        expanding.Push(block.Name.Text);
        (source, evaluator) = (blockSource, blockEvaluator);
        try { BindBody(block.Body, inner); }
        finally { (source, evaluator) = (callerSource, callerEvaluator); expanding.Pop(); }
    }

    void Add(LayerSyntax layer, OpIr op, int[] inputs, int[] shape, long parameters)
    {
        int id = nodes.Count;
        nodes.Add(new NodeIr(id, $"{id}_{op.OpName}", op, [.. inputs], [.. shape], parameters, layer.Quirk?.Text ?? ""));
        nodeSpans.Add(layer.Call.Span);
        var (line, col) = source.LineCol(layer.Call.Span.Start);
        current = new Flow(id, shape, false, $"`{source[layer.Call.Span]}` at {line}:{col}");
    }
}
