using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>pixelnorm: x / √(mean over dimension 1 of x² + eps).</summary>
internal sealed class PixelNormBuilder : LayerBuilder<PixelNormOp>
{
    protected override nn.Module Build(string name, PixelNormOp op) =>
        new FunctionLayer(name, x => x / (x.square().mean([1], keepdim: true) + op.Eps).sqrt());
}
