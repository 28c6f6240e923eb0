using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Upsampling by an integer factor, nearest or bilinear (align_corners false).</summary>
internal sealed record UpsampleOp(int Scale, string Mode) : OpIr("upsample");

internal sealed class Upsample() : LayerKind<Upsample.Config>("upsample",
    "upsample by an integer factor (nearest or bilinear): N×C×H×W → N×C×sH×sW",
    [new("scale", ArgType.Float, Num(2), Positional: true), new("mode", ArgType.Symbol, Sym("nearest"))])
{
    public static readonly Upsample Instance = new();
    internal sealed record Config(double Scale, string Mode);

    public override Config? Configure(LayerArgs a) =>
        a.Choice("mode", "nearest", "bilinear") is { } mode ? new(a.Num("scale"), mode) : null;

    /// <summary>N×C×H×W → N×C×(sH)×(sW), s a whole factor.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        var input = x.Shape;
        if (Layers.Shape.NotImage(input) is { } notImage) return notImage;
        if (c.Scale < 1 || Math.Abs(c.Scale - Math.Round(c.Scale)) > 1e-9)
            return new SpatialError($"scale {c.Scale} gives {input[1] * c.Scale}×{input[2] * c.Scale}, which is not a whole size; "
                                    + "use an integer scale");
        long s = (long)Math.Min(Math.Round(c.Scale), int.MaxValue);
        return Layers.Shape.Sized(input[0], input[1] * s, input[2] * s);
    }

    public override long Parameters(Config c, Operand x) => 0;
    public override OpIr Lower(Config c, Operand x) => new UpsampleOp((int)Math.Round(c.Scale), c.Mode);
}
