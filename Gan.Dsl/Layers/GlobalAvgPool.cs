using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>The mean over H×W: N×C×H×W → N×C.</summary>
internal sealed record GlobalAvgPoolOp() : OpIr("global_avgpool");

internal sealed class GlobalAvgPool() : SimpleLayerKind(new GlobalAvgPoolOp(), "mean over H×W: N×C×H×W → N×C")
{
    public static readonly GlobalAvgPool Instance = new();

    public override ShapeResult Shape(OpIr c, Operand x) =>
        Layers.Shape.NotImage(x.Shape) is { } notImage ? notImage : ShapeResult.Of(x.Shape[0]);
}
