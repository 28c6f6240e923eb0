using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>layernorm over all non-batch dimensions: TorchSharp's LayerNorm (weight, bias when affine).</summary>
internal sealed class LayerNormBuilder : LayerBuilder<LayerNormOp>
{
    protected override nn.Module Build(string name, LayerNormOp op) =>
        nn.LayerNorm(op.Shape.Select(d => (long)d).ToArray(), op.Eps, op.Affine);
}
