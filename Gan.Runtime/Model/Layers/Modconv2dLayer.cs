using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// modconv2d (rosinality's ModulatedConv2d, fused): s = A·w/√F + b_A (N×in); W′ = W·s/√(in·k²) per sample; demodulated
/// W″ = W′/√(Σ_{in,k,k} W′² + 1e-8); a grouped convolution over the batch, padding k/2; plus a per-channel bias. W and A
/// are drawn N(0, 1), b_A starts at 1 and the bias at 0, as StyleGAN2's.
/// </summary>
internal sealed class Modconv2dLayer : nn.Module<Tensor[], Tensor>
{
    readonly Modconv2dOp op;
#pragma warning disable IDE1006     // named as the registered parameters, so that Module.to re-points them
    readonly Parameter weight, modulation_weight, modulation_bias;
    readonly Parameter? bias;
#pragma warning restore IDE1006
    readonly double scale, modulationScale;

    public Modconv2dLayer(string name, Modconv2dOp op) : base(name)
    {
        this.op = op;
        weight = new Parameter(randn(op.OutChannels, op.InChannels, op.Kernel, op.Kernel));
        modulation_weight = new Parameter(randn(op.InChannels, op.StyleDim));
        modulation_bias = new Parameter(ones(op.InChannels));
        register_parameter("weight", weight);
        register_parameter("modulation_weight", modulation_weight);
        register_parameter("modulation_bias", modulation_bias);
        if (op.Bias) { bias = new Parameter(zeros(op.OutChannels)); register_parameter("bias", bias); }
        scale = 1 / Math.Sqrt((double)op.InChannels * op.Kernel * op.Kernel);
        modulationScale = 1 / Math.Sqrt(op.StyleDim);
    }

    public override Tensor forward(Tensor[] inputs)
    {
        var (x, w) = (inputs[0], inputs[1]);
        long n = x.shape[0], h = x.shape[2], wd = x.shape[3];
        var s = F.linear(w, modulation_weight * modulationScale, modulation_bias);                       // N×in
        var wt = weight.unsqueeze(0) * scale * s[.., TensorIndex.None, .., TensorIndex.None, TensorIndex.None];   // N×out×in×k×k
        if (op.Demodulate)
            wt = wt * (wt.pow(2).sum([2, 3, 4]) + 1e-8).rsqrt()[.., .., TensorIndex.None, TensorIndex.None, TensorIndex.None];
        var y = F.conv2d(x.reshape(1, n * op.InChannels, h, wd), wt.reshape(n * op.OutChannels, op.InChannels, op.Kernel, op.Kernel),
                         padding: [op.Kernel / 2, op.Kernel / 2], groups: n);
        y = y.reshape(n, op.OutChannels, h, wd);
        return bias is null ? y : y + bias[TensorIndex.None, .., TensorIndex.None, TensorIndex.None];
    }

    sealed class Builder : LayerBuilder<Modconv2dOp>
    {
        protected override nn.Module Build(string name, Modconv2dOp op) => new Modconv2dLayer(name, op);
    }
}
