using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>A sum over the spatial dimensions (N×C×H×W → N×C) or over the features (N×F → N×1).</summary>
internal sealed record SumOp(bool Spatial) : OpIr("sum");

/// <summary>sum(over: spatial | features): the sum pooling of SNGAN-family discriminators (torch.sum(h, dim=(2, 3))).</summary>
internal sealed class Sum() : OpLayerKind<SumOp>("sum",
    "sum over H×W (C×H×W → C, over: spatial) or over the features (F → 1, over: features); no parameters",
    [new("over", ArgType.Symbol, Required: true)])
{
    public static readonly Sum Instance = new();

    public override SumOp? Configure(LayerArgs a) =>
        a.Choice("over", "spatial", "features") is { } over ? new SumOp(over == "spatial") : null;

    /// <summary>spatial: C×H×W → C; features: F → 1.</summary>
    public override ShapeResult Shape(SumOp c, Operand x) => c.Spatial
        ? x.Shape.Length == 3
            ? ShapeResult.Of(x.Shape[0])
            : new RankError($"N×C×H×W for sum(over: spatial), got {Layers.Shape.Show(x.Shape)}"
                            + (x.Shape.Length == 1 ? "; a flat vector sums with sum(over: features)" : ""))
        : x.Shape.Length == 1
            ? ShapeResult.Of(1)
            : new RankError($"N×F (a flat vector) for sum(over: features), got {Layers.Shape.Show(x.Shape)}; "
                            + (x.Shape.Length == 3 ? "sum an image over H×W with sum(over: spatial), or flatten first" : "flatten first"));
}
