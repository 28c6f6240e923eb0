using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>flatten: N×… → N×(product).</summary>
internal sealed class FlattenBuilder : LayerBuilder<FlattenOp>
{
    protected override nn.Module Build(string name, FlattenOp op) => new FunctionLayer(name, x => x.flatten(1));
}
