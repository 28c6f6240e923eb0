using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>N×… → N×(product of the non-batch dimensions).</summary>
internal sealed record FlattenOp : OpIr
{ public override string OpName => "flatten"; }

internal sealed class Flatten() : SimpleLayerKind("flatten", "N×C×H×W → N×(C·H·W)")
{
    public static readonly Flatten Instance = new();
    protected override OpIr Op { get; } = new FlattenOp();
    public override ShapeResult Shape(OpIr c, Operand x) => Layers.Shape.Sized(Layers.Shape.Count(x.Shape));
}
