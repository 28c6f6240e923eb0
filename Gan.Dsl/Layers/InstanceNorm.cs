using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>Instance normalisation: each sample's channel over H×W; an affine γ, β per channel when Affine.</summary>
internal sealed record InstanceNormOp(int Features, double Eps, bool Affine) : OpIr("instancenorm");

internal sealed class InstanceNorm() : LayerKind<Params.Norm>("instancenorm",
    "instance normalisation of each channel over H×W; N×C×H×W unchanged; parameters 2C if affine",
    Params.Normalisation(affine: false))
{
    public static readonly InstanceNorm Instance = new();

    public override Params.Norm? Configure(LayerArgs a) => Params.NormOf(a);

    /// <summary>N×C×H×W with H·W ≥ 2, unchanged.</summary>
    public override ShapeResult Shape(Params.Norm c, Operand x)
    {
        if (Layers.Shape.NotImage(x.Shape) is { } notImage) return notImage;
        if (x.Shape[1] * (long)x.Shape[2] < 2)
            return new SpatialError($"it normalises each channel over H×W, and {x.Shape[1]}×{x.Shape[2]} has one element "
                                    + "(PyTorch refuses it); use batchnorm or layernorm, or normalise before the size reaches 1×1");
        return ShapeResult.Of(x.Shape);
    }

    public override long Parameters(Params.Norm c, Operand x) => c.Affine ? 2L * x.Shape[0] : 0;
    public override OpIr Lower(Params.Norm c, Operand x) => new InstanceNormOp(x.Shape[0], c.Eps, c.Affine);
}
