using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// Adam's update over float32 CPU buffers in one pass (<see cref="CpuFlatKernel"/>: blocks of 1,024 elements, split across
/// libtorch's OpenMP team): each element's value, gradient and two moments come from memory once and go back once (28 bytes
/// per parameter), where the tensor-op update runs each chunk through nine ATen kernels. PyTorch's <c>fused=True</c> CPU
/// Adam does the same in C++.
/// This one computes, element for element, what libtorch's kernels compute for the op sequence TorchSharp's Adam runs, so
/// the parameters and the state stay bit-equal to TorchSharp's optimiser (FlatOptimizerTests, CpuFlatKernelTests):
/// <code>
/// g = grad + wd·value               add(alpha): fmadd(value, wd, grad), as ATen's vectorised add
/// m = fma(g, 1−β₁, m·β₁)            mul_, then add_(alpha)
/// v = fma((1−β₂)·g, g, v·β₂)        mul_, then addcmul_ (its multiply-add is contracted in libtorch's build)
/// d = √v / √bias₂ + ε               sqrt_ (MKL's vsSqrt, within an ulp, not IEEE's), div_, add_
/// value = (−lr/bias₁ · m) / d + value   addcdiv_: a multiply, a divide, an add
/// </code>
/// Every constant is the float32 libtorch converts its double to. <see cref="CpuFlatKernel.Applies"/> says where it runs;
/// elsewhere (CUDA, other dtypes) the tensor-op update runs. The segments' state buffers are A = m and B = v.
/// </summary>
internal static unsafe class CpuAdamKernel
{
    public readonly record struct Constants(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
                                            float RootBias2, float Eps, float StepSize, float WeightDecay);

    static readonly CpuFlatKernel.Switch Switch = new("GAN_FUSED_ADAM");

    /// <summary>Whether a flat Adam made from now on (on this thread) takes this update where it applies: yes, unless
    /// GAN_FUSED_ADAM=0 or a test turned it off on its thread.</summary>
    public static bool Enabled
    {
        get => Switch.Enabled;
        set => Switch.Enabled = value;
    }

    /// <summary>One Adam step over the segments, which lie in order in [0, <paramref name="total"/>), on up to
    /// <paramref name="threads"/> threads.</summary>
    public static void Step(CpuFlatKernel.Segment[] segments, long total, Constants c, int threads) =>
        CpuFlatKernel.Step(segments, total, &c, new CpuFlatKernel.Passes { First = &Moments, Second = &Update, RootOfB = true }, threads);

    /// <summary>g = grad + wd·value; m = fma(g, 1−β₁, m·β₁); v = fma((1−β₂)·g, g, v·β₂).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Moments(float* p, float* g, float* m, float* v, float* roots, int n, void* constants)
    {
        var c = *(Constants*)constants;
        var (b1, a1, b2, a2, wd) = (Vector256.Create(c.Beta1), Vector256.Create(c.OneMinusBeta1), Vector256.Create(c.Beta2),
                                    Vector256.Create(c.OneMinusBeta2), Vector256.Create(c.WeightDecay));
        bool decay = c.WeightDecay != 0;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var gi = Vector256.Load(g + i);
            if (decay) gi = Vector256.FusedMultiplyAdd(Vector256.Load(p + i), wd, gi);
            Vector256.FusedMultiplyAdd(gi, a1, Vector256.Load(m + i) * b1).Store(m + i);
            Vector256.FusedMultiplyAdd(a2 * gi, gi, Vector256.Load(v + i) * b2).Store(v + i);
        }
        for (; i < n; i++)
        {
            float gi = decay ? MathF.FusedMultiplyAdd(p[i], c.WeightDecay, g[i]) : g[i];
            m[i] = MathF.FusedMultiplyAdd(gi, c.OneMinusBeta1, m[i] * c.Beta1);
            v[i] = MathF.FusedMultiplyAdd(c.OneMinusBeta2 * gi, gi, v[i] * c.Beta2);
        }
    }

    /// <summary>d = √v / √bias₂ + ε (√v from MKL, as libtorch's sqrt); value = (step·m)/d + value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Update(float* p, float* g, float* m, float* v, float* roots, int n, void* constants)
    {
        var c = *(Constants*)constants;
        var (root, eps, step) = (Vector256.Create(c.RootBias2), Vector256.Create(c.Eps), Vector256.Create(c.StepSize));
        int i = 0;
        for (; i + 8 <= n; i += 8)
            (step * Vector256.Load(m + i) / (Vector256.Load(roots + i) / root + eps) + Vector256.Load(p + i)).Store(p + i);
        for (; i < n; i++) p[i] = c.StepSize * m[i] / (roots[i] / c.RootBias2 + c.Eps) + p[i];
    }
}
