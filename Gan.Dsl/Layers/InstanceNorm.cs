using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Instance normalisation: each sample's channel over H×W; an affine γ, β per channel when Affine.</summary>
internal sealed record InstanceNormOp(int Features, double Eps, bool Affine) : OpIr("instancenorm");

internal sealed class InstanceNorm() : LayerKind<InstanceNormOp>("instancenorm",
    "instance normalisation of each channel over H×W; N×C×H×W unchanged; parameters 2C if affine",
    [new("eps", ArgType.Float, Num(1e-5)), new("affine", ArgType.Bool, Bool(false))])
{
    public static readonly InstanceNorm Instance = new();

    public override InstanceNormOp? Configure(LayerArgs a, Operand input) =>
        new(input.Shape.FirstOrDefault(), a.Num("eps"), a.Bool("affine"));

    /// <summary>N×C×H×W with H·W ≥ 2, unchanged.</summary>
    public override ShapeResult Shape(InstanceNormOp c, Operand x)
    {
        if (x.Shape.Length != 3) return new RankError($"N×C×H×W, got {Layers.Shape.Show(x.Shape)}");
        if (x.Shape[1] * (long)x.Shape[2] < 2)
            return new SpatialError($"it normalises each channel over H×W, and {x.Shape[1]}×{x.Shape[2]} has one element "
                                    + "(PyTorch refuses it); use batchnorm or layernorm, or normalise before the size reaches 1×1");
        return ShapeResult.Of(x.Shape);
    }

    public override long Parameters(InstanceNormOp c, Operand x) => c.Affine ? 2L * x.Shape[0] : 0;
    public override OpIr Lower(InstanceNormOp c, Operand x) => c;
}
