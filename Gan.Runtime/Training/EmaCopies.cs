using System.Runtime.CompilerServices;
using Gan.Dsl.Ir;
using Gan.Runtime.Model;
using Gan.Runtime.Training.Flat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// The EMA copies of <c>ema:</c> (e.g. G_ema): the same architecture as their network, never trained (no gradients, in no
/// optimiser), saved in checkpoints beside the networks. They start as a copy of the network's weights and buffers; after
/// each step of an optimiser that trains the network at iteration t, θ_ema ← β·θ_ema + (1 − β)·θ for every parameter and
/// buffer (BatchNorm running statistics, spectral-norm vectors), as StudioGAN's <c>utils/ema.py</c> (our BatchNorm has no
/// num_batches_tracked counter to copy). A copy's parameters are views of one flat buffer: when its network's parameters
/// are a slice of a flat optimiser's buffer, the update of the parameters is one lerp_ (buffers stay per tensor).
/// </summary>
internal static class EmaCopies
{
    static readonly ConditionalWeakTable<NetworkModule, FlatLayout> Layouts = new();

    /// <summary>Adds the model's EMA copies to <paramref name="nets"/> (which holds their networks), on the networks' device.
    /// Building them draws nothing from the global generator: the training's random streams are those of the spec without.</summary>
    public static void Add(ModelIr model, Dictionary<string, NetworkModule> nets)
    {
        foreach (var e in model.Schedule.Emas)
        {
            var source = nets[e.Network];
            var rng = get_rng_state();
            NetworkModule copy;
            try { copy = new NetworkModule(source.Ir with { Name = e.Name }); }
            finally
            {
                set_rng_state(rng);
                rng.Dispose();
            }
            var device = source.parameters().Select(p => p.device).FirstOrDefault() ?? CPU;
            copy.to(device);
            foreach (var p in copy.parameters()) p.requires_grad = false;
            if (FlatLayout.TryCreate(copy.parameters(), withGrads: false) is { } layout) Layouts.AddOrUpdate(copy, layout);
            Update(copy, source, 0);
            nets[e.Name] = copy;
        }
    }

    /// <summary>θ_ema ← β·θ_ema + (1 − β)·θ, in place (lerp_ toward θ by 1 − β; at weight 1, i.e. β = 0, PyTorch's lerp
    /// returns θ exactly), float buffers alike; integer buffers are copied. <paramref name="sourceSlice"/>: the source's
    /// parameters as one slice of a flat buffer (<see cref="Optimizers.FlatSlice"/>), updated with one lerp_ when the copy's
    /// parameters are one flat buffer too.</summary>
    public static void Update(NetworkModule ema, NetworkModule source, double beta, Tensor? sourceSlice = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // A 0-dim weight of the networks' type (TorchSharp's lerp_ takes no Scalar weight).
        var like = source.parameters().First();
        var weight = tensor(1 - beta, dtype: like.dtype, device: like.device);
        var flat = sourceSlice is null || !Layouts.TryGetValue(ema, out var layout) ? null : layout.Slice(ema.parameters());
        if (flat is not null && flat.numel() == sourceSlice!.numel()) flat.lerp_(sourceSlice, weight);
        else foreach (var (e, s) in ema.parameters().Zip(source.parameters())) e.lerp_(s, weight);
        foreach (var (e, s) in ema.buffers().Zip(source.buffers()))
            if (e.is_floating_point()) e.lerp_(s, weight);
            else e.copy_(s);                                        // a counter (BatchNorm's num_batches_tracked)
    }

    /// <summary>Whether the copy's parameters are all views of its flat buffer (for tests).</summary>
    public static bool IsFlat(NetworkModule ema) => Layouts.TryGetValue(ema, out var layout) && layout.Slice(ema.parameters()) is not null;

    /// <summary>After a step of optimiser <paramref name="o"/> at the 0-based iteration <paramref name="t"/>: updates the EMA
    /// copy of each network it trains.</summary>
    public static void AfterStep(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, OptimizerIr o, OptimizerHelper opt,
                                 long t, int batch)
    {
        foreach (var e in model.Schedule.Emas)
            if (o.Networks.Contains(e.Network))
                Update(nets[e.Name], nets[e.Network], e.Beta(t, batch), Optimizers.FlatSlice(opt, nets[e.Network]));
    }
}
