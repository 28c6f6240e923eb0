using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>linear: y = x Wᵀ + b, optionally spectrally normalised or equalized.</summary>
internal sealed class LinearLayer(string name, LinearOp op, TorchSharp.Modules.Linear made)
    : WeightedLayer(name, made.weight!, op.Bias ? made.bias : null, op.Init, op.In, op.SpectralNorm, op.PowerIterations,
                    equalized: op.Equalized)
{
    public override Tensor forward(Tensor x) => CpuLinear.Forward(x, Weight, Bias);   // N×out

    sealed class Builder : LayerBuilder<LinearOp>
    {
        protected override nn.Module Build(string name, LinearOp op) => new LinearLayer(name, op, nn.Linear(op.In, op.Out, op.Bias));
    }
}
