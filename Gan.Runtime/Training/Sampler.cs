using Gan.Dsl;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>`gan sample`: draws from a run's checkpoint without the user writing code.</summary>
public static class Sampler
{
    /// <summary>Loads the run's spec (its copy in the run folder) and the networks of a checkpoint.</summary>
    public static (ModelIr Model, Dictionary<string, NetworkModule> Nets, CheckpointState State) LoadRun(string runDir, long? step)
    {
        var specPath = Path.Combine(runDir, "spec.gan");
        if (!File.Exists(specPath)) throw new UserInputException($"{runDir}: no spec.gan; is this a run folder made by `gan train`?");
        var result = Compilation.CompileFile(specPath);
        if (result.HasErrors || result.Ir is null)
            throw new UserInputException($"{specPath} no longer compiles: {string.Join("; ", result.Errors.Select(e => e.ToString()))}");
        var nets = result.Ir.Networks.ToDictionary(n => n.Name, n => new NetworkModule(n));
        var state = Checkpoint.Load(Checkpoint.Find(runDir, step), nets, null);
        return (result.Ir, nets, state);
    }

    /// <summary>Writes a grid of <paramref name="n"/> samples (optionally all of class K) and returns the path.</summary>
    public static string Sample(string runDir, int n, string? outFile, int? classIndex, long? step, int seed)
    {
        if (n <= 0) throw new UserInputException($"--n must be positive, got {n}");
        var (model, nets, state) = LoadRun(runDir, step);
        using var scope = NewDisposeScope();
        var latents = Sampling.FixedLatents(model, CPU, seed, n);
        if (classIndex is int k)
        {
            var cls = model.Latents.FirstOrDefault(l => l.Kind is LatentKind.OneHot or LatentKind.Label && latents.ContainsKey(l.Name))
                      ?? throw new UserInputException($"--class: {model.Name} has no class input (no one-hot or label latent part feeds {model.Sampling.Generator})");
            if (k < 0 || k >= cls.Classes) throw new UserInputException($"--class {k}: the spec has classes 0..{cls.Classes - 1}");
            var idx = full([n], k, ScalarType.Int64);
            latents[cls.Name] = cls.Kind == LatentKind.OneHot ? nn.functional.one_hot(idx, cls.Classes).to_type(ScalarType.Float32) : idx;
        }
        var fake = Sampling.Generate(model, nets, latents);
        var path = outFile ?? Path.Combine(runDir, $"sample-step{state.Step}{(classIndex is int c ? $"-class{c}" : "")}.png");
        if (model.Data is Gaussian2dDataIr)
        {
            using var real = Data.Datasets.Gaussian((Gaussian2dDataIr)model.Data, model.Schedule.Seed);
            Images.SaveScatter(real.X, fake, path, $"{n} samples at step {state.Step}");
        }
        else
        {
            int cols = (int)Math.Ceiling(Math.Sqrt(n));
            var (lo, hi) = model.Data.Scale ?? (-1, 1);
            Images.SaveGrid(fake, (n + cols - 1) / cols, cols, lo, hi, path);
        }
        foreach (var m in nets.Values) m.Dispose();
        return path;
    }
}
