using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>avgpool and maxpool with a square window, stride and zero padding.</summary>
internal sealed class PoolBuilder : LayerBuilder<PoolOp>
{
    protected override nn.Module Build(string name, PoolOp op) => op.Kind == "avg"
        ? new FunctionLayer(name, x => F.avg_pool2d(x, [op.Kernel, op.Kernel], [op.Stride, op.Stride], [op.Padding, op.Padding]))
        : new FunctionLayer(name, x => F.max_pool2d(x, [op.Kernel, op.Kernel], [op.Stride, op.Stride], [op.Padding, op.Padding]));
}
