using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Average or max pooling (Kind "avg" or "max") with a square window, stride and zero padding.</summary>
internal sealed record PoolOp(string Kind, int Kernel, int Stride, int Padding) : OpIr(Kind + "pool");

/// <summary>avgpool and maxpool: H' = ⌊(H + 2p − k)/s⌋ + 1, the padding at most half the window.</summary>
internal sealed class Pool(string kind) : OpLayerKind<PoolOp>(kind + "pool",
    $"{(kind == "avg" ? "average" : "max")} pooling over k×k windows (stride k): N×C×H×W → N×C×H'×W'",
    [new("kernel", ArgType.Int, Positional: true), new("stride", ArgType.Int), new("padding", ArgType.Int, Int(0))])
{
    public static readonly Pool Avg = new("avg");
    public static readonly Pool Max = new("max");

    public override PoolOp? Configure(LayerArgs a) =>
        a.Positive("kernel", "stride")
            ? new PoolOp(kind, a.Int("kernel"), a.Has("stride") ? a.Int("stride") : a.Int("kernel"), a.Int("padding"))
            : null;

    public override ShapeResult Shape(PoolOp c, Operand x)
    {
        var input = x.Shape;
        int kernel = c.Kernel, padding = c.Padding;
        if (Layers.Shape.NotImage(input) is { } notImage) return notImage;
        if (2L * padding > kernel)
            return new SpatialError($"padding {padding} is more than half the {kernel}×{kernel} window "
                                    + $"(PyTorch allows at most {kernel / 2}); lower the padding or widen the window");
        // A convolution's window rule with dilation 1 and explicit padding.
        var (h, _, _) = Conv2d.Axis(input[1], kernel, c.Stride, 1, Padding.Explicit(padding));
        var (w, _, _) = Conv2d.Axis(input[2], kernel, c.Stride, 1, Padding.Explicit(padding));
        if (h <= 0 || w <= 0)
            return new SpatialError($"a {kernel}×{kernel} window does not fit in {input[1]}×{input[2]}: the spatial size reaches zero");
        return Layers.Shape.Sized(input[0], h, w);
    }

}
