using Gan.Dsl.Layers;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// dropout in training (each value kept with probability 1 − p and scaled by 1/(1 − p): libtorch's dropout), the identity in
/// eval. While an iteration is recorded (<see cref="DrawRecorder"/>) the mask is drawn explicitly, x·mask/(1 − p), and
/// recorded, so that another implementation can apply the same one.
/// </summary>
internal sealed class DropoutLayer(string name, double p) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x)
    {
        if (!training || p == 0) return x;
        if (DrawRecorder.Active is null) return nn.functional.dropout(x, p, training: true);
        var keep = DrawRecorder.Note("dropout", bernoulli(full_like(x, 1 - p)));
        return x * keep / (1 - p);
    }

    sealed class Builder : LayerBuilder<DropoutOp>
    {
        protected override nn.Module Build(string name, DropoutOp op) => new DropoutLayer(name, op.P);
    }
}
