using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>reshape to N × the op's shape (row-major, as PyTorch's view).</summary>
internal sealed class ReshapeBuilder : LayerBuilder<ReshapeOp>
{
    protected override nn.Module Build(string name, ReshapeOp op)
    {
        var shape = op.Shape.Select(d => (long)d).ToArray();
        return new FunctionLayer(name, x => x.reshape([x.shape[0], .. shape]));
    }
}
