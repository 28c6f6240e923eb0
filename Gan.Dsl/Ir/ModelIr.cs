using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>
/// A checked GAN spec, resolved completely: every size, default and formula is explicit, so a backend
/// (TorchSharp today; a PyTorch emitter or weights exporter later) needs no defaults of its own.
/// </summary>
public sealed record ModelIr(
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
    SamplingIr Sampling)
{
    public NetworkIr Network(string name) => Networks.First(n => n.Name == name);
    public LatentIr Latent(string name) => Latents.First(l => l.Name == name);
    public LossIr Loss(string name) => Losses.First(l => l.Name == name);
    public long TotalParameters => NetworkIr.SaturatingSum(Networks.Select(n => n.Parameters));
}
