using Gan.Dsl.Ir;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// The shared base of layers with a weight and an optional bias: the weight (made by the TorchSharp layer of the same
/// kind, so its default initialisation and random draws are PyTorch's) initialised by the spec's formula, registered
/// as <c>weight</c> and <c>bias</c>, and optionally spectrally normalised (<c>sn.u</c>, <c>sn.v</c>).
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

    /// <param name="fanIn">the fan-in of the NormalFanIn initialiser.</param>
    /// <param name="snDim">the weight's output dimension for spectral norm: 0, or 1 for a transposed convolution.</param>
    protected WeightedLayer(string name, Parameter weight, Parameter? bias, InitIr init, long fanIn, bool spectralNorm, int iterations,
                            int snDim = 0)
        : base(name)
    {
        this.weight = weight;
        this.bias = bias;
        Initialise.Apply(weight, bias, init, fanIn);
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
        if (spectralNorm) { sn = new SpectralNormalizer("sn", weight, iterations, snDim); register_module("sn", sn); }
    }

    /// <summary>The weight as the forward uses it: W, or W/σ under spectral norm.</summary>
    protected Tensor Weight => sn is null ? weight : sn.Normalise(weight);
}
