using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>y = Factor·x.</summary>
internal sealed record ScaleOp(double Factor) : OpIr("scale");

/// <summary>scale(c): a constant factor (StyleGAN2's (out + skip)/√2, the fused leaky-ReLU gain √2). No parameters.</summary>
internal sealed class Scale() : OpLayerKind<ScaleOp>("scale", "y = c·x for a constant c (e.g. scale(1 / sqrt(2))); shape unchanged",
    [new("factor", ArgType.Float, Positional: true)])
{
    public static readonly Scale Instance = new();

    public override ScaleOp? Configure(LayerArgs a) =>
        a.Require(double.IsFinite(a.Num("factor")), "factor", "scale: 'factor'", $"must be a finite number, got {a.Get("factor")!.Show()}")
            ? new ScaleOp(a.Num("factor"))
            : null;

    public override ShapeResult Shape(ScaleOp c, Operand x) => ShapeResult.Of(x.Shape);
}
