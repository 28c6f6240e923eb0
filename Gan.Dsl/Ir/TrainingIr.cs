using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

internal enum OptimizerKind { Adam, RmsProp, Sgd }

/// <summary>An optimiser: which networks it updates, which loss it minimises, and every hyper-parameter.</summary>
internal sealed record OptimizerIr(string Name, OptimizerKind Kind, ImmutableArray<string> Networks, string Loss,
                                 double Lr, double Beta1, double Beta2, double Eps, double WeightDecay,
                                 double Momentum, double Alpha)
{
    /// <summary>The learning-rate schedule (<c>lr_decay:</c>), or null for a constant <see cref="Lr"/>.</summary>
    public LrDecayIr? LrDecay { get; init; }

    /// <summary>
    /// For an alias (<c>optimizer opt_dreg = opt_d minimize r1_reg</c>): the optimiser whose state object it steps (same
    /// networks, hyper-parameters and Adam moments); null for an optimiser with its own state.
    /// </summary>
    public string? SharesStateOf { get; init; }

    /// <summary>The optimiser that owns the state this one steps: itself, or the one it aliases.</summary>
    public string StateOwner => SharesStateOf ?? Name;
}

/// <summary>
/// <c>lr_decay: linear(to, start, end)</c>: at the 0-based iteration t every step uses
/// lr(t) = lr₀ + (to − lr₀)·clamp((t − start)/(end − start), 0, 1). End null: the run's total iterations.
/// </summary>
internal sealed record LrDecayIr(double To, long Start, long? End)
{
    /// <summary>The learning rate of iteration <paramref name="t"/> for an initial <paramref name="lr0"/> and a run of
    /// <paramref name="total"/> iterations (the end when none is given).</summary>
    public double At(double lr0, long t, long total)
    {
        long end = End ?? total;
        if (end <= Start) return t < Start ? lr0 : To;     // a run shorter than its start: no decay before start
        double f = Math.Clamp((double)(t - Start) / (end - Start), 0, 1);
        return lr0 + (To - lr0) * f;
    }
}

/// <summary>One entry of the step order: run the optimiser's step Repeat times, on iterations t ≡ 0 (mod Every).</summary>
internal sealed record StepIr(string Optimizer, int Repeat, int Every = 1)
{
    /// <summary>Whether the entry runs in the 0-based iteration <paramref name="t"/>.</summary>
    public bool RunsAt(long t) => t % Every == 0;
}

/// <summary>
/// <c>ema: [G, ...]</c>: a copy <see cref="Name"/> (NAME_ema) of the network, never trained, updated after each step of the
/// optimiser that trains it at iteration t: θ_ema ← β·θ_ema + (1 − β)·θ, buffers (BatchNorm running statistics,
/// spectral-norm vectors) alike. β = 0 before <see cref="Start"/>, else <see cref="Decay"/> (BigGAN); or, with a
/// <see cref="HalfLife"/> in images (StyleGAN2), β = 0.5^(B / max(min(H, rampup·B·t), 1e-8)) (without rampup: H).
/// </summary>
internal sealed record EmaIr(string Network, double Decay, long Start, double? HalfLife, double? Rampup)
{
    public string Name => Network + "_ema";

    /// <summary>β at iteration <paramref name="t"/> for batch <paramref name="batch"/>.</summary>
    public double Beta(long t, int batch)
    {
        if (HalfLife is not double h) return t < Start ? 0 : Decay;
        double images = Rampup is double r ? Math.Min(h, r * batch * (double)t) : h;
        return Math.Pow(0.5, batch / Math.Max(images, 1e-8));
    }
}

/// <summary>Clamp every parameter of a network to [−Value, Value] after each of its optimiser's steps (WGAN).</summary>
internal sealed record ClipIr(string Network, double Value);

/// <summary>
/// The schedule. One iteration runs <see cref="Order"/> once; each step draws its own real batch and
/// latent samples. Epochs count passes over the real data (Steps = 0), or Steps counts iterations.
/// </summary>
/// <param name="OwnBatchNormStats">
/// false (<c>bn_stats: all</c>, PyTorch's behaviour): every train-mode forward updates BatchNorm running
/// statistics, so a G step also moves D's. true (<c>bn_stats: own</c>): a network's running statistics
/// change only in its own optimiser's steps; elsewhere it still normalises with batch statistics.
/// </param>
/// <param name="FakesPerIteration">
/// false (<c>fakes: per_step</c>): every step draws its own latents and evaluates its loss afresh. true
/// (<c>fakes: per_iteration</c>): latents are drawn once per iteration, and a step that reads a network
/// output under detach() reuses the value an earlier step of the iteration computed (PyTorch-GAN's
/// loops: the D step trains on the G step's <c>gen_imgs.detach()</c>).
/// </param>
internal sealed record ScheduleIr(int Batch, int Epochs, int Steps, ImmutableArray<StepIr> Order,
                                ImmutableArray<ClipIr> Clips, int SampleEvery, int CheckpointEvery, int Seed, bool DropLast,
                                bool OwnBatchNormStats = false, bool FakesPerIteration = false)
{
    /// <summary>The networks' EMA copies (<c>ema:</c>), in the order written.</summary>
    public ImmutableArray<EmaIr> Emas { get; init; } = [];
}

internal enum SamplingMode
{
    /// <summary>Rows × Cols samples from fixed noise.</summary>
    FixedNoise,
    /// <summary>One row per class (Rows = classes), Cols samples each.</summary>
    PerClassRows,
    /// <summary>Rows = classes, Cols = values of a continuous code swept over [0, 1] (InfoGAN).</summary>
    CodeSweep,
}

/// <summary>
/// How sample grids are made: <see cref="Generator"/> applied (output <see cref="Output"/>) to its latent parts
/// <see cref="Latents"/> in order, as the losses apply it. Class is the one-hot/label latent; Code and CodeIndex the swept code.
/// </summary>
/// <param name="BatchStats">BatchNorm while sampling: false = running statistics (eval mode); true = the sampled batch's own
/// statistics, as PyTorch-GAN's sample grids (which never call eval()); running statistics are not updated either way.</param>
internal sealed record SamplingIr(SamplingMode Mode, int Rows, int Cols, string Generator, string? ClassLatent, string? CodeLatent,
                                int CodeIndex, bool BatchStats = false)
{
    public ImmutableArray<string> Latents { get; init; } = [];
    public string Output { get; init; } = "out";

    /// <summary>The sample block's choice: true for <c>generator: G_ema</c>, false for the network named explicitly, null when
    /// not given (the EMA copy when the schedule keeps one).</summary>
    public bool? PreferEma { get; init; }

    /// <summary>The EMA copy sampled in place of <see cref="Generator"/> (e.g. G_ema), or null for the network itself.</summary>
    public string? Ema { get; init; }

    /// <summary>The network module that draws the samples.</summary>
    public string Sampled => Ema ?? Generator;
}
