using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>2-D convolution; padding is explicit per side (TF 'same' may be asymmetric: bottom/right get the extra).</summary>
internal sealed record Conv2dOp(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
                                int PadTop, int PadBottom, int PadLeft, int PadRight, int Dilation, bool Bias,
                                InitIr Init, bool SpectralNorm, int PowerIterations, EqualizedIr? Equalized = null) : OpIr("conv2d");

internal sealed class Conv2d() : ConvolutionKind<Conv2d.Config>("conv2d",
    "2-D convolution: N×C×H×W → N×out×H'×W' (padding valid, same or p); parameters in·out·k² + out",
    Convolution.Parameters(Sym("valid"), [new Param("dilation", ArgType.Int, Int(1)), .. Equalization.Parameters]))
{
    public static readonly Conv2d Instance = new();
    internal sealed record Config(Convolution.Common Conv, int Dilation, EqualizedIr? Equalized) : Convolution.IConfig;

    public override Config? Configure(LayerArgs a)
    {
        if (Convolution.Configure(a) is not { } conv || !a.Positive("dilation")) return null;
        var equalized = Equalization.Of(a, out bool ok);
        return ok ? new Config(conv, a.Int("dilation"), equalized) : null;
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

    /// <summary>H' = ⌊(H + pads − d(k−1) − 1)/s⌋ + 1.</summary>
    protected override (long Out, long Before, long After) Axis(Config c, int size) =>
        Axis(size, c.Conv.Kernel, c.Conv.Stride, c.Dilation, c.Conv.Padding);

    protected override string NoOutput(Config c, Operand x) =>
        $"kernel {c.Conv.Kernel} with stride {c.Conv.Stride} and {c.Conv.Padding.Mode} padding leaves no output "
        + $"on {x.Shape[1]}×{x.Shape[2]}: the spatial size reaches zero";

    protected override OpIr Lower(Config c, Operand x, (int Before, int After) h, (int Before, int After) w)
    {
        var (k, s, wt) = (c.Conv.Kernel, c.Conv.Stride, c.Conv.Weights);
        return new Conv2dOp(x.Shape[0], c.Conv.Out, k, k, s, s, h.Before, h.After, w.Before, w.After, c.Dilation,
                            wt.Bias, wt.Init, wt.SpectralNorm, wt.PowerIterations, c.Equalized);
    }
}
