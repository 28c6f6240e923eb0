using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>conv2d with explicit (possibly asymmetric) padding, applied with F.pad before a padding-0 conv.</summary>
internal sealed class Conv2dLayer(string name, Conv2dOp op, TorchSharp.Modules.Conv2d made)
    : WeightedLayer(name, made.weight!, op.Bias ? made.bias : null, op.Init, (long)op.InChannels * op.KernelH * op.KernelW, op.SpectralNorm,
                    op.PowerIterations, equalized: op.Equalized)
{
    readonly bool symmetric = op.PadTop == op.PadBottom && op.PadLeft == op.PadRight;

    public override Tensor forward(Tensor x)
    {
        if (symmetric)
            return F.conv2d(x, Weight, Bias, strides: [op.StrideH, op.StrideW], padding: [op.PadTop, op.PadLeft],
                            dilation: [op.Dilation, op.Dilation]);
        var padded = F.pad(x, [op.PadLeft, op.PadRight, op.PadTop, op.PadBottom]);     // N×C×(H+pt+pb)×(W+pl+pr)
        return F.conv2d(padded, Weight, Bias, strides: [op.StrideH, op.StrideW], dilation: [op.Dilation, op.Dilation]);
    }

    sealed class Builder : LayerBuilder<Conv2dOp>
    {
        protected override nn.Module Build(string name, Conv2dOp op) =>
            new Conv2dLayer(name, op, nn.Conv2d(op.InChannels, op.OutChannels, (op.KernelH, op.KernelW), bias: op.Bias));
    }
}
