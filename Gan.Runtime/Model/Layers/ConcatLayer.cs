using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>concat: its inputs joined along the op's axis. A module of several inputs, as add and mul will be.</summary>
internal sealed class ConcatLayer(string name, ConcatOp op) : nn.Module<Tensor[], Tensor>(name)
{
    public override Tensor forward(Tensor[] inputs) => cat(inputs, op.Axis);

    sealed class Builder : LayerBuilder<ConcatOp>
    {
        protected override nn.Module Build(string name, ConcatOp op) => new ConcatLayer(name, op);
    }
}
