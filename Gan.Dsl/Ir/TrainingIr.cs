using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

internal enum OptimizerKind { Adam, RmsProp, Sgd }

/// <summary>An optimiser: which networks it updates, which loss it minimises, and every hyper-parameter.</summary>
internal sealed record OptimizerIr(string Name, OptimizerKind Kind, ImmutableArray<string> Networks, string Loss,
                                 double Lr, double Beta1, double Beta2, double Eps, double WeightDecay,
                                 double Momentum, double Alpha);

/// <summary>One entry of the step order: run the optimiser's step Repeat times.</summary>
internal sealed record StepIr(string Optimizer, int Repeat);

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
                                bool OwnBatchNormStats = false, bool FakesPerIteration = false);

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
}
