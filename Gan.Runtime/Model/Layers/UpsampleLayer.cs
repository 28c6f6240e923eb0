using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>upsample by an integer factor, nearest or bilinear (align_corners false).</summary>
internal sealed class UpsampleBuilder : LayerBuilder<UpsampleOp>
{
    protected override nn.Module Build(string name, UpsampleOp op) => new FunctionLayer(name, x => F.interpolate(x,
        scale_factor: [op.Scale, op.Scale],
        mode: op.Mode == "bilinear" ? InterpolationMode.Bilinear : InterpolationMode.Nearest,
        align_corners: op.Mode == "bilinear" ? false : null));
}
