using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>mul: x ⊙ v, or x ⊙ v[:, :, None, None] for a per-channel vector v.</summary>
internal sealed class MulLayer(string name, MulOp op) : nn.Module<Tensor[], Tensor>(name)
{
    public override Tensor forward(Tensor[] inputs)
    {
        var (x, v) = (inputs[0], inputs[1]);
        return op.Broadcast ? x * v[.., .., TensorIndex.None, TensorIndex.None] : x * v;
    }

    sealed class Builder : LayerBuilder<MulOp>
    {
        protected override nn.Module Build(string name, MulOp op) => new MulLayer(name, op);
    }
}
