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

    /// <summary>
    /// Continue the run in <see cref="OutDir"/> from its last checkpoint, as it was started: the batch, length and log interval
    /// left null are the run's (params.json); a value that contradicts the run is refused, except a longer schedule.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>
    /// A log row (and the finite-loss check) every N iterations, and at the first and the last; null: every iteration, or
    /// on resume the run's own interval.
    /// </summary>
    public int? LogEvery { get; init; }

    /// <summary>
    /// Also write TensorBoard events into the run folder's <c>tb/</c> (<c>tensorboard --logdir RUN/tb</c>): every log.csv column
    /// but the step as a scalar at each logged step, each epoch's d_accuracy, and each sample picture. A run started with it
    /// goes on writing them when resumed (params.json records it); false: no events and no cost.
    /// </summary>
    public bool TensorBoard { get; init; }

    /// <summary>
    /// Evaluate the run every N iterations and at its end, as `gan eval --step S --n EvalSamples` would (a checkpoint is
    /// saved at those steps first): each step's metrics go to <c>metrics/step-NNNNNNN.json</c>, and the report plots them
    /// against the steps. The training's random streams are left as they were, so the losses are those of a run without it.
    /// Recorded in params.json: a resumed run goes on evaluating as it did, unless given again. Null: no evaluation.
    /// </summary>
    public int? EvalEvery { get; init; }

    /// <summary>Samples per evaluation during training (<see cref="EvalEvery"/>); null: 2,000.</summary>
    public int? EvalSamples { get; init; }

    /// <summary>TorchSharp's own optimisers (per parameter) instead of the flat-buffer ones (one buffer per optimiser); the
    /// results are the same (for tests and benchmarks that compare the two).</summary>
    internal bool TorchSharpOptimizers { get; init; }

    /// <summary>Every step computes the gradients of every network, as the seeds' loops do, instead of freezing the networks
    /// it does not train; the results are the same (for tests and benchmarks that compare the two).</summary>
    internal bool EveryGradient { get; init; }

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
        Positive("eval-every", EvalEvery);
        if (EvalSamples is int m && m < 10) throw new UserInputException($"--eval-n {m}: use at least 10 samples");
        if (EvalSamples is not null && EvalEvery is null)
            throw new UserInputException("--eval-n sets the samples of --eval-every's evaluations: give --eval-every N too");
        if (Epochs is not null && Steps is not null)
            throw new UserInputException("--epochs and --steps both given; a run counts one of them: give one");
        if (Resume && (!RunFolder || OutDir is null))
            throw new UserInputException("--resume needs the run folder: --resume runs/NAME or --out runs/NAME --resume");
        if (EvalEvery is not null && !RunFolder)
            throw new UserInputException("--eval-every evaluates the run folder's checkpoints: train with a run folder");
        if (TensorBoard && !RunFolder)
            throw new UserInputException("--tensorboard writes its events into the run folder (tb/): train with a run folder");
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

/// <summary>What a resume is given besides the run folder (each null when not given), checked against the run's own values.</summary>
public sealed record ResumeFlags
{
    /// <summary>A spec file: it must be the run's own (the same text as its spec.gan).</summary>
    public string? Spec { get; init; }

    /// <summary>A run folder named again (<c>--out</c>): it must be the one resumed.</summary>
    public string? Out { get; init; }

    public int? Epochs { get; init; }
    public int? Steps { get; init; }
    public int? Batch { get; init; }
    public int? Seed { get; init; }
    public string? Device { get; init; }
    public int? LogEvery { get; init; }

    /// <summary>Write TensorBoard events from now on (<c>--tensorboard</c>), in a run started without them.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>
    /// Evaluate every N iterations from now on (<c>--eval-every</c>; see <see cref="TrainOptions.EvalEvery"/>); null: as the
    /// run did.
    /// </summary>
    public int? EvalEvery { get; init; }

    /// <summary>Samples per evaluation (<c>--eval-n</c>).</summary>
    public int? EvalSamples { get; init; }

    /// <summary><c>--set name=value</c> pairs.</summary>
    public IReadOnlyDictionary<string, string>? Set { get; init; }

    /// <summary>Train even when the memory estimate exceeds the memory available (<c>--force</c>).</summary>
    public bool Force { get; init; }
}

/// <summary>
/// A run folder ready to continue (<see cref="GanModel.Resume"/>): train <see cref="Model"/> with <see cref="Options"/>;
/// <see cref="Memory"/> is the estimate checked before the networks were built.
/// </summary>
public sealed record ResumedRun(GanModel Model, TrainOptions Options, MemoryEstimate Memory) : IDisposable
{
    public void Dispose() => Model.Dispose();
}
