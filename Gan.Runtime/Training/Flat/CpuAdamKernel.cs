using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// Adam's update over float32 CPU buffers in blocks of 1,024 elements, split across libtorch's intra-op thread count: each
/// element's value, gradient and two moments come from memory once and go back once (28 bytes per parameter), where the
/// tensor-op update runs each chunk through nine ATen kernels. PyTorch's <c>fused=True</c> CPU Adam does the same in C++.
/// This one computes, element for element, what libtorch's kernels compute for the op sequence TorchSharp's Adam runs, so
/// the parameters and the state stay bit-equal to TorchSharp's optimiser (FlatOptimizerTests, CpuAdamKernelTests):
/// <code>
/// g = grad + wd·value               add(alpha): fmadd(value, wd, grad), as ATen's vectorised add
/// m = fma(g, 1−β₁, m·β₁)            mul_, then add_(alpha)
/// v = fma((1−β₂)·g, g, v·β₂)        mul_, then addcmul_ (its multiply-add is contracted in libtorch's build)
/// d = √v / √bias₂ + ε               sqrt_ (MKL's vsSqrt, within an ulp, not IEEE's), div_, add_
/// value = (−lr/bias₁ · m) / d + value   addcdiv_: a multiply, a divide, an add
/// </code>
/// Every constant is the float32 libtorch converts its double to. <see cref="Applies"/> says where it runs: contiguous
/// float32 CPU buffers whose data pointers can be read, on a CPU with 256-bit vectors and FMA, with libtorch's MKL square
/// root at hand; elsewhere (CUDA, other dtypes) the tensor-op update runs.
/// </summary>
internal static unsafe class CpuAdamKernel
{
    /// <summary>Elements per thread below which one thread does the whole update (a thread's start-up costs more).</summary>
    const long MinPerThread = 1 << 15;

    public readonly record struct Constants(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
                                            float RootBias2, float Eps, float StepSize, float WeightDecay);

    static readonly bool Default = Environment.GetEnvironmentVariable("GAN_FUSED_ADAM") != "0";

    [ThreadStatic] static bool off;

    /// <summary>Whether a flat Adam made from now on (on this thread) takes this update where it applies: yes, unless
    /// GAN_FUSED_ADAM=0 (benchmarks compare both) or a test turned it off on its thread (to test the tensor-op update).</summary>
    public static bool Enabled
    {
        get => Default && !off;
        set => off = !value;
    }

    /// <summary>Where the one-pass update can run over these buffers.</summary>
    public static bool Applies(params Tensor[] buffers) =>
        Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported && FlatLayout.CanReadPointers
        && Native.Found
        && buffers.All(b => b.device_type == DeviceType.CPU && b.dtype == ScalarType.Float32 && b.is_contiguous());

    /// <summary>One parameter's part of the update: its value, gradient and moments, and where it starts in the flat
    /// buffers' index space (parts of the update are cut in that space, so their boundaries fall on 64-byte lines of the
    /// flat buffers: no line written by two threads).</summary>
    public struct Segment
    {
        public float* P, G, M, V;
        public long Start, Length;
    }

    struct Job
    {
        public Segment* Segments;
        public int Count;
        public long Total;
        public Constants C;
    }

    /// <summary>One Adam step over the segments, which lie in order in [0, <paramref name="total"/>), on up to
    /// <paramref name="threads"/> threads.</summary>
    public static void Step(Segment[] segments, long total, Constants c, int threads)
    {
        int parts = (int)Math.Clamp(total / MinPerThread, 1, Math.Max(1, threads));
        fixed (Segment* s = segments)
        {
            var job = new Job { Segments = s, Count = segments.Length, Total = total, C = c };
            LastTeam = 1;
            if (parts == 1) Range(&job, 0, total);
            else Native.Parallel(&Part, &job, (uint)parts, 0);
        }
    }

    /// <summary>The threads the last update ran on (tests: the OpenMP team really split it).</summary>
    public static int LastTeam { get; private set; }

    /// <summary>An OpenMP thread's share: a contiguous range of the index space, cut on multiples of 16 elements.</summary>
    [UnmanagedCallersOnly]
    static void Part(void* data)
    {
        var job = (Job*)data;
        long n = job->Total, parts = Native.NumThreads(), k = Native.ThreadNum();
        long per = (n / parts + 15) & ~15L;
        if (k == 0) LastTeam = (int)parts;
        Range(job, Math.Min(n, k * per), k == parts - 1 ? n : Math.Min(n, (k + 1) * per));
    }

    /// <summary>The update of the elements in [from, to) of the index space.</summary>
    static void Range(Job* job, long from, long to)
    {
        for (int i = 0; i < job->Count; i++)
        {
            var s = job->Segments[i];
            long lo = Math.Max(from, s.Start) - s.Start, hi = Math.Min(to, s.Start + s.Length) - s.Start;
            if (lo < hi) Run(s.P, s.G, s.M, s.V, lo, hi, job->C);
        }
    }

    /// <summary>Elements per block: a block's value, moments and square roots (16 KB) stay in L1 between the two passes.</summary>
    const int Block = 1024;

    static void Run(float* p, float* g, float* m, float* v, long from, long to, Constants c)
    {
        float* roots = stackalloc float[Block];
        int threads = Native.SetLocalThreads(1);
        try
        {
            for (long i = from; i < to; i += Block)
            {
                int len = (int)Math.Min(Block, to - i);
                Moments(p + i, g + i, m + i, v + i, len, c);
                Native.Sqrt(&len, v + i, roots);
                Update(p + i, m + i, roots, len, c);
            }
        }
        finally { Native.SetLocalThreads(threads); }
    }

    /// <summary>g = grad + wd·value; m = fma(g, 1−β₁, m·β₁); v = fma((1−β₂)·g, g, v·β₂).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Moments(float* p, float* g, float* m, float* v, int n, Constants c)
    {
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
    static void Update(float* p, float* m, float* roots, int n, Constants c)
    {
        var (root, eps, step) = (Vector256.Create(c.RootBias2), Vector256.Create(c.Eps), Vector256.Create(c.StepSize));
        int i = 0;
        for (; i + 8 <= n; i += 8)
            (step * Vector256.Load(m + i) / (Vector256.Load(roots + i) / root + eps) + Vector256.Load(p + i)).Store(p + i);
        for (; i < n; i++) p[i] = c.StepSize * m[i] / (roots[i] / c.RootBias2 + c.Eps) + p[i];
    }

    /// <summary>The native functions the update calls, looked up in libtorch_cpu and its dependencies on first use (after
    /// libtorch is loaded: a flat optimiser's first step); each null where it is missing, and then the update never runs.</summary>
    static class Native
    {
        /// <summary>MKL's float square root (<c>vsSqrt</c>'s Fortran entry, LP64: n, a, r), which libtorch's CPU sqrt calls;
        /// missing where libtorch was built without MKL (its sqrt is then another function).</summary>
        public static readonly delegate* unmanaged<int*, float*, float*, void> Sqrt =
            (delegate* unmanaged<int*, float*, float*, void>)Export("VSSQRT_");

        /// <summary>MKL's <c>MKL_Set_Num_Threads_Local</c> (the C entry; the lower-case names take a pointer). VML threads a
        /// call made outside an OpenMP region, waking libtorch's workers for every block: each thread of the update sets its
        /// own MKL thread count to one, and back.</summary>
        public static readonly delegate* unmanaged<int, int> SetLocalThreads =
            (delegate* unmanaged<int, int>)Export("MKL_Set_Num_Threads_Local");

        /// <summary>libgomp's <c>GOMP_parallel(fn, data, threads, flags)</c>: the update runs on libtorch's own OpenMP team. A
        /// .NET thread beside it would compete for a core with the team's worker, which spins for a while after each of
        /// libtorch's parallel regions (mnist-mlp: 3.3 ms of optimiser time per iteration that way, 1.3 on the team, 2.3 with
        /// the tensor-op update).</summary>
        public static readonly delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void> Parallel =
            (delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void>)Export("GOMP_parallel");

        public static readonly delegate* unmanaged<int> ThreadNum = (delegate* unmanaged<int>)Export("omp_get_thread_num");
        public static readonly delegate* unmanaged<int> NumThreads = (delegate* unmanaged<int>)Export("omp_get_num_threads");

        public static bool Found =>
            Sqrt != null && SetLocalThreads != null && Parallel != null && ThreadNum != null && NumThreads != null;

        static IntPtr Export(string name) =>
            OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libtorch_cpu.so", out var lib)
            && NativeLibrary.TryGetExport(lib, name, out var f) ? f : IntPtr.Zero;
    }
}
