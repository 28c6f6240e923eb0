using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>The element-wise activations.</summary>
internal sealed class ActivationBuilder : LayerBuilder<ActivationOp>
{
    protected override nn.Module Build(string name, ActivationOp op) => new FunctionLayer(name, op.Kind switch
    {
        ActivationKind.Relu => x => F.relu(x),
        ActivationKind.LeakyRelu => x => F.leaky_relu(x, op.Slope),
        ActivationKind.Elu => x => F.elu(x, op.Slope),
        ActivationKind.Gelu => x => F.gelu(x),
        ActivationKind.Tanh => x => x.tanh(),
        ActivationKind.Sigmoid => x => x.sigmoid(),
        _ => x => F.softplus(x),
    });
}
