using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// A node whose shape checked: its layer kind, where it was written (a layer call, or the <c>residual</c> keyword for the
/// sum of a residual's branches), its resolved configuration, the operands it reads (node ids, or <c>-1 - k</c> for the
/// network's k-th input) and its output shape and parameter count.
/// </summary>
internal sealed record CheckedNode(int Id, LayerKind Kind, SourceText Source, TextSpan Span, string Quirk, object Config,
                                   ImmutableArray<int> Inputs, ImmutableArray<Operand> Operands, int[] Shape, long Parameters)
{
    /// <summary>Stable and deterministic (e.g. <c>3_linear</c>); it prefixes the node's parameter names.</summary>
    public string Name => $"{Id}_{Kind.Name}";
}

/// <summary>
/// A network after shape checking: its graph of checked nodes and its named outputs (<see cref="OutputOrder"/>: as
/// declared, for messages). <see cref="Failed"/> when it
/// had an error (binding or shapes): its uses are then not checked again, and it has no IR.
/// </summary>
internal sealed record CheckedNetwork(BoundNetwork Bound, bool Failed, ImmutableArray<CheckedNode> Nodes,
                                      ImmutableDictionary<string, int> Outputs, ImmutableArray<string> OutputOrder)
{
    public string Name => Bound.Name;
    public string DefaultOutput => OutputOrder.FirstOrDefault() ?? "out";

    /// <summary>The output an application reads: the one it chose, or the default.</summary>
    public string OutputOf(Token? chosen) => chosen?.Text ?? DefaultOutput;

    /// <summary>The output a penalty differentiates: its <c>output:</c> argument, or the default.</summary>
    public string OutputOf(BoundPenalty p) => (p.OutputName as NameSyntax)?.Name.Text ?? DefaultOutput;
    public ImmutableArray<BoundInput> Inputs => Bound.Inputs;
    public int[] OutputShape(string output) => Nodes[Outputs[output]].Shape;
    public long Parameters => NetworkIr.SaturatingSum(Nodes.Select(n => n.Parameters));
    public bool HasBatchNorm => Nodes.Any(n => n.Kind is BatchNorm);
    public bool EndsInSigmoid(string output) => Nodes[Outputs[output]].Kind == Activations.Sigmoid;
}
