using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Instance normalisation: each sample's channel over H×W; an affine γ, β per channel when Affine.</summary>
internal sealed record InstanceNormOp(int Features, double Eps, bool Affine) : OpIr
{ public override string OpName => "instancenorm"; }

internal sealed class InstanceNorm : LayerKind<InstanceNorm.Config>
{
    public static readonly InstanceNorm Instance = new();
    internal sealed record Config(double Eps, bool Affine);

    public override string Name => "instancenorm";
    public override string Summary => "instance normalisation of each channel over H×W; N×C×H×W unchanged; parameters 2C if affine";
    public override Signature Signature { get; } = new("instancenorm", [new("eps", ArgType.Float, Num(1e-5)),
        new("affine", ArgType.Bool, Bool(false))]);

    public override Config? Configure(LayerArgs a, Operand input) => new(a.Num("eps"), a.Bool("affine"));

    /// <summary>N×C×H×W with H·W ≥ 2, unchanged.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (x.Shape.Length != 3) return new RankError($"N×C×H×W, got {Layers.Shape.Show(x.Shape)}");
        if (x.Shape[1] * (long)x.Shape[2] < 2)
            return new SpatialError($"it normalises each channel over H×W, and {x.Shape[1]}×{x.Shape[2]} has one element "
                                    + "(PyTorch refuses it); use batchnorm or layernorm, or normalise before the size reaches 1×1");
        return ShapeResult.Of(x.Shape);
    }

    public override long Parameters(Config c, Operand x) => c.Affine ? 2L * x.Shape[0] : 0;
    public override OpIr Lower(Config c, Operand x) => new InstanceNormOp(x.Shape[0], c.Eps, c.Affine);
}
