using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

internal enum InputKind { Tensor, Label }

/// <summary>A network input: a float tensor of a shape (without batch), or an integer label in [0, Classes).</summary>
internal sealed record InputIr(string Name, ImmutableArray<int> Shape, InputKind Kind, int Classes);

/// <summary>
/// A node of a network's graph. Nodes are in topological order; <see cref="Inputs"/> are indices of
/// earlier nodes or, as <c>-1 - k</c>, of the network's k-th input. <see cref="Name"/> is stable and
/// deterministic (e.g. <c>3_linear</c>) and prefixes the node's parameter names.
/// </summary>
internal sealed record NodeIr(int Id, string Name, OpIr Op, ImmutableArray<int> Inputs, ImmutableArray<int> Shape, long Parameters,
                              string Quirk);

/// <summary>A network: inputs, nodes, and named outputs (heads) pointing at nodes.</summary>
internal sealed record NetworkIr(string Name, ImmutableArray<InputIr> Inputs, ImmutableArray<NodeIr> Nodes,
                               ImmutableDictionary<string, int> Outputs, string DefaultOutput)
{
    /// <summary>Trainable parameters of all nodes; saturates at <see cref="long.MaxValue"/> instead of overflowing.</summary>
    public long Parameters => SaturatingSum(Nodes.Select(n => n.Parameters));
    public static int InputRef(int k) => -1 - k;

    /// <summary>A sum of non-negative counts that stops at <see cref="long.MaxValue"/>.</summary>
    public static long SaturatingSum(IEnumerable<long> counts) =>
        counts.Aggregate(0L, (a, c) => a > long.MaxValue - c ? long.MaxValue : a + c);
}
