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
    sealed record Flow(int Ref, Operand? Value, BoundLayer? Layer = null, string Input = "")
    {
        /// <summary>Where the value comes from, for messages (formatted only when one is reported).</summary>
        public string Producer()
        {
            if (Layer is null) return $"input '{Input}'";
            var (line, col) = Layer.Source.LineCol(Layer.Syntax.Call.Span.Start);
            return $"`{Layer.Source[Layer.Syntax.Call.Span]}` at {line}:{col}";
        }
    }

    /// <summary>A value whose shape is unknown because an earlier statement had an error.</summary>
    static readonly Flow Unknown = new(int.MinValue, null);

    readonly List<CheckedNode> nodes = [];
    readonly Dictionary<string, Flow> named = [];
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
            named[input.Name] = flow;
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
                    named[l.Syntax.Name.Text] = current ?? Unknown;
                    break;
                case BoundFrom f:
                    current = f.Resolved ? named[f.Syntax.Name.Text] : null;
                    break;
                case BoundOutput o:
                    Output(o);
                    break;
                case BoundInit i:
                    if (i.Init is not null) init = i.Init;
                    break;
                case BoundIf f: Statements(f.Body); break;
                case BoundBlockCall b: Statements(b.Body); break;
                case BoundInvalid: current = null; break;
                case BoundLayer layer when layer.Kind.NamesInputs: MultiInput(layer); break;
                case BoundLayer layer: SingleInput(layer); break;
            }
        }
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
        parts.AddRange(layer.Inputs.Select(n => named[n]));
        if (current is null || parts.Any(p => p.Value is null)) { current = null; return; }
        var operands = parts.Select(p => p.Value!.Value).ToArray();
        if (operands.Any(o => o.IsLabel)) { Fail(layer, layer.Kind.LabelError); return; }
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
    void Add(BoundLayer layer, object config, ImmutableArray<int> inputs, Operand[] operands, int[] shape, long parameters)
    {
        var node = new CheckedNode(nodes.Count, layer, config, inputs, ImmutableCollectionsMarshal.AsImmutableArray(operands), shape,
                                   parameters);
        nodes.Add(node);
        current = new Flow(node.Id, new Operand(shape), layer);
    }
}
