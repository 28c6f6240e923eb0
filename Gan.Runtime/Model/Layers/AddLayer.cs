using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>add, and the sum of a residual's branches: x₀ + x₁ + ….</summary>
internal sealed class AddLayer(string name) : nn.Module<Tensor[], Tensor>(name)
{
    public override Tensor forward(Tensor[] inputs)
    {
        var sum = inputs[0] + inputs[1];
        for (int i = 2; i < inputs.Length; i++) sum = sum + inputs[i];
        return sum;
    }

    sealed class Builder : LayerBuilder<AddOp>
    {
        protected override nn.Module Build(string name, AddOp op) => new AddLayer(name);
    }
}
