using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model;

/// <summary>
/// Spectral normalisation (Miyato et al.; PyTorch's spectral_norm): W / σ with σ = uᵀ W v, where u and v
/// are persistent buffers (saved in checkpoints) refined by <c>iterations</c> power-iteration steps per
/// training forward, without gradient. σ is differentiated through W only, u and v being constants.
/// </summary>
internal sealed class SpectralNormalizer : nn.Module
{
    readonly Tensor u, v;
    readonly int iterations, dim;

    /// <param name="weight">the layer's weight; u and v start from 15 power iterations on it.</param>
    /// <param name="dim">the output dimension of the weight (rows): 0, or 1 for a transposed convolution (in×out×k×k), as
    /// PyTorch.</param>
    public SpectralNormalizer(string name, Tensor weight, int iterations, int dim = 0) : base(name)
    {
        this.iterations = iterations;
        this.dim = dim;
        long rows = weight.shape[dim];
        u = F.normalize(randn(rows), dim: 0);
        v = zeros(weight.numel() / rows);
        register_buffer("u", u);
        register_buffer("v", v);
        PowerIterations(weight, 15);
    }

    void PowerIterations(Tensor weight, int n)
    {
        using var _ = no_grad();
        var w = Matrix(weight);                                   // rows × cols
        for (int i = 0; i < n; i++)
        {
            v.copy_(F.normalize(w.t().mv(u), dim: 0));
            u.copy_(F.normalize(w.mv(v), dim: 0));
        }
    }

    Tensor Matrix(Tensor weight) =>
        dim == 0 ? weight.reshape(weight.shape[0], -1) : weight.transpose(0, dim).reshape(weight.shape[dim], -1);

    /// <summary>Returns W/σ.</summary>
    public Tensor Normalise(Tensor weight)
    {
        if (training) PowerIterations(weight, iterations);
        // Copies, as PyTorch: a later forward's power iteration updates u and v in place, and this
        // forward's backward still needs the values it used.
        var (uu, vv) = training ? (u.clone(), v.clone()) : (u, v);
        var sigma = uu.dot(Matrix(weight).mv(vv));                // scalar; u, v constants
        return weight / sigma;
    }
}
