using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>conv_transpose2d computed with padding 0, then cropped (negative crop pads with zeros), as the IR states.</summary>
internal sealed class ConvTranspose2dLayer(string name, ConvTranspose2dOp op, TorchSharp.Modules.ConvTranspose2d made)
    : WeightedLayer(name, made.weight!, op.Bias ? made.bias : null, op.Init, (long)op.OutChannels * op.KernelH * op.KernelW,
                    op.SpectralNorm, op.PowerIterations, snDim: 1)   // the weight is in×out×kH×kW
{
    public override Tensor forward(Tensor x)
    {
        if (op.CropTop == op.CropBottom && op.CropLeft == op.CropRight && op.CropTop >= 0 && op.CropLeft >= 0)
            return F.conv_transpose2d(x, Weight, bias, strides: [op.StrideH, op.StrideW], padding: [op.CropTop, op.CropLeft]);
        var full = F.conv_transpose2d(x, Weight, bias, strides: [op.StrideH, op.StrideW]);  // N×C×((H−1)s+k)×…
        return F.pad(full, [-op.CropLeft, -op.CropRight, -op.CropTop, -op.CropBottom]);    // negative pad crops
    }

    sealed class Builder : LayerBuilder<ConvTranspose2dOp>
    {
        protected override nn.Module Build(string name, ConvTranspose2dOp op) =>
            new ConvTranspose2dLayer(name, op, nn.ConvTranspose2d(op.InChannels, op.OutChannels, (op.KernelH, op.KernelW), bias: op.Bias));
    }
}
