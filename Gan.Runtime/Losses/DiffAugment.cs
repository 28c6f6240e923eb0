using Gan.Dsl.Ir;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Losses;

/// <summary>
/// <c>augment(x, ...)</c>: DiffAugment (Zhao et al. 2020, mit-han-lab/data-efficient-gans <c>DiffAugment_pytorch.py</c>; StudioGAN
/// <c>utils/diffaug.py</c> is the same) and the flip and reflect-padded shift of consistency regularisation (StudioGAN
/// <c>utils/cr.py</c>), on N×C×H×W. Each policy draws its per-sample randomness from the run's generator, then applies a
/// deterministic, differentiable function of x and the draws; the functions are public so that tests can fix the draws.
/// </summary>
internal static class DiffAugment
{
    /// <summary>The policies in order, each with fresh draws from <paramref name="gen"/>.</summary>
    public static Tensor Apply(Tensor x, IEnumerable<AugmentPolicyIr> policies, Generator? gen)
    {
        foreach (var p in policies) x = Apply(x, p, gen);
        return x.contiguous();
    }

    static Tensor Apply(Tensor x, AugmentPolicyIr p, Generator? gen)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        // Each draw is named for a recorded iteration (Training.DrawRecorder); the emitted train.py names its draws alike.
        Tensor U(string what) => Drawn(what, rand([n, 1, 1, 1], dtype: x.dtype, device: x.device, generator: gen));   // N×1×1×1, [0, 1)
        Tensor Ints(string what, long low, long high) =>
            Drawn(what, randint(low, high, [n, 1, 1], dtype: ScalarType.Int64, device: x.device, generator: gen));
        switch (p.Kind)
        {
            case AugmentKind.Color:
                x = Brightness(x, U("brightness"));
                x = Saturation(x, U("saturation"));
                return Contrast(x, U("contrast"));
            case AugmentKind.Translation:
            {
                long sx = RoundedSize(h, p.Ratio), sy = RoundedSize(w, p.Ratio);
                var tx = Ints("translation x", -sx, sx + 1);
                return Translation(x, tx, Ints("translation y", -sy, sy + 1));
            }
            case AugmentKind.Cutout:
            {
                long cx = RoundedSize(h, p.Ratio), cy = RoundedSize(w, p.Ratio);
                var ox = Ints("cutout x", 0, h + (1 - cx % 2));
                return Cutout(x, p.Ratio, ox, Ints("cutout y", 0, w + (1 - cy % 2)));
            }
            case AugmentKind.Flip:
                return Flip(x, Drawn("flip", rand([n], dtype: x.dtype, device: x.device, generator: gen)));
            default:
            {
                long sx = FlooredSize(h, p.Ratio), sy = FlooredSize(w, p.Ratio);
                var tx = Ints("translation_reflect x", -sx, sx + 1);
                return TranslationReflect(x, p.Ratio, tx, Ints("translation_reflect y", -sy, sy + 1));
            }
        }
    }

    static Tensor Drawn(string what, Tensor t) => Training.DrawRecorder.Note("augment " + what, t);

    /// <summary>DiffAugment's sizes: <c>int(side · ratio + 0.5)</c> (translation's largest shift, cutout's side).</summary>
    public static long RoundedSize(long side, double ratio) => (long)(side * ratio + 0.5);

    /// <summary>cr.py's largest reflect-padded shift: <c>int(side · ratio)</c>.</summary>
    public static long FlooredSize(long side, double ratio) => (long)(side * ratio);

    /// <summary>x + (u − ½), u N×1×1×1.</summary>
    public static Tensor Brightness(Tensor x, Tensor u) => x + (u - 0.5);

    /// <summary>(x − mean_c x)·2u + mean_c x: the mean over channels, per pixel.</summary>
    public static Tensor Saturation(Tensor x, Tensor u)
    {
        var mean = x.mean([1], keepdim: true);                                   // N×1×H×W
        return (x - mean) * (u * 2) + mean;
    }

    /// <summary>(x − mean x)·(u + ½) + mean x: the mean over channels and pixels, per sample.</summary>
    public static Tensor Contrast(Tensor x, Tensor u)
    {
        var mean = x.mean([1, 2, 3], keepdim: true);                             // N×1×1×1
        return (x - mean) * (u + 0.5) + mean;
    }

    /// <summary>
    /// y[n, c, i, j] = x₀[n, c, clamp(i + tx + 1, 0, H + 1), clamp(j + ty + 1, 0, W + 1)], x₀ = x zero-padded by 1: a shift by
    /// (tx, ty) (N×1×1 each, along H and W), zero fill.
    /// </summary>
    public static Tensor Translation(Tensor x, Tensor tx, Tensor ty)
    {
        long h = x.shape[2], w = x.shape[3];
        var rows = (arange(h, dtype: ScalarType.Int64, device: x.device).view(1, h, 1) + tx + 1).clamp(0, h + 1);   // N×H×1
        var cols = (arange(w, dtype: ScalarType.Int64, device: x.device).view(1, 1, w) + ty + 1).clamp(0, w + 1);   // N×1×W
        return Gather(F.pad(x, [1, 1, 1, 1]), rows, cols);
    }

    /// <summary>
    /// Zeroes a square of side (int(H·ratio + ½), int(W·ratio + ½)) whose rows are clamp(ox − side/2 + k, 0, H − 1) (columns
    /// alike from oy); ox, oy N×1×1.
    /// </summary>
    public static Tensor Cutout(Tensor x, double ratio, Tensor ox, Tensor oy)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        long cx = RoundedSize(h, ratio), cy = RoundedSize(w, ratio);
        if (cx == 0 || cy == 0) return x;
        var rows = (arange(cx, dtype: ScalarType.Int64, device: x.device).view(1, cx, 1) + ox - cx / 2).clamp(0, h - 1);   // N×cx×1
        var cols = (arange(cy, dtype: ScalarType.Int64, device: x.device).view(1, 1, cy) + oy - cy / 2).clamp(0, w - 1);   // N×1×cy
        var batch = arange(n, dtype: ScalarType.Int64, device: x.device).view(n, 1, 1);
        var mask = ones([n, h, w], dtype: x.dtype, device: x.device);
        mask.index_put_(0, new Tensor[] { batch, rows, cols });
        return x * mask.unsqueeze(1);
    }

    /// <summary>Mirrors sample n left–right where u[n] &lt; ½ (u: N).</summary>
    public static Tensor Flip(Tensor x, Tensor u) => where((u < 0.5).view(-1, 1, 1, 1), x.flip(3), x);

    /// <summary>
    /// y[n, c, i, j] = x_r[n, c, i + tx + sx, j + ty + sy], x_r = x reflect-padded by (sx, sy) = (int(H·ratio), int(W·ratio)):
    /// a shift by (tx, ty) ∈ [−sx, sx] × [−sy, sy] with the image mirrored in at the border.
    /// </summary>
    public static Tensor TranslationReflect(Tensor x, double ratio, Tensor tx, Tensor ty)
    {
        long h = x.shape[2], w = x.shape[3], sx = FlooredSize(h, ratio), sy = FlooredSize(w, ratio);
        var padded = sx == 0 && sy == 0 ? x : F.pad(x, [sy, sy, sx, sx], PaddingModes.Reflect);
        var rows = arange(h, dtype: ScalarType.Int64, device: x.device).view(1, h, 1) + tx + sx;    // N×H×1
        var cols = arange(w, dtype: ScalarType.Int64, device: x.device).view(1, 1, w) + ty + sy;    // N×1×W
        return Gather(padded, rows, cols);
    }

    /// <summary>y[n, c, i, j] = x[n, c, rows[n, i], cols[n, j]] (advanced indexing, differentiable).</summary>
    static Tensor Gather(Tensor x, Tensor rows, Tensor cols)
    {
        long n = x.shape[0];
        var batch = arange(n, dtype: ScalarType.Int64, device: x.device).view(n, 1, 1);
        return x.permute(0, 2, 3, 1).index(new Tensor[] { batch, rows, cols })
                .permute(0, 3, 1, 2);                                            // N×C×H×W
    }
}
