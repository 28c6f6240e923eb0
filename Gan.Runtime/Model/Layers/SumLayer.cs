using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>sum: over H×W (N×C×H×W → N×C) or over the features (N×F → N×1).</summary>
internal sealed class SumLayer(string name, SumOp op) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x) => op.Spatial ? x.sum([2, 3]) : x.sum(1, keepdim: true);

    sealed class Builder : LayerBuilder<SumOp>
    {
        protected override nn.Module Build(string name, SumOp op) => new SumLayer(name, op);
    }
}
