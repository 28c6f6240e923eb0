using Gan.Dsl.Layers;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>upsample by an integer factor, nearest or bilinear (align_corners false).</summary>
internal sealed class UpsampleBuilder : LayerBuilder<UpsampleOp>
{
    protected override nn.Module Build(string name, UpsampleOp op) => new FunctionLayer(name, x => Upsample(x, op.Scale, op.Mode));

    /// <summary>
    /// <c>F.interpolate</c> by <paramref name="scale"/>. On the CPU, libtorch's kernels for an NCHW image of several channels
    /// convert it to channels-last and back inside, slowly: 173 ms for 64×256×16×16 to 32×32, where the same kernel on a
    /// channels-last view takes 18 ms and the two conversions with copies of our own 32 ms. So an NCHW CPU image takes that
    /// way: the values and the gradients are the ones libtorch's own path computes, to the bit (UpsampleLayerTests).
    /// </summary>
    public static Tensor Upsample(Tensor x, int scale, string mode)
    {
        var interpolation = mode == "bilinear" ? InterpolationMode.Bilinear : InterpolationMode.Nearest;
        bool? alignCorners = mode == "bilinear" ? false : null;
        Tensor Interpolate(Tensor t) => F.interpolate(t, scale_factor: [scale, scale], mode: interpolation, align_corners: alignCorners);
        if (x.device_type != DeviceType.CPU || x.dim() != 4 || x.shape[1] < 2 || !x.is_contiguous()) return Interpolate(x);
        using var nhwc = x.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        using var channelsLast = packed.permute(0, 3, 1, 2);
        using var y = Interpolate(channelsLast);
        return y.contiguous();
    }
}
