using System.Globalization;
using Gan.Dsl;
using Gan.Runtime.Errors;
using Gan.Runtime.Training;

namespace Gan.Runtime;

/// <summary>
/// The memory training a spec needs at a batch, from its checked shapes alone (nothing is allocated, libtorch is not
/// touched): parameters with their buffers, gradients, optimiser state, the activations the costliest optimiser step
/// keeps for its backward, the dataset as it is held, and the process's runtime. `gan train` calls
/// <see cref="Check"/> before building the networks, so a run that cannot fit is refused at once rather than swapping or
/// being killed mid-way. All figures are bytes (float32 tensors); bench/RESULTS.md compares the total with measured peaks.
/// </summary>
public sealed record MemoryEstimate
{
    public required string Device { get; init; }
    public required int Batch { get; init; }
    /// <summary>Trainable parameters plus buffers (BatchNorm running statistics, spectral norm's u and v).</summary>
    public required long ParameterBytes { get; init; }
    public required long GradientBytes { get; init; }
    /// <summary>Adam's two moments, RMSprop's square average (and momentum), SGD's momentum, for each optimiser's networks.</summary>
    public required long OptimizerBytes { get; init; }
    /// <summary>The costliest optimiser step's forward passes at the batch, plus the backward's working set.</summary>
    public required long ActivationBytes { get; init; }
    /// <summary>The dataset in memory, the loader's temporary copies, and the batches in flight.</summary>
    public required long DataBytes { get; init; }
    /// <summary>The process before any model: the .NET runtime and libtorch (a measured constant).</summary>
    public required long RuntimeBytes { get; init; }
    /// <summary>The costliest layer, e.g. <c>D.op0 conv2d N×64×20×20</c>, and its bytes (parameter state and outputs).</summary>
    public required string LargestLayer { get; init; }
    public required long LargestLayerBytes { get; init; }

    public long TotalBytes =>
        Dsl.Ir.NetworkIr.SaturatingSum([ParameterBytes, GradientBytes, OptimizerBytes, ActivationBytes, DataBytes, RuntimeBytes]);

    /// <summary>What the GPU holds on cuda (the networks, their state and activations); 0 on cpu.</summary>
    public long GpuBytes =>
        Device == "cuda" ? Dsl.Ir.NetworkIr.SaturatingSum([ParameterBytes, GradientBytes, OptimizerBytes, ActivationBytes]) : 0;

    /// <summary>What the host holds: everything on cpu; the data and the runtime on cuda.</summary>
    public long HostBytes => TotalBytes - GpuBytes;

    /// <summary>The estimate for a spec that compiled, at <paramref name="batch"/> (the spec's when null).</summary>
    /// <param name="device">cpu or cuda: on cuda the networks' part is compared with the GPU's memory.</param>
    public static MemoryEstimate For(GanSpec spec, int? batch = null, string device = "cpu")
    {
        if (spec.HasErrors || spec.Ir is not { } ir)
            throw new UserInputException($"{spec.Path} has errors; run `gan check {spec.Path}`");
        if (device is not ("cpu" or "cuda")) throw new UserInputException($"--device {device}: use cpu or cuda.");
        int b = batch ?? ir.Schedule.Batch;
        if (b <= 0) throw new UserInputException($"--batch must be positive, got {b}");
        var parts = MemoryModel.Estimate(ir, b);
        return new MemoryEstimate
        {
            Device = device, Batch = b,
            ParameterBytes = Bytes(parts.Parameters), GradientBytes = Bytes(parts.Gradients),
            OptimizerBytes = Bytes(parts.OptimizerState), ActivationBytes = Bytes(parts.Activations),
            DataBytes = Bytes(parts.Data), RuntimeBytes = Bytes(MemoryModel.RuntimeBytes),
            LargestLayer = $"{parts.Largest.Network}.op{parts.Largest.Index} {parts.Largest.Kind} {parts.Largest.Shape}",
            LargestLayerBytes = Bytes(parts.Largest.Bytes),
        };
    }

    /// <summary>
    /// The estimate, compared with the memory available (the machine's, the GPU's on cuda, or <c>GANDSL_MEMORY_LIMIT</c>):
    /// a <see cref="UserInputException"/> naming the largest layer when it does not fit, unless <paramref name="force"/>.
    /// </summary>
    public static MemoryEstimate Check(GanSpec spec, int? batch, string device, bool force)
    {
        var e = For(spec, batch, device);
        var host = AvailableMemory.Host();
        var gpu = device == "cuda" ? AvailableMemory.Gpu() : null;
        string? problem = e.HostBytes > host.Bytes ? e.Shortfall("", "the machine", host, e.HostBytes)
            : gpu is not null && e.GpuBytes > gpu.Bytes ? e.Shortfall("on the GPU ", "the GPU", gpu, e.GpuBytes)
            : null;
        if (problem is null || force) return e with { OverLimit = problem };
        throw new UserInputException($"{problem}. Lower --batch, or pass --force to train anyway.");
    }

    /// <summary>After <see cref="Check"/> with force: why the run would have been refused, or null when it fits.</summary>
    public string? OverLimit { get; init; }

    string Shortfall(string what, string where, AvailableMemory.Figure available, long needed) =>
        $"training {what}needs about {Size(needed)} ({Parts()}); {where} has {Size(available.Bytes)} available "
        + $"({available.Source}); the largest layer is {LargestLayer} ({Size(LargestLayerBytes)})";

    /// <summary>One line: the total and its parts, and the largest layer.</summary>
    public string Describe() =>
        $"memory at batch {Batch} on {Device}: about {Size(TotalBytes)} ({Parts()}); "
        + $"largest layer {LargestLayer} ({Size(LargestLayerBytes)})";

    string Parts() =>
        $"parameters {Size(ParameterBytes)}, gradients {Size(GradientBytes)}, optimiser state {Size(OptimizerBytes)}, "
        + $"activations {Size(ActivationBytes)} at batch {Batch}, data {Size(DataBytes)}, runtime {Size(RuntimeBytes)}";

    /// <summary>Bytes as MiB below a GiB, else GiB with one decimal.</summary>
    public static string Size(double bytes) => bytes < 1 << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):N1} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):N1} GiB");

    static long Bytes(double v) => v >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(v);
}
