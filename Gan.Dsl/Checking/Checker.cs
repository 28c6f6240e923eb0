using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;

namespace Gan.Dsl.Checking;

/// <summary>
/// What checking learnt: each network's graph (<see cref="Valid"/>: those that checked, in source order), the sampled
/// generator (named, or picked when the spec names none) and, on a spec without errors, its first application in the
/// losses, whose arguments are the latent parts sampling draws.
/// </summary>
internal sealed record CheckedSpec(BoundSpec Bound, ImmutableDictionary<string, CheckedNetwork> Networks,
                                   ImmutableArray<CheckedNetwork> Valid, string Generator, BoundApply? GeneratorApplication);

/// <summary>
/// Checks a bound spec: the networks' shapes, the losses' types, the total size, sampling, and (when nothing else
/// is wrong) the whole-picture loss checks and lints. Reads positions from the bound nodes.
/// </summary>
internal static class Checker
{
    /// <summary>Specs over this many parameters are rejected before anything is allocated.</summary>
    public const long MaxParameters = 2_000_000_000;

    public static CheckedSpec Check(BoundSpec spec, DiagnosticBag d)
    {
        var source = spec.Source;
        var networks = spec.Networks.Select(n => new NetworkChecker(d).Check(n)).ToImmutableDictionary(n => n.Name);
        var ok = spec.Networks.Select(n => networks[n.Name]).Where(n => !n.Failed).ToImmutableArray();   // in source order

        long total = NetworkIr.SaturatingSum(ok.Select(n => n.Parameters));
        if (total > MaxParameters) d.ReportAbsurdSize(source, spec.Header?.Name.Span ?? default, total, MaxParameters);

        BatchChecks.Run(spec, ok, d);

        var types = new LossTypeChecker(source, d, networks);
        foreach (var loss in spec.Losses) types.CheckLoss(loss);

        var generator = Sampling(spec, ok, d);
        BoundApply? application = null;
        if (!d.HasErrors && LossDepth.Check(source, d, spec.Losses))
        {
            var losses = spec.Losses.ToDictionary(l => l.Name);
            new LossChecks(source, d, ok.ToDictionary(n => n.Name), losses, spec.Schedule?.Quirks ?? new HashSet<string>())
                .Run(spec.Optimizers, spec.Latents);
            if (!d.HasErrors) application = SampledFromLatents(spec, generator, d);
        }
        return new CheckedSpec(spec, networks, ok, generator, application);
    }

    static int[] DefaultOutputShape(CheckedNetwork n) => n.OutputShape(n.DefaultOutput);

    /// <summary>
    /// The sampled network must make samples of the data's shape (they are drawn as data). Without a sample block, it is
    /// G, or else the first network whose output has that shape.
    /// </summary>
    static string Sampling(BoundSpec spec, ImmutableArray<CheckedNetwork> ok, DiagnosticBag d)
    {
        var data = spec.Data?.Ir;
        if (spec.Sampling is not { } sampling) return "G";
        if (sampling.Syntax is not null)
        {
            var gen = ok.FirstOrDefault(n => n.Name == sampling.Generator);
            if (gen is not null && data is not null && !DefaultOutputShape(gen).SequenceEqual(data.Shape))
                d.ReportSampling(spec.Source, sampling.GeneratorSpan,
                                 $"network {gen.Name} outputs {Shape.Show(DefaultOutputShape(gen))}, but samples must have "
                                 + $"the data's shape {Shape.Show(data.Shape)}; sample the generator (generator: G)");
            return sampling.Generator!;
        }
        var fallback = ok.OrderBy(n => n.Name == "G" ? 0 : 1)
                         .FirstOrDefault(n => data is null || DefaultOutputShape(n).SequenceEqual(data.Shape));
        if (fallback is null && ok.Length > 0 && data is not null && !d.HasErrors)
            d.ReportSampling(spec.Source, default,
                             $"no network outputs samples of the data's shape {Shape.Show(data.Shape)}, so there is nothing to draw; "
                             + "check the generator's last layers");
        return fallback?.Name ?? "G";
    }

    /// <summary>
    /// Samples are drawn from fresh latent parts: the generator must be applied in a loss, to latent parts only. Returns its
    /// first application.
    /// </summary>
    static BoundApply? SampledFromLatents(BoundSpec spec, string generator, DiagnosticBag d)
    {
        // At the sample block's generator, or else at the sampled network's name.
        var span = spec.Sampling?.Syntax is not null ? spec.Sampling.GeneratorSpan
                 : spec.Networks.FirstOrDefault(n => n.Name == generator)?.Syntax.Name.Span ?? default;
        var apply = spec.FirstApplication(generator);
        if (apply is null)
            d.ReportSampling(spec.Source, span,
                             $"network {generator} is never applied in a loss, so which latent parts feed it is unknown; "
                             + $"sample a generator the losses apply (generator: NAME)");
        else if (apply.Args.FirstOrDefault(a => a is not BoundLatentRef) is { } other)
            d.ReportSampling(spec.Source, span,
                             $"network {generator} is applied to `{spec.Source[other.Span]}`, which is not a latent part, "
                             + "so it cannot be sampled from noise; sample a generator of latent parts (generator: NAME)");
        return apply;
    }
}
