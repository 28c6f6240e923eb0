using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// const (rosinality ConstantInput): a learned 1×C×H×W tensor (<c>input</c>, drawn N(0, 1) when built) repeated over the
/// batch of its input, whose values it does not read.
/// </summary>
internal sealed class ConstLayer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006   // named as the registered parameter, so Module.to re-points it
    readonly Parameter input;
#pragma warning restore IDE1006

    ConstLayer(string name, ConstOp op) : base(name)
    {
        input = new Parameter(randn(1, op.Channels, op.Height, op.Width));
        register_parameter("input", input);
    }

    public override Tensor forward(Tensor x) => input.repeat(x.shape[0], 1, 1, 1);   // N×C×H×W

    sealed class Builder : LayerBuilder<ConstOp>
    {
        protected override nn.Module Build(string name, ConstOp op) => new ConstLayer(name, op);
    }
}
