using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>Pixelwise feature normalisation (ProGAN, StyleGAN): x / √(mean over dimension 1 of x² + Eps).</summary>
internal sealed record PixelNormOp(double Eps) : OpIr("pixelnorm");

/// <summary>Any float tensor N×C×…: each sample's vector over C is normalised, the shape kept. No parameters.</summary>
internal sealed class PixelNorm()
    : SimpleLayerKind(new PixelNormOp(1e-8), "x / √(mean over channels (dimension 1) of x² + 1e-8); shape unchanged")
{
    public static readonly PixelNorm Instance = new();
    public override ShapeResult Shape(OpIr c, Operand x) => ShapeResult.Of(x.Shape);
}
