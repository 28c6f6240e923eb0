using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>scale: y = c·x.</summary>
internal sealed class ScaleLayer(string name, ScaleOp op) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x) => x * op.Factor;

    sealed class Builder : LayerBuilder<ScaleOp>
    {
        protected override nn.Module Build(string name, ScaleOp op) => new ScaleLayer(name, op);
    }
}
