using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// self_attention as mimicry's SelfAttention (after BigGAN-PyTorch): 1×1 convolutions without bias θ, φ (C→C/8), g (C→C/2)
/// and o (C/2→C), each a conv2d layer (so initialised and spectrally normalised as conv2d is), and γ (<c>gamma</c>) from 0:
/// A = softmax_j(θᵀ · maxpool₂(φ)), y = x + γ · o(maxpool₂(g) · Aᵀ as C/2×H×W).
/// </summary>
internal sealed class SelfAttentionLayer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006   // named as the registered parameter, so Module.to re-points it
    readonly Parameter gamma;
#pragma warning restore IDE1006
    readonly nn.Module<Tensor, Tensor> theta, phi, g, o;

    SelfAttentionLayer(string name, SelfAttentionOp op) : base(name)
    {
        int c = op.Channels;
        nn.Module<Tensor, Tensor> Conv(string part, int inChannels, int outChannels) =>
            (nn.Module<Tensor, Tensor>)LayerBuilder.For(part, new Conv2dOp(inChannels, outChannels, 1, 1, 1, 1, 0, 0, 0, 0, 1, Bias: false,
                                                                             op.Init, op.SpectralNorm, op.PowerIterations));
        // In mimicry's order, so that the same seed draws the same weights.
        theta = Conv("theta", c, c / 8);
        phi = Conv("phi", c, c / 8);
        g = Conv("g", c, c / 2);
        o = Conv("o", c / 2, c);
        gamma = new Parameter(zeros(1));
        register_module("theta", theta);
        register_module("phi", phi);
        register_module("g", g);
        register_module("o", o);
        register_parameter("gamma", gamma);
    }

    public override Tensor forward(Tensor x)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        long locations = h * w;
        var th = theta.call(x).view(n, c / 8, locations);                                       // N × C/8 × n
        var ph = F.max_pool2d(phi.call(x), [2, 2], [2, 2]).view(n, c / 8, locations / 4);       // N × C/8 × n/4
        var attention = F.softmax(th.transpose(1, 2).bmm(ph), -1);                            // N × n × n/4
        var value = F.max_pool2d(g.call(x), [2, 2], [2, 2]).view(n, c / 2, locations / 4);      // N × C/2 × n/4
        var attended = value.bmm(attention.transpose(1, 2)).view(n, c / 2, h, w);              // N × C/2 × H × W
        return x + gamma * o.call(attended);
    }

    sealed class Builder : LayerBuilder<SelfAttentionOp>
    {
        protected override nn.Module Build(string name, SelfAttentionOp op) => new SelfAttentionLayer(name, op);
    }
}
