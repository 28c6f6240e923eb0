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
                                         InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "conv_transpose2d"; }

internal sealed class ConvTranspose2d : LayerKind<ConvTranspose2d.Config>
{
    public static readonly ConvTranspose2d Instance = new();
    internal sealed record Config(int Out, int? In, int Kernel, int Stride, Padding Padding, int OutputPadding, bool Bias, InitIr Init,
                                bool SpectralNorm, int PowerIterations);

    public override string Name => "conv_transpose2d";
    public override string Summary =>
        "transposed 2-D convolution: N×C×H×W → N×out×H'×W' (padding valid, same or p); parameters in·out·k² + out";
    public override Signature Signature { get; } = new("conv_transpose2d", [new("out", ArgType.Int, Positional: true), Params.In,
        new("kernel", ArgType.Int, Required: true), new("stride", ArgType.Int, Int(1)), new("padding", ArgType.Any, Int(0)),
        new("output_padding", ArgType.Int, Int(0)), Params.Bias, Params.Init, Params.SpectralNorm, Params.PowerIterations]);

    public override IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => Params.InOutPositional(args);

    public override Config? Configure(LayerArgs a, Operand input)
    {
        if (!a.Positive("out", "in", "kernel", "stride", "power_iterations")) return null;
        if (Convolution.BindPadding(a, "padding") is not { } pad) return null;
        return new Config(a.Int("out"), a.Has("in") ? a.Int("in") : null, a.Int("kernel"), a.Int("stride"), pad, a.Int("output_padding"),
                          a.Bool("bias"), a.Init, a.Bool("spectral_norm"), a.Int("power_iterations"));
    }

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
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (Convolution.ImageInput(x.Shape, c.In) is { } bad) return bad;
        var (h, _, _) = Axis(x.Shape[1], c.Kernel, c.Stride, c.Padding, c.OutputPadding);
        var (w, _, _) = Axis(x.Shape[2], c.Kernel, c.Stride, c.Padding, c.OutputPadding);
        if (h <= 0 || w <= 0)
            return new SpatialError($"padding {c.Padding.Amount} crops away the whole {x.Shape[1]}×{x.Shape[2]} output: "
                                    + "the spatial size reaches zero");
        return Layers.Shape.Sized(c.Out, h, w);
    }

    public override long Parameters(Config c, Operand x) => (long)x.Shape[0] * c.Out * c.Kernel * c.Kernel + (c.Bias ? c.Out : 0);

    public override OpIr Lower(Config c, Operand x)
    {
        var (_, ct, cb) = Axis(x.Shape[1], c.Kernel, c.Stride, c.Padding, c.OutputPadding);
        var (_, cl, cr) = Axis(x.Shape[2], c.Kernel, c.Stride, c.Padding, c.OutputPadding);
        return new ConvTranspose2dOp(x.Shape[0], c.Out, c.Kernel, c.Kernel, c.Stride, c.Stride, (int)ct, (int)cb, (int)cl, (int)cr,
                                     c.Bias, c.Init, c.SpectralNorm, c.PowerIterations);
    }
}
