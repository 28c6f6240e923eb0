using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Sampling;

/// <summary>
/// Drawing from the sampled generator: fixed latent parts (per-class rows, InfoGAN's code sweeps) and generation in
/// eval mode. The IR says which latent parts feed the generator, in order, and which output it reads.
/// </summary>
internal static class Generation
{
    /// <summary>
    /// Latent values for a picture, fixed for the whole run (seeded), with class rows and code sweeps. They belong to the
    /// caller's dispose scope (with none, the caller disposes them); the draws come from their own generator, never the
    /// process-wide one.
    /// </summary>
    /// <param name="count">how many samples; null: the picture the data kind draws (a grid, or as many points as the 2-D data)</param>
    public static Dictionary<string, Tensor> FixedLatents(ModelIr model, Device device, int seed, int? count = null)
    {
        var s = model.Sampling;
        int n = count ?? DataKind.For(model.Data).PictureCount(model);
        using var scope = NewDisposeScope();
        var gen = new Generator((ulong)seed + 4242);
        var result = new Dictionary<string, Tensor>();
        foreach (var name in s.Latents.Distinct())
        {
            var l = model.Latent(name);
            var t = LatentDraws.Draw(l, n, gen, CPU);
            if (name == s.ClassLatent && count is null)
                t = tensor(Enumerable.Range(0, n).Select(i => (long)(i / s.Cols)).ToArray());                    // row r = class r
            t = LatentDraws.Encode(l, t);
            if (name == s.CodeLatent && count is null)
                t[.., s.CodeIndex] = linspace(0, 1, s.Cols).repeat(s.Rows).to_type(t.dtype);                 // columns sweep [0, 1]
            result[name] = t.to(device).MoveToOuterDisposeScope();
        }
        return result;
    }

    /// <summary>
    /// What sampling draws from, when the spec keeps an EMA copy of its generator (else null): "sampling G_ema (EMA of G;
    /// --no-ema for G)", or "sampling G (raw; the spec also keeps G_ema)" when the raw network was chosen.
    /// </summary>
    /// <param name="raw">how to choose the raw network instead: "--no-ema" (the CLI), or the sample block's setting.</param>
    public static string? Describe(ModelIr model, string raw = "--no-ema")
    {
        var s = model.Sampling;
        if (s.Ema is { } ema) return $"sampling {ema} (EMA of {s.Generator}; {raw} for {s.Generator})";
        return model.Schedule.Emas.FirstOrDefault(e => e.Network == s.Generator) is { } kept
            ? $"sampling {s.Generator} (the trained network, not its EMA copy {kept.Name})" : null;
    }

    /// <summary>
    /// Generates from fixed latents with the generator in eval mode: BatchNorm uses running statistics, or the
    /// batch's own under sample { bn: batch } (never updating the running ones).
    /// </summary>
    public static Tensor Generate(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets,
                                  IReadOnlyDictionary<string, Tensor> latents)
    {
        var g = nets[model.Sampling.Sampled];      // the EMA copy (G_ema) when the spec keeps one, else the generator
        bool wasTraining = g.training;
        g.eval();
        g.BatchNormStatsInEval(model.Sampling.BatchStats);
        try
        {
            using var _ = no_grad();
            return g.Output(g.JoinInputs([.. model.Sampling.Latents.Select(n => latents[n])]), model.Sampling.Output);
        }
        finally
        {
            g.BatchNormStatsInEval(false);
            if (wasTraining) g.train();
        }
    }

    /// <summary>
    /// Generates <paramref name="n"/> samples from the given latents in chunks of 500 (the batch that sample { bn: batch } normalises
    /// over).
    /// </summary>
    public static Tensor GenerateMany(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, Dictionary<string, Tensor> latents,
                                      int n)
    {
        var parts = new List<Tensor>();
        for (int i = 0; i < n; i += 500)
        {
            // Each chunk's intermediate values are freed before the next: only the images outlive the chunk's scope.
            using var scope = NewDisposeScope();
            var part = latents.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, i, Math.Min(500, n - i)));
            parts.Add(Generate(model, nets, part).MoveToOuterDisposeScope());
        }
        return cat(parts, 0);
    }
}
