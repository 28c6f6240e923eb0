using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// noise (rosinality NoiseInjection): y = x + s·ε, ε ~ N(0, 1) of shape N×1×H×W drawn at every forward from torch's
/// generator (so a seed reproduces a run), in training and evaluation alike; s (<c>weight</c>) a learned scalar from 0.
/// </summary>
internal sealed class NoiseLayer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006   // named as the registered parameter, so Module.to re-points it
    readonly Parameter weight;
#pragma warning restore IDE1006

    NoiseLayer(string name) : base(name)
    {
        weight = new Parameter(zeros(1));
        register_parameter("weight", weight);
    }

    public override Tensor forward(Tensor x)
    {
        var noise = randn([x.shape[0], 1, x.shape[2], x.shape[3]], dtype: x.dtype, device: x.device);   // N×1×H×W
        Training.DrawRecorder.Note("noise", noise);
        return x + weight * noise;
    }

    sealed class Builder : LayerBuilder<NoiseOp>
    {
        protected override nn.Module Build(string name, NoiseOp op) => new NoiseLayer(name);
    }
}
