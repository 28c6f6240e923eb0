using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// Checks a bound network's shapes statement by statement with each layer kind's shape rule, building its graph.
/// After an error the current value becomes unknown and later layers are not checked until a <c>from</c>, so one
/// mistake gives one diagnostic.
/// </summary>
internal sealed class NetworkChecker(DiagnosticBag diagnostics)
{
    /// <summary>
    /// A value in the network: a node (made by <see cref="Layer"/>) or an input (<see cref="Input"/>) with its operand;
    /// Value is null once unknown.
    /// </summary>
    sealed record Flow(int Ref, Operand? Value, CheckedNode? Node = null, string Input = "")
    {
        /// <summary>Where the value comes from, for messages (formatted only when one is reported).</summary>
        public string Producer()
        {
            if (Node is null) return $"input '{Input}'";
            var (line, col) = Node.Source.LineCol(Node.Span.Start);
            return $"`{Node.Source[Node.Span]}` at {line}:{col}";
        }
    }

    /// <summary>A value whose shape is unknown because an earlier statement had an error.</summary>
    static readonly Flow Unknown = new(int.MinValue, null);

    readonly List<CheckedNode> nodes = [];
    ValueScope<Flow> named = new(null);
    readonly Dictionary<string, int> outputs = [];
    readonly List<string> outputOrder = [];
    InitIr init = InitIr.Default;
    Flow? current;
    string networkName = "";

    public CheckedNetwork Check(BoundNetwork network)
    {
        int errorsBefore = diagnostics.ErrorCount;
        networkName = network.Name;
        bool complete = !network.Inputs.IsEmpty && Run(network, errorsBefore);
        bool failed = network.Failed || !complete || diagnostics.ErrorCount > errorsBefore;
        return new CheckedNetwork(network, failed, [.. nodes], outputs.ToImmutableDictionary(), [.. outputOrder]);
    }

    /// <summary>Checks the body; false when the network has no output.</summary>
    bool Run(BoundNetwork network, int errorsBefore)
    {
        for (int k = 0; k < network.Inputs.Length; k++)
        {
            var input = network.Inputs[k].Ir;
            var flow = new Flow(NetworkIr.InputRef(k), new Operand([.. input.Shape], input.Kind == InputKind.Label ? input.Classes : 0),
                                Input: input.Name);
            named.Define(input.Name, flow);
            if (k == 0) current = flow;
        }
        Statements(network.Body);
        if (outputs.Count > 0) return true;
        if (current is null || current.Ref < 0)
        {
            // Only when nothing else went wrong in this network: after an error the missing output is a cascade.
            if (current is not null && !network.Failed && diagnostics.ErrorCount == errorsBefore)
                diagnostics.ReportOutputChoice(network.Source, network.Syntax.Name.Span, networkName, "has no layers, so it has no output");
            return false;
        }
        outputs["out"] = current.Ref;
        outputOrder.Add("out");
        return true;
    }

    void Statements(ImmutableArray<BoundStatement> body)
    {
        foreach (var st in body)
        {
            switch (st)
            {
                case BoundLet l:
                    // After an error the value is unknown; naming it still defines the name (no cascade at `from`).
                    named.Define(l.Syntax.Name.Text, current ?? Unknown);
                    break;
                case BoundFrom f:
                    current = f.Resolved && named.TryGet(f.Syntax.Name.Text, out var from) ? from : null;
                    break;
                case BoundOutput o:
                    Output(o);
                    break;
                case BoundInit i:
                    if (i.Init is not null) init = i.Init;
                    break;
                case BoundIf f: Statements(f.Body); break;
                case BoundBlockCall b: Block(b); break;
                case BoundResidual r: Residual(r); break;
                case BoundInvalid: current = null; break;
                case BoundLayer layer when layer.Kind.HasNamedInputs: MultiInput(layer); break;
                case BoundLayer layer: SingleInput(layer); break;
            }
        }
    }

    /// <summary>A block's body, in a scope of its own: its value parameters are the caller's values they name.</summary>
    void Block(BoundBlockCall b)
    {
        var caller = named;
        named = new ValueScope<Flow>(null);
        foreach (var (param, name) in b.Values) named.Define(param, caller.TryGet(name, out var f) ? f : Unknown);
        try { Statements(b.Body); }
        finally { named = caller; }
    }

    /// <summary>
    /// y = MAIN(x) + SHORTCUT(x): both branches start from the current value x, each in a scope of its own; their results
    /// must have one shape (GAN0310), and are added by a node of the <c>add</c> kind.
    /// </summary>
    void Residual(BoundResidual r)
    {
        if (r.Failed) { current = null; return; }
        var x = current;
        var main = Branch(r.Main, x);
        var shortcut = r.Shortcut is { } sc ? Branch(sc, x) : x;
        current = null;
        if (main?.Value is not { } m || shortcut?.Value is not { } s) return;      // an error inside: reported there
        var (source, span) = (r.Source, r.Syntax.Keyword.Span);
        if (m.IsLabel || s.IsLabel)
        {
            diagnostics.ReportRank(source, span, "residual", "float tensors from both branches, got an integer label; embed it first");
            return;
        }
        if (!Shape.Same(m.Shape, s.Shape))
        {
            diagnostics.ReportResidualMismatch(source, span, Shape.Show(m.Shape), Shape.Show(s.Shape), ResidualFix(m.Shape, s.Shape));
            return;
        }
        Operand[] operands = [m, s];
        Add(Layers.Add.Instance, source, span, "", Layers.Add.Op, [main.Ref, shortcut.Ref], operands, m.Shape, 0);
    }

    /// <summary>How to make a shortcut's shape equal the main branch's: a 1×1 conv for channels, resampling for the size.</summary>
    static string ResidualFix(int[] main, int[] shortcut)
    {
        if (main.Length != 3 || shortcut.Length != 3) return "give the shortcut a layer that maps one shape to the other";
        var fixes = new List<string>();
        if (main[0] != shortcut[0]) fixes.Add($"a conv2d({main[0]}, kernel: 1)");
        if (main[1] != shortcut[1] || main[2] != shortcut[2])
            fixes.Add(main[1] > shortcut[1] ? "the main branch's upsample" : "the main branch's pooling");
        return "give the shortcut " + string.Join(" and ", fixes);
    }

    /// <summary>Checks a residual branch from <paramref name="x"/> in a scope of its own; its last value.</summary>
    Flow? Branch(ImmutableArray<BoundStatement> body, Flow? x)
    {
        var outer = named;
        named = new ValueScope<Flow>(outer);
        current = x;
        try { Statements(body); return current; }
        finally { named = outer; }
    }

    void Output(BoundOutput o)
    {
        var name = o.Syntax.Name.Text;
        if (outputs.ContainsKey(name))
            diagnostics.ReportOutputChoice(o.Source, o.Syntax.Name.Span, networkName, $"output '{name}' is declared twice");
        else if (current is { Value: not null })
        {
            if (current.Ref < 0)
                diagnostics.ReportOutputChoice(o.Source, o.Syntax.Span, networkName,
                                               $"output '{name}' would be an input unchanged; add a layer first");
            else { outputs[name] = current.Ref; outputOrder.Add(name); }
        }
    }

    void SingleInput(BoundLayer layer)
    {
        if (current?.Value is not { } input) return;     // unknown input: no cascade
        var a = layer.Args;
        var layerInit = init;
        if (a.Get("init") is { } iv)
        {
            if (Inits.Bind(iv, layer.Source, diagnostics) is not { } own) { current = null; return; }
            layerInit = own;
        }
        if (input.IsLabel && !layer.Kind.TakesLabel) { Fail(layer, layer.Kind.LabelError); return; }
        var args = new LayerArgs(a, layerInit, layer.Source, diagnostics);
        if (layer.Kind.Configure(args) is not { } config) { current = null; return; }
        Operand[] operands = [input];
        var shape = layer.Kind.Shape(config, operands);
        if (shape.Error is { } error) { Fail(layer, error); return; }
        layer.Kind.Lint(config, args, layer.Syntax);
        if (layer.Syntax.Quirk is { } q && string.IsNullOrWhiteSpace(q.Text))
            diagnostics.ReportOutOfRange(layer.Source, q.Span, "quirk",
                                         "needs its reason, e.g. quirk \"the seed passes 0.8 positionally: it is eps\"");
        Add(layer, config, ImmutableArray.Create(current.Ref), operands, shape.Shape!, layer.Kind.Parameters(config, operands));
    }

    /// <summary>concat (and every kind that names further inputs): the current value, then the named ones.</summary>
    void MultiInput(BoundLayer layer)
    {
        var parts = new List<Flow>();
        if (current is not null) parts.Add(current);
        parts.AddRange(layer.Inputs.Select(n => named.TryGet(n, out var f) ? f : Unknown));
        if (current is null || parts.Any(p => p.Value is null)) { current = null; return; }
        var operands = parts.Select(p => p.Value!.Value).ToArray();
        // The current value must be a float tensor; so must the positional ones. Keyword values (film's by:) may be labels:
        // their shape rule decides.
        int positional = layer.Kind.NamesInputs ? operands.Length : 1;
        if (operands.Take(positional).Any(o => o.IsLabel) && !(operands[0].IsLabel && layer.Kind.TakesLabel))
        { Fail(layer, layer.Kind.LabelError); return; }
        var args = new LayerArgs(layer.Args, init, layer.Source, diagnostics);
        if (layer.Kind.Configure(args) is not { } config) { current = null; return; }
        var shape = layer.Kind.Shape(config, operands);
        if (shape.Error is { } error) { Fail(layer, error); return; }
        Add(layer, config, [.. parts.Select(p => p.Ref)], operands, shape.Shape!, layer.Kind.Parameters(config, operands));
    }

    /// <summary>Reports a shape rule's typed error as its diagnostic; the current value becomes unknown.</summary>
    void Fail(BoundLayer layer, ShapeError error)
    {
        var (s, span, name) = (layer.Source, layer.Syntax.Call.Span, layer.Kind.Name);
        switch (error)
        {
            case FeatureMismatch f: diagnostics.ReportLinearMismatch(s, span, name, f.Expected, f.Got, current!.Producer()); break;
            case CountMismatch c:
                var from = current!.Value!.Value.Shape;
                diagnostics.ReportReshapeCount(s, span, Shape.Show(from), Shape.Count(from), Shape.Show(c.Target), c.TargetCount);
                break;
            case RankError r: diagnostics.ReportRank(s, span, name, r.Expected); break;
            case JoinError j: diagnostics.ReportConcat(s, span, name, j.Detail); break;
            case SpatialError sp: diagnostics.ReportSpatial(s, span, name, sp.Detail); break;
            case SizeError z: diagnostics.ReportTooLarge(s, span, name, z.Detail); break;
            case RangeError g: diagnostics.ReportOutOfRange(s, span, name + ":", g.Detail); break;
        }
        current = null;
    }

    /// <summary>A checked node; <paramref name="operands"/> is its own from here on (wrapped, not copied).</summary>
    void Add(BoundLayer layer, object config, ImmutableArray<int> inputs, Operand[] operands, int[] shape, long parameters) =>
        Add(layer.Kind, layer.Source, layer.Syntax.Call.Span, layer.Syntax.Quirk?.Text ?? "", config, inputs, operands, shape, parameters);

    void Add(LayerKind kind, SourceText source, TextSpan span, string quirk, object config, ImmutableArray<int> inputs,
             Operand[] operands, int[] shape, long parameters)
    {
        var node = new CheckedNode(nodes.Count, kind, source, span, quirk, config, inputs,
                                   ImmutableCollectionsMarshal.AsImmutableArray(operands), shape, parameters);
        nodes.Add(node);
        current = new Flow(node.Id, new Operand(shape), node);
    }
}
