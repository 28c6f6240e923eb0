using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// RMSprop's update (not centered) over float32 CPU buffers in one pass (<see cref="CpuFlatKernel"/>): each element's value,
/// gradient, square average and momentum buffer come from memory once and go back once, where the tensor-op update runs
/// each chunk through six ATen kernels (eight with momentum). It computes, element for element, what libtorch's kernels
/// compute for the op sequence TorchSharp's RMSprop runs, so the parameters and the state stay bit-equal to TorchSharp's
/// optimiser (CpuRmsPropKernelTests, FlatOptimizerTests):
/// <code>
/// g = grad + wd·value                 add(alpha): fmadd(value, wd, grad), as ATen's vectorised add
/// s = fma((1−α)·g, g, s·α)            mul_, then addcmul_ (its multiply-add is contracted in libtorch's build)
/// d = √s + ε                          sqrt (MKL's vsSqrt, as libtorch's), add_
/// without momentum: value = (−lr·g)/d + value          addcdiv_: a multiply, a divide, an add
/// with momentum μ:  b = b·μ + g/d; value = fma(b, −lr, value)   mul_, addcdiv_ (by one), add_(alpha)
/// </code>
/// Every constant is the float32 libtorch converts its double to. The segments' state buffers are A = the square average
/// and B = the momentum buffer.
/// </summary>
internal static unsafe class CpuRmsPropKernel
{
    public readonly record struct Constants(float Alpha, float OneMinusAlpha, float Eps, float NegativeLr, float WeightDecay,
                                            float Momentum);

    static readonly CpuFlatKernel.Switch Switch = new("GAN_FUSED_RMSPROP");

    /// <summary>Whether a flat RMSprop made from now on (on this thread) takes this update where it applies: yes, unless
    /// GAN_FUSED_RMSPROP=0 or a test turned it off on its thread.</summary>
    public static bool Enabled
    {
        get => Switch.Enabled;
        set => Switch.Enabled = value;
    }

    /// <summary>One RMSprop step over the segments, which lie in order in [0, <paramref name="total"/>), on up to
    /// <paramref name="threads"/> threads.</summary>
    public static void Step(CpuFlatKernel.Segment[] segments, long total, Constants c, int threads) =>
        CpuFlatKernel.Step(segments, total, &c, new CpuFlatKernel.Passes { First = &Squares, Second = &Update }, threads);

    /// <summary>g = grad + wd·value; s = fma((1−α)·g, g, s·α).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Squares(float* p, float* g, float* s, float* b, float* roots, int n, void* constants)
    {
        var c = *(Constants*)constants;
        var (alpha, rest, wd) = (Vector256.Create(c.Alpha), Vector256.Create(c.OneMinusAlpha), Vector256.Create(c.WeightDecay));
        bool decay = c.WeightDecay != 0;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var gi = Vector256.Load(g + i);
            if (decay) gi = Vector256.FusedMultiplyAdd(Vector256.Load(p + i), wd, gi);
            Vector256.FusedMultiplyAdd(rest * gi, gi, Vector256.Load(s + i) * alpha).Store(s + i);
        }
        for (; i < n; i++)
        {
            float gi = decay ? MathF.FusedMultiplyAdd(p[i], c.WeightDecay, g[i]) : g[i];
            s[i] = MathF.FusedMultiplyAdd(c.OneMinusAlpha * gi, gi, s[i] * c.Alpha);
        }
    }

    /// <summary>The second pass: with or without momentum.</summary>
    static void Update(float* p, float* g, float* s, float* b, float* roots, int n, void* constants)
    {
        var c = *(Constants*)constants;
        if (c.Momentum != 0) UpdateWithMomentum(p, g, b, roots, n, c);
        else Plain(p, g, roots, n, c);
    }

    /// <summary>d = √s + ε; value = (−lr·g)/d + value (g with weight decay, from the value before this update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Plain(float* p, float* g, float* roots, int n, Constants c)
    {
        var (eps, lr, wd) = (Vector256.Create(c.Eps), Vector256.Create(c.NegativeLr), Vector256.Create(c.WeightDecay));
        bool decay = c.WeightDecay != 0;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (pi, gi) = (Vector256.Load(p + i), Vector256.Load(g + i));
            if (decay) gi = Vector256.FusedMultiplyAdd(pi, wd, gi);
            (lr * gi / (Vector256.Load(roots + i) + eps) + pi).Store(p + i);
        }
        for (; i < n; i++)
        {
            float gi = decay ? MathF.FusedMultiplyAdd(p[i], c.WeightDecay, g[i]) : g[i];
            p[i] = c.NegativeLr * gi / (roots[i] + c.Eps) + p[i];
        }
    }

    /// <summary>d = √s + ε; b = b·μ + g/d; value = fma(b, −lr, value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void UpdateWithMomentum(float* p, float* g, float* b, float* roots, int n, Constants c)
    {
        var (eps, lr, wd, mu) = (Vector256.Create(c.Eps), Vector256.Create(c.NegativeLr), Vector256.Create(c.WeightDecay),
                                 Vector256.Create(c.Momentum));
        bool decay = c.WeightDecay != 0;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (pi, gi) = (Vector256.Load(p + i), Vector256.Load(g + i));
            if (decay) gi = Vector256.FusedMultiplyAdd(pi, wd, gi);
            var bi = Vector256.Load(b + i) * mu + gi / (Vector256.Load(roots + i) + eps);
            bi.Store(b + i);
            Vector256.FusedMultiplyAdd(bi, lr, pi).Store(p + i);
        }
        for (; i < n; i++)
        {
            float gi = decay ? MathF.FusedMultiplyAdd(p[i], c.WeightDecay, g[i]) : g[i];
            float bi = b[i] * c.Momentum + gi / (roots[i] + c.Eps);
            b[i] = bi;
            p[i] = MathF.FusedMultiplyAdd(bi, c.NegativeLr, p[i]);
        }
    }
}
