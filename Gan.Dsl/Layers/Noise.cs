using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>y = x + s·ε with ε ~ N(0, 1) of shape N×1×H×W drawn at each forward, s a learned scalar (init 0).</summary>
internal sealed record NoiseOp() : OpIr("noise");

/// <summary>noise: StyleGAN2's noise injection (rosinality NoiseInjection). One parameter.</summary>
internal sealed class Noise() : SimpleLayerKind(new NoiseOp(),
    "y = x + s·ε, ε ~ N(0, 1) per sample and pixel (shared over channels), s learned from 0; C×H×W unchanged; parameters 1")
{
    public static readonly Noise Instance = new();

    public override ShapeResult Shape(OpIr c, Operand x) =>
        Layers.Shape.NotImage(x.Shape) is { } notImage ? notImage : ShapeResult.Of(x.Shape);

    public override long Parameters(OpIr c, Operand x) => 1;
}
