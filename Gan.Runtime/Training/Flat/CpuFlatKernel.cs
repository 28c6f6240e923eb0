using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// What the one-pass CPU updates (<see cref="CpuAdamKernel"/>, <see cref="CpuRmsPropKernel"/>) share: where they apply, each
/// parameter's segment of the flat buffers, and the split of the flat index space across libtorch's own OpenMP team. An
/// update reads each element's value, gradient and state once and writes them once, in blocks of <see cref="Block"/>
/// elements that stay in L1 between its passes, where the tensor-op update runs each chunk through several ATen kernels.
/// </summary>
internal static unsafe class CpuFlatKernel
{
    /// <summary>Elements per thread below which one thread does the whole update (a thread's start-up costs more).</summary>
    const long MinPerThread = 1 << 15;

    /// <summary>Elements per block: a block's value, state and square roots (16 KB) stay in L1 between the passes.</summary>
    public const int Block = 1024;

    /// <summary>One parameter's part of an update: its value, gradient and the optimiser's two state buffers (Adam's moments,
    /// RMSprop's square average and momentum buffer), and where it starts in the flat buffers' index space (parts of the
    /// update are cut in that space, so their boundaries fall on 64-byte lines of the flat buffers: no line written by two
    /// threads).</summary>
    public struct Segment
    {
        public float* P, G, A, B;
        public long Start, Length;
    }

    /// <summary>One pass of an update over a block: value, gradient, the two state buffers, the block's square roots (of
    /// state A or B, after the first pass; unset in the first), its length and the update's constants.</summary>
    public struct Passes
    {
        public delegate*<float*, float*, float*, float*, float*, int, void*, void> First, Second;
        /// <summary>Whether the square roots are of state B (Adam's v) rather than A (RMSprop's square average).</summary>
        public bool RootOfB;
    }

    struct Job
    {
        public Segment* Segments;
        public int Count;
        public long Total;
        public void* Constants;
        public Passes Passes;
    }

    /// <summary>A one-pass update's switch: on unless its environment variable is "0" (benchmarks compare both ways) or a
    /// test turned it off on its own thread (to test the tensor-op update).</summary>
    public sealed class Switch(string variable)
    {
        readonly bool on = Environment.GetEnvironmentVariable(variable) != "0";
        readonly ThreadLocal<bool> off = new();

        public bool Enabled
        {
            get => on && !off.Value;
            set => off.Value = !value;
        }
    }

    /// <summary>Where a one-pass update can run over these buffers: contiguous float32 CPU buffers whose data pointers can be
    /// read, on a CPU with 256-bit vectors and FMA, with libtorch's MKL square root and OpenMP at hand.</summary>
    public static bool Applies(params Tensor[] buffers) =>
        Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported && FlatLayout.CanReadPointers
        && Native.Found
        && buffers.All(b => b.device_type == DeviceType.CPU && b.dtype == ScalarType.Float32 && b.is_contiguous());

    /// <summary>Each parameter's value and state in the flat buffers, which never move (its gradient is set per step).</summary>
    public static Segment[] Segments(FlatLayout l, Tensor a, Tensor b)
    {
        var (values, pa, pb) = (FlatLayout.PointerOf(l.Values), FlatLayout.PointerOf(a), FlatLayout.PointerOf(b));
        var result = new Segment[l.Parameters.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var off = (nint)(l.OffsetOf(i) * sizeof(float));
            result[i] = new Segment
            {
                P = (float*)(values + off), A = (float*)(pa + off), B = (float*)(pb + off),
                Start = l.OffsetOf(i), Length = l.Parameters[i].numel(),
            };
        }
        return result;
    }

    /// <summary>One update over the segments, which lie in order in [0, <paramref name="total"/>), on up to
    /// <paramref name="threads"/> threads: each block of each segment's share of a thread's range goes through the first
    /// pass, MKL's square root of one state, and the second pass.</summary>
    public static void Step(Segment[] segments, long total, void* constants, Passes passes, int threads)
    {
        int parts = (int)Math.Clamp(total / MinPerThread, 1, Math.Max(1, threads));
        fixed (Segment* s = segments)
        {
            var job = new Job { Segments = s, Count = segments.Length, Total = total, Constants = constants, Passes = passes };
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

    /// <summary>The update of the elements in [from, to) of the index space, with MKL on one thread.</summary>
    static void Range(Job* job, long from, long to)
    {
        int threads = Native.SetLocalThreads(1);
        try
        {
            for (int i = 0; i < job->Count; i++)
            {
                var s = job->Segments[i];
                long lo = Math.Max(from, s.Start) - s.Start, hi = Math.Min(to, s.Start + s.Length) - s.Start;
                if (lo < hi) Blocks(s, lo, hi, job->Constants, job->Passes);
            }
        }
        finally { Native.SetLocalThreads(threads); }
    }

    /// <summary>Elements [from, to) of one segment, block by block.</summary>
    static void Blocks(Segment s, long from, long to, void* constants, Passes passes)
    {
        float* roots = stackalloc float[Block];
        for (long i = from; i < to; i += Block)
        {
            int len = (int)Math.Min(Block, to - i);
            float* p = s.P + i, g = s.G + i, a = s.A + i, b = s.B + i;
            passes.First(p, g, a, b, roots, len, constants);
            Native.Sqrt(&len, passes.RootOfB ? b : a, roots);
            passes.Second(p, g, a, b, roots, len, constants);
        }
    }

    /// <summary>The native functions the updates call, looked up in libtorch_cpu and its dependencies on first use (after
    /// libtorch is loaded: a flat optimiser's first step); each null where it is missing, and then no update runs.</summary>
    public static class Native
    {
        /// <summary>MKL's float square root (<c>vsSqrt</c>'s Fortran entry, LP64: n, a, r), which libtorch's CPU sqrt calls;
        /// missing where libtorch was built without MKL (its sqrt is then another function).</summary>
        public static readonly delegate* unmanaged<int*, float*, float*, void> Sqrt =
            (delegate* unmanaged<int*, float*, float*, void>)Export("VSSQRT_");

        /// <summary>MKL's <c>MKL_Set_Num_Threads_Local</c> (the C entry; the lower-case names take a pointer). VML threads a
        /// call made outside an OpenMP region, waking libtorch's workers for every block: each thread of an update sets its
        /// own MKL thread count to one, and back.</summary>
        public static readonly delegate* unmanaged<int, int> SetLocalThreads =
            (delegate* unmanaged<int, int>)Export("MKL_Set_Num_Threads_Local");

        /// <summary>libgomp's <c>GOMP_parallel(fn, data, threads, flags)</c>: an update runs on libtorch's own OpenMP team. A
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
