using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>instancenorm: TorchSharp's InstanceNorm2d (no running statistics; weight, bias when affine).</summary>
internal sealed class InstanceNormBuilder : LayerBuilder<InstanceNormOp>
{
    protected override nn.Module Build(string name, InstanceNormOp op) => nn.InstanceNorm2d(op.Features, op.Eps, affine: op.Affine);
}
