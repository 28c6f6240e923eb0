using Gan.Runtime.Errors;

namespace Gan.Runtime;

/// <summary>
/// How to train a spec: every value left null comes from the spec's schedule. The seed and the device are the model's
/// (<see cref="GanModel.Create"/>): its networks were built from that seed, on that device.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>The run folder; null: <c>runs/&lt;spec name&gt;-&lt;timestamp&gt;</c>. Ignored without <see cref="RunFolder"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>Whether to write a run folder (log.csv, samples, checkpoints, report); false trains in memory only.</summary>
    public bool RunFolder { get; init; } = true;

    public int? Epochs { get; init; }

    /// <summary>Iterations of the schedule's step order.</summary>
    public int? Steps { get; init; }

    public int? Batch { get; init; }

    /// <summary>Continue the run in <see cref="OutDir"/> from its last checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>A log row (and the finite-loss check) every N iterations, and at the first and the last.</summary>
    public int LogEvery { get; init; } = 1;

    /// <summary>Refuses values that cannot work, naming the flag.</summary>
    internal void Validate()
    {
        static void Positive(string flag, int? v)
        {
            if (v is int n && n <= 0) throw new UserInputException($"--{flag} must be positive, got {n}");
        }
        Positive("epochs", Epochs);
        Positive("steps", Steps);
        Positive("batch", Batch);
        Positive("log-every", LogEvery);
        if (Resume && (!RunFolder || OutDir is null))
            throw new UserInputException("--resume needs the run folder: --resume runs/NAME or --out runs/NAME --resume");
    }
}

/// <summary>
/// Where training stands, reported at each logged step (<see cref="Values"/>: the log row: each named loss, d_real,
/// d_fake, images_per_s, elapsed_s) and for each notice (<see cref="Notice"/>: a dataset fetched, a run resumed, an epoch's statistic).
/// </summary>
public sealed record TrainProgress(long Step, long TotalSteps, long StartStep, int Epoch, IReadOnlyDictionary<string, double> Values,
                                   string? Notice = null);

/// <summary>The outcome of training: steps reached, time, and what was written.</summary>
/// <param name="Stopped">stopped early by the cancellation token (a checkpoint was written).</param>
public sealed record TrainResult(long Steps, double Seconds, bool Stopped, string? RunDir, string? Checkpoint, string? Report,
                                 double DataWaitFraction);
