using Gan.Dsl;
using Gan.Runtime.Errors;
using Gan.Runtime.Profiling;

namespace Gan.Runtime;

/// <summary>What <see cref="GanBench.Run"/> measures and how (each null: chosen as <c>gan bench</c> chooses it).</summary>
public sealed record BenchOptions
{
    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The batch; null: the spec's.</summary>
    public int? Batch { get; init; }

    /// <summary>Timed iterations; null: as many as fit in <see cref="Seconds"/>.</summary>
    public int? Steps { get; init; }

    /// <summary>The time box of the timed iterations when <see cref="Steps"/> is null.</summary>
    public double Seconds { get; init; } = 8;

    /// <summary>Untimed iterations first; null: at least two and about half a second (one when an iteration takes seconds).</summary>
    public int? Warmup { get; init; }

    /// <summary>Iterations whose ATen operators are counted (after the warm-up, untimed); null: two, one for a slow spec.</summary>
    public int? CountIterations { get; init; }

    /// <summary>Random data of the spec's shape even when its dataset is on this machine.</summary>
    public bool Synthetic { get; init; }

    /// <summary>Run even when the memory estimate exceeds the memory available.</summary>
    public bool Force { get; init; }

    /// <summary>The run seed (networks, batches, latents); null: the spec's.</summary>
    public int? Seed { get; init; }

    /// <summary>libtorch's intra-op threads for this process from now on (<c>torch.set_num_threads</c>); null: as they are.</summary>
    public int? Threads { get; init; }

    /// <summary>After the timed iterations, profile further ones: each operator's self time (<see cref="BenchResult.Profile"/>).</summary>
    public bool Profile { get; init; }

    /// <summary>The profiled iterations; null: at least two and about two seconds' worth (one for a spec whose iteration takes
    /// seconds), 200 at most.</summary>
    public int? ProfileIterations { get; init; }
}

/// <summary>One record of the profile (an ATen operator, or an autograd node), per profiled iteration.</summary>
/// <param name="Name">as PyTorch's profiler names it: <c>aten::mm</c>, <c>AddmmBackward0</c>,
/// <c>autograd::engine::evaluate_function: AddmmBackward0</c>.</param>
/// <param name="Calls">calls per iteration.</param>
/// <param name="SelfMs">its time less the records nested in it, in milliseconds per iteration.</param>
/// <param name="TotalMs">its time with the records nested in it.</param>
public sealed record OperatorTime(string Name, double Calls, double SelfMs, double TotalMs)
{
    /// <summary>The same record split by where it ran, the longest self time first: its calls and self time per iteration
    /// under each path of enclosing records.</summary>
    public IReadOnlyList<OperatorPath> Paths { get; init; } = [];
}

/// <summary>Where a record ran: <paramref name="Via"/> names up to three enclosing records, innermost first, joined by
/// " &lt; " (<c>aten::clone &lt; aten::contiguous &lt; aten::convolution_backward</c>); empty for one called from .NET.</summary>
public sealed record OperatorPath(string Via, double Calls, double SelfMs);

/// <summary>
/// Where an iteration's time goes, operator by operator (<c>gan bench --profile</c>): iterations run after the timed ones under
/// libtorch's operator callbacks, which cost time of their own (<see cref="MsPerIteration"/> is longer than the timed
/// iterations'). The self times of every record and <see cref="OutsideMs"/> add up to <see cref="MsPerIteration"/> on the CPU.
/// </summary>
public sealed record BenchProfile
{
    public required int Iterations { get; init; }
    /// <summary>The profiled iterations' wall time, per iteration.</summary>
    public required double MsPerIteration { get; init; }
    /// <summary>Time outside every record on the training thread: the .NET side, the one-pass optimiser, waiting.</summary>
    public required double OutsideMs { get; init; }
    /// <summary>Every record, the longest self time first.</summary>
    public required IReadOnlyList<OperatorTime> Operators { get; init; }
    /// <summary>cuda: the times are the host's (a kernel's launch returns before it runs).</summary>
    public required bool HostTimes { get; init; }
}

/// <summary>
/// The figures of one <c>gan bench</c>: throughput, the time of an iteration split into phases (per iteration, in
/// milliseconds: data = drawing the batch and moving it to the device; forward = evaluating the losses; backward; optimiser =
/// zero_grad, step, clipping, EMA, and freeing the step's tensors; other = the rest), peak memory, ATen operator calls per
/// iteration, and the iteration's matmul/convolution FLOPs against the machine's sgemm rate at the same thread count.
/// </summary>
public sealed record BenchResult
{
    public required string Spec { get; init; }
    public required string Device { get; init; }
    public required int Threads { get; init; }
    public required int Batch { get; init; }
    /// <summary>What the iterations trained on: the spec's dataset, or synthetic data and why.</summary>
    public required string Data { get; init; }
    public required bool RealData { get; init; }
    public required int WarmupIterations { get; init; }
    public required int Iterations { get; init; }
    /// <summary>Wall time of the timed iterations.</summary>
    public required double Seconds { get; init; }
    /// <summary>Images through D or G per second, as `gan train` counts them (batch × the step order's repeats per iteration).</summary>
    public required double ImagesPerSecond { get; init; }
    /// <summary>The mean (the wall time over the iterations, as the throughput) and the median of the timed iterations.</summary>
    public required double MsPerIteration { get; init; }
    public required double MedianMsPerIteration { get; init; }
    public required double DataMs { get; init; }
    public required double ForwardMs { get; init; }
    public required double BackwardMs { get; init; }
    public required double OptimizerMs { get; init; }
    public required double OtherMs { get; init; }
    /// <summary>Whether the phases were timed with a device synchronisation at each boundary (cuda).</summary>
    public required bool Synchronized { get; init; }
    /// <summary>The process's peak resident memory (VmHWM on Linux) and its resident memory at the end, in bytes.</summary>
    public required long PeakRssBytes { get; init; }
    public required long RssBytes { get; init; }
    /// <summary>cuda: the GPU memory this process holds as nvidia-smi reports it, in bytes (null when unknown).</summary>
    public long? CudaMemoryBytes { get; init; }
    /// <summary>cuda: where <see cref="CudaMemoryBytes"/> comes from, or why it is missing; null on cpu.</summary>
    public string? CudaMemoryNote { get; init; }
    /// <summary>`gan train`'s memory estimate at this batch and device, in bytes.</summary>
    public required long EstimateBytes { get; init; }
    /// <summary>ATen operator calls per iteration; NaN where the counter cannot run (it runs on linux-x64 only).</summary>
    public required double OpsPerIteration { get; init; }
    public required int CountedIterations { get; init; }
    /// <summary>Matmul and convolution FLOPs per timed iteration (see <see cref="FlopsNote"/>) and the rate achieved.</summary>
    public required double FlopsPerIteration { get; init; }
    public required double Gflops { get; init; }
    /// <summary>float32 matmul GFLOP/s on this device at the same thread count, and the iteration's rate as a fraction of it.</summary>
    public required double SgemmGflops { get; init; }
    public required string SgemmShape { get; init; }
    public required double SgemmFraction { get; init; }
    public required string FlopsNote { get; init; }
    /// <summary>cpu: which library the linear layers' products ran on, and why (oneDNN or MKL; sgemm is MKL's); null on cuda.</summary>
    public string? LinearProducts { get; init; }
    /// <summary>The operator profile when <see cref="BenchOptions.Profile"/> asked for it and the profiler runs here; else null.</summary>
    public BenchProfile? Profile { get; init; }
    /// <summary>Why <see cref="Profile"/> is null although it was asked for (the profiler runs on linux-x64 only); else null.</summary>
    public string? ProfileNote { get; init; }
}

/// <summary>How fast a spec trains on this machine (<c>gan bench</c>).</summary>
public static class GanBench
{
    /// <summary>
    /// Builds the spec's networks and times training iterations without a run folder: warm-up, a few untimed iterations whose
    /// operators are counted, then time-boxed (or <see cref="BenchOptions.Steps"/>) timed iterations split into phases, and a
    /// float32 matmul for the machine's rate. Bad input (a spec with errors, a block library, bad options, cuda without a
    /// CUDA backend, a batch that cannot fit) is a <see cref="UserInputException"/>. <paramref name="progress"/> gets a line now
    /// and then.
    /// </summary>
    public static BenchResult Run(GanSpec spec, BenchOptions? options = null, IProgress<string>? progress = null)
    {
        options ??= new BenchOptions();
        if (spec.IsLibrary)
            throw new UserInputException($"{spec.Path} is a block library (only use, block and param items): it has no model to "
                                         + "benchmark; bench a spec that uses it");
        if (spec.HasErrors || spec.Ir is not { } ir)
            throw new UserInputException($"{spec.Path} has errors; run `gan check {spec.Path}`");
        return SpecBenchRunner.Run(spec, ir, options, progress);
    }
}
