using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>The mean over H×W: N×C×H×W → N×C.</summary>
internal sealed record GlobalAvgPoolOp() : OpIr("global_avgpool");

internal sealed class GlobalAvgPool() : SimpleLayerKind(new GlobalAvgPoolOp(), "mean over H×W: N×C×H×W → N×C")
{
    public static readonly GlobalAvgPool Instance = new();

    public override ShapeResult Shape(OpIr c, Operand x) =>
        x.Shape.Length == 3 ? ShapeResult.Of(x.Shape[0]) : new RankError($"N×C×H×W, got {Layers.Shape.Show(x.Shape)}");
}
