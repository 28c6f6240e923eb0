using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>A learned C×H×W tensor (init N(0, 1)) repeated over the batch; the input gives the batch size only.</summary>
internal sealed record ConstOp(int Channels, int Height, int Width) : OpIr("const");

/// <summary>const(C, H, W): StyleGAN2's learned constant input (rosinality ConstantInput). Parameters C·H·W.</summary>
internal sealed class Const() : OpLayerKind<ConstOp>("const",
    "a learned C×H×W tensor (init N(0, 1)) for every sample; the input's values are not used, only its batch size; parameters C·H·W",
    [new("channels", ArgType.Int, Positional: true), new("height", ArgType.Int, Positional: true),
     new("width", ArgType.Int, Positional: true)])
{
    public static readonly Const Instance = new();

    /// <summary>Any input, a label too: only its batch size is read.</summary>
    public override bool TakesLabel => true;

    public override ConstOp? Configure(LayerArgs a) =>
        a.Positive("channels", "height", "width") ? new ConstOp(a.Int("channels"), a.Int("height"), a.Int("width")) : null;

    public override ShapeResult Shape(ConstOp c, Operand x) => Layers.Shape.Sized(c.Channels, c.Height, c.Width);

    public override long Parameters(ConstOp c, Operand x) => (long)c.Channels * c.Height * c.Width;
}
