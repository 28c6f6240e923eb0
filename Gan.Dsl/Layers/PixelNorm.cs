using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>Pixelwise feature normalisation (ProGAN, StyleGAN): x / √(mean over dimension 1 of x² + 1e-8).</summary>
internal sealed record PixelNormOp(double Eps) : OpIr
{ public override string OpName => "pixelnorm"; }

internal sealed class PixelNorm()
    : SimpleLayerKind("pixelnorm", "x / √(mean over channels (dimension 1) of x² + 1e-8); shape unchanged; no parameters")
{
    public static readonly PixelNorm Instance = new();
    protected override OpIr Op { get; } = new PixelNormOp(1e-8);

    /// <summary>Any float tensor N×C×…: each sample's vector over C is normalised, the shape kept.</summary>
    public override ShapeResult Shape(OpIr c, Operand x) => ShapeResult.Of(x.Shape);
}
