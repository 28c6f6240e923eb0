using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>A file the spec `use`s (directly or through another used file): its path relative to the spec's folder, and its text.</summary>
internal sealed record UsedFileIr(string RelativePath, string Text);

/// <summary>The first application of a network to the real batch in the losses: the discriminator on real data.</summary>
internal sealed record CriticIr(string Network, string Output, bool EndsInSigmoid);

/// <summary>
/// A checked GAN spec, resolved completely: every size, default and formula is explicit, so a backend
/// (TorchSharp today; a PyTorch emitter or weights exporter later) needs no defaults of its own.
/// </summary>
internal sealed record ModelIr(
    string Name,
    string Description,
    string Source,
    string SpecPath,
    string SpecText,
    ImmutableDictionary<string, object> Params,
    DataIr Data,
    ImmutableArray<LatentIr> Latents,
    ImmutableArray<NetworkIr> Networks,
    ImmutableArray<LossIr> Losses,
    ImmutableArray<OptimizerIr> Optimizers,
    ScheduleIr Schedule,
    SamplingIr Sampling,
    ImmutableArray<UsedFileIr> UsedFiles,
    CriticIr? RealCritic)
{
    public NetworkIr Network(string name) => Networks.First(n => n.Name == name);
    public LatentIr Latent(string name) => Latents.First(l => l.Name == name);
    public LossIr Loss(string name) => Losses.First(l => l.Name == name);
    public long TotalParameters => NetworkIr.SaturatingSum(Networks.Select(n => n.Parameters));

    /// <summary>The <c>--set name=value</c> overrides the spec was compiled with (a run records them, to resume as started).</summary>
    public ImmutableSortedDictionary<string, string> Overrides { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
