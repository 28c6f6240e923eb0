using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>N×… → N×(product of the non-batch dimensions).</summary>
internal sealed record FlattenOp() : OpIr("flatten");

internal sealed class Flatten() : SimpleLayerKind(new FlattenOp(), "N×C×H×W → N×(C·H·W)")
{
    public static readonly Flatten Instance = new();
    public override ShapeResult Shape(OpIr c, Operand x) => Layers.Shape.Sized(Layers.Shape.Count(x.Shape));
}
