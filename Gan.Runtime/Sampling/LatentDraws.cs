using Gan.Dsl.Ir;
using static TorchSharp.torch;

namespace Gan.Runtime.Sampling;

/// <summary>
/// A latent part's values, drawn and encoded the same way by training steps and by sampling: the draws come from the caller's
/// generator, so each caller's random stream is its own.
/// </summary>
internal static class LatentDraws
{
    /// <summary>
    /// <paramref name="n"/> draws of a latent part on <paramref name="device"/>: N×dim normal or uniform values, or N class
    /// indices (int64) for a one-hot or label part (see <see cref="Encode"/>).
    /// </summary>
    public static Tensor Draw(LatentIr l, long n, Generator gen, Device device) => l.Kind switch
    {
        LatentKind.Normal => Affine(randn([n, l.Dim], generator: gen, device: device), l.B, l.A),           // N×dim
        LatentKind.Uniform => Affine(rand([n, l.Dim], generator: gen, device: device), l.B - l.A, l.A),    // N×dim
        _ => randint(0, l.Classes, [n], generator: gen, device: device),                                    // N
    };

    /// <summary>x·scale + shift, without the no-op kernels when scale is 1 or shift is 0.</summary>
    static Tensor Affine(Tensor x, double scale, double shift)
    {
        if (scale != 1) x = x * scale;
        return shift == 0 ? x : x + shift;
    }

    /// <summary>Class indices (N, int64) as the part's value: one-hot rows (N×classes, of the default float type: float32 but
    /// in a float64 record of an iteration), or the indices for a label.</summary>
    /// <param name="constants">a run's constants: the one-hot rows are taken from its cached identity matrix (one index_select;
    /// the same 0/1 values as one_hot, without one_hot's range check, which reads the indices' min and max back to the host).
    /// Null: one_hot.</param>
    public static Tensor Encode(LatentIr l, Tensor idx, Training.RunConstants? constants = null) =>
        l.Kind != LatentKind.OneHot ? idx
        : constants is not null ? constants.Identity(l.Classes, get_default_dtype(), idx.device).index_select(0, idx)
        : nn.functional.one_hot(idx, l.Classes).to_type(get_default_dtype());

    /// <summary>The class input among <paramref name="latents"/>: the first one-hot or label part of the model there, or null.</summary>
    public static LatentIr? ClassPart(ModelIr model, IReadOnlyDictionary<string, Tensor> latents) =>
        model.Latents.FirstOrDefault(l => l.Kind is LatentKind.OneHot or LatentKind.Label && latents.ContainsKey(l.Name));
}
