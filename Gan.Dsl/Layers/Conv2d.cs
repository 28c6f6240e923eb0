using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>2-D convolution; padding is explicit per side (TF 'same' may be asymmetric: bottom/right get the extra).</summary>
internal sealed record Conv2dOp(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
                                int PadTop, int PadBottom, int PadLeft, int PadRight, int Dilation, bool Bias,
                                InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "conv2d"; }

internal sealed class Conv2d : LayerKind<Conv2d.Config>
{
    public static readonly Conv2d Instance = new();
    internal sealed record Config(int Out, int? In, int Kernel, int Stride, int Dilation, Padding Padding, bool Bias, InitIr Init,
                                bool SpectralNorm, int PowerIterations);

    public override string Name => "conv2d";
    public override string Summary =>
        "2-D convolution: N×C×H×W → N×out×H'×W' (padding valid, same or p); parameters in·out·k² + out";
    public override Signature Signature { get; } = new("conv2d", [new("out", ArgType.Int, Positional: true), Params.In,
        new("kernel", ArgType.Int, Required: true), new("stride", ArgType.Int, Int(1)), new("padding", ArgType.Any, Sym("valid")),
        new("dilation", ArgType.Int, Int(1)), Params.Bias, Params.Init, Params.SpectralNorm, Params.PowerIterations]);

    public override IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => Params.InOutPositional(args);

    public override Config? Configure(LayerArgs a, Operand input)
    {
        if (!a.Positive("out", "in", "kernel", "stride", "power_iterations")) return null;
        if (Convolution.BindPadding(a, "padding") is not { } pad) return null;
        if (!a.Positive("dilation")) return null;
        return new Config(a.Int("out"), a.Has("in") ? a.Int("in") : null, a.Int("kernel"), a.Int("stride"), a.Int("dilation"), pad,
                          a.Bool("bias"), a.Init, a.Bool("spectral_norm"), a.Int("power_iterations"));
    }

    /// <summary>Output length and padding (before, after) of a convolution along one axis, in 64 bits.</summary>
    public static (long Out, long Before, long After) Axis(long size, long kernel, long stride, long dilation, Padding padding)
    {
        long span = dilation * (kernel - 1) + 1;
        switch (padding.Mode)
        {
            case "same":
            {
                long outSize = (size + stride - 1) / stride;
                long total = Math.Max((outSize - 1) * stride + span - size, 0);
                return (outSize, total / 2, total - total / 2);
            }
            case "valid":
                return (size - span < 0 ? 0 : (size - span) / stride + 1, 0, 0);
            default:
            {
                long p = padding.Amount;
                long padded = size + 2 * p;
                return (padded - span < 0 ? 0 : (padded - span) / stride + 1, p, p);
            }
        }
    }

    /// <summary>N×C×H×W → N×out×H'×W' with H' = ⌊(H + pads − d(k−1) − 1)/s⌋ + 1.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (Convolution.ImageInput(x.Shape, c.In) is { } bad) return bad;
        var (h, _, _) = Axis(x.Shape[1], c.Kernel, c.Stride, c.Dilation, c.Padding);
        var (w, _, _) = Axis(x.Shape[2], c.Kernel, c.Stride, c.Dilation, c.Padding);
        if (h <= 0 || w <= 0)
            return new SpatialError($"kernel {c.Kernel} with stride {c.Stride} and {c.Padding.Mode} padding leaves no output "
                                    + $"on {x.Shape[1]}×{x.Shape[2]}: the spatial size reaches zero");
        return Layers.Shape.Sized(c.Out, h, w);
    }

    public override long Parameters(Config c, Operand x) => (long)x.Shape[0] * c.Out * c.Kernel * c.Kernel + (c.Bias ? c.Out : 0);

    public override OpIr Lower(Config c, Operand x)
    {
        var (_, pt, pb) = Axis(x.Shape[1], c.Kernel, c.Stride, c.Dilation, c.Padding);
        var (_, pl, pr) = Axis(x.Shape[2], c.Kernel, c.Stride, c.Dilation, c.Padding);
        return new Conv2dOp(x.Shape[0], c.Out, c.Kernel, c.Kernel, c.Stride, c.Stride, (int)pt, (int)pb, (int)pl, (int)pr, c.Dilation,
                            c.Bias, c.Init, c.SpectralNorm, c.PowerIterations);
    }
}
