using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// The shared base of layers with a weight and an optional bias: the weight (made by the TorchSharp layer of the same
/// kind, so its default initialisation and random draws are PyTorch's) initialised by the spec's formula, registered
/// as <c>weight</c> and <c>bias</c>, and optionally spectrally normalised (<c>sn.u</c>, <c>sn.v</c>) or equalized (stored
/// w ~ N(0, 1/lr_mul²) used as w·lr_mul/√fan_in, stored b used as b·lr_mul).
/// </summary>
internal abstract class WeightedLayer : nn.Module<Tensor, Tensor>
{
    // Protected fields named as the registered parameters: Module.to(device or dtype) replaces registered tensors and
    // re-points the fields of the same name it can see by reflection (a base class's private fields it cannot).
#pragma warning disable IDE1006
    protected readonly Parameter weight;
    protected readonly Parameter? bias;
#pragma warning restore IDE1006
    readonly SpectralNormalizer? sn;
    readonly double weightGain = 1, biasGain = 1;

    /// <param name="fanIn">the fan-in of the NormalFanIn initialiser.</param>
    /// <param name="snDim">the weight's output dimension for spectral norm: 0, or 1 for a transposed convolution.</param>
    /// <param name="equalized">the equalized learning rate, or null; its fan-in is <paramref name="fanIn"/>.</param>
    protected WeightedLayer(string name, Parameter weight, Parameter? bias, InitIr init, long fanIn, bool spectralNorm, int iterations,
                            int snDim = 0, EqualizedIr? equalized = null)
        : base(name)
    {
        this.weight = weight;
        this.bias = bias;
        if (equalized is null) Initialise.Apply(weight, bias, init, fanIn);
        else
        {
            Initialise.Equalized(weight, bias, equalized);
            (weightGain, biasGain) = (equalized.LrMul / Math.Sqrt(fanIn), equalized.LrMul);
        }
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
        if (spectralNorm) { sn = new SpectralNormalizer("sn", weight, iterations, snDim); register_module("sn", sn); }
    }

    /// <summary>The weight as the forward uses it: W, W/σ under spectral norm, or W·lr_mul/√fan_in when equalized.</summary>
    protected Tensor Weight => sn is not null ? sn.Normalise(weight) : weightGain != 1 ? weight * weightGain : weight;

    /// <summary>The bias as the forward uses it: b, or b·lr_mul when equalized.</summary>
    protected Tensor? Bias => bias is null || biasGain == 1 ? bias : bias * biasGain;
}
