using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// Transposed convolution computed with padding 0, then cropped by CropTop/Bottom/Left/Right (which may be
/// negative: extra zero rows, as TF 'same' needs when out = in·stride exceeds the full output).
/// </summary>
internal sealed record ConvTranspose2dOp(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
                                         int CropTop, int CropBottom, int CropLeft, int CropRight, bool Bias,
                                         InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr("conv_transpose2d");

internal sealed class ConvTranspose2d() : ConvolutionKind<ConvTranspose2d.Config>("conv_transpose2d",
    "transposed 2-D convolution: N×C×H×W → N×out×H'×W' (padding valid, same or p); parameters in·out·k² + out",
    Convolution.Parameters(Int(0), new Param("output_padding", ArgType.Int, Int(0))))
{
    public static readonly ConvTranspose2d Instance = new();
    internal sealed record Config(Convolution.Common Conv, int OutputPadding) : Convolution.IConfig;

    public override Config? Configure(LayerArgs a) =>
        Convolution.Configure(a) is { } conv ? new Config(conv, a.Int("output_padding")) : null;

    /// <summary>
    /// Output length and crop (before, after) along one axis, computed as a padding-0 transposed convolution (length
    /// (size−1)·stride + kernel) then cropped, in 64 bits. A negative crop adds zero rows (TF when kernel &lt; stride).
    /// </summary>
    public static (long Out, long CropBefore, long CropAfter) Axis(long size, long kernel, long stride, Padding padding, long outputPadding)
    {
        long full = (size - 1) * stride + kernel;
        switch (padding.Mode)
        {
            case "same":
            {
                long outSize = size * stride;
                long total = full - outSize;                     // = kernel − stride
                long before = total > 0 ? total / 2 : 0;
                return (outSize, before, total - before);
            }
            case "valid":
            {
                long outSize = size * stride + Math.Max(kernel - stride, 0);
                return (outSize, 0, full - outSize);
            }
            default:
            {
                long p = padding.Amount;
                return (full - 2 * p + outputPadding, p, p - outputPadding);
            }
        }
    }

    /// <summary>
    /// valid (TF): H' = H·s + max(k − s, 0); same (TF): H' = H·s; p (PyTorch): H' = (H−1)s − 2p + k + output_padding.
    /// </summary>
    protected override (long Out, long Before, long After) Axis(Config c, int size) =>
        Axis(size, c.Conv.Kernel, c.Conv.Stride, c.Conv.Padding, c.OutputPadding);

    protected override string NoOutput(Config c, Operand x) =>
        $"padding {c.Conv.Padding.Amount} crops away the whole {x.Shape[1]}×{x.Shape[2]} output: the spatial size reaches zero";

    protected override OpIr Lower(Config c, Operand x, (int Before, int After) h, (int Before, int After) w)
    {
        var (k, s, wt) = (c.Conv.Kernel, c.Conv.Stride, c.Conv.Weights);
        return new ConvTranspose2dOp(x.Shape[0], c.Conv.Out, k, k, s, s, h.Before, h.After, w.Before, w.After,
                                     wt.Bias, wt.Init, wt.SpectralNorm, wt.PowerIterations);
    }
}
