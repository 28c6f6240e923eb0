using Gan.Dsl;
using Gan.Runtime;
using Gan.Runtime.Data;
using Gan.Runtime.Profiling;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// `ops [SPEC ...]`: the ATen operator calls of one training iteration of each spec (every dispatcher call, forward,
/// backward and optimiser; <see cref="OpCounter"/>). The count does not depend on the batch, so the spec runs at batch 8
/// (a multiple of every minibatch_stddev group here) on random data of its shape and classes, held in managed arrays as
/// the loaded datasets are. Two iterations warm up (lazy state such as SGD's momentum buffers); then iterations 3–10 are
/// counted one by one: the mean, and min–max where a schedule's <c>every</c> makes iterations differ.
/// GAN_BENCH_OPS_TOP=N lists N operators per spec (default 6); GAN_BENCH_TORCHSHARP_OPTIMIZERS=1 counts with TorchSharp's own
/// per-parameter optimisers instead of the flat-buffer ones; GAN_BENCH_EVERY_GRADIENT=1 computes every network's gradients in
/// every step, as before the trainer froze the networks a step does not train.
/// </summary>
public static class OpsBench
{
    /// <summary>GAN_BENCH_TORCHSHARP_OPTIMIZERS=1: TorchSharp's per-parameter optimisers (ops and ratio), to compare.</summary>
    public static bool TorchSharpOptimizers => Environment.GetEnvironmentVariable("GAN_BENCH_TORCHSHARP_OPTIMIZERS") == "1";

    /// <summary>GAN_BENCH_EVERY_GRADIENT=1: every step computes every network's gradients (no freezing), to compare.</summary>
    public static bool EveryGradient => Environment.GetEnvironmentVariable("GAN_BENCH_EVERY_GRADIENT") == "1";

    public static void Run(string[] specs)
    {
        var paths = specs.Length > 0
            ? specs.Select(s => File.Exists(s) ? s : Path.Combine(CompiledBench.SpecsDir(), s + ".gan")).ToArray()
            : Directory.GetFiles(CompiledBench.SpecsDir(), "*.gan").Order().ToArray();
        Console.WriteLine($"{"spec",-22} {"ops/iteration",14} {"min–max",14} {"param tensors",14} {"top operators (calls per iteration)"}");
        foreach (var path in paths)
        {
            var r = Compilation.CompileFile(path);
            if (r.Ir is not { } ir || r.IsLibrary) continue;
            var (mean, min, max, top, tensors) = Count(ir);
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(path),-22} {mean,14:F1} {$"{min}–{max}",14} {tensors,14} {top}");
        }
    }

    static (double Mean, long Min, long Max, string Top, string Tensors) Count(Gan.Dsl.Ir.ModelIr ir)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        const int batch = 8, n = 8;
        var shape = ir.Data.Shape.Select(d => (long)d).ToArray();
        long size = shape.Aggregate(1L, (a, b) => a * b);
        var rng = new Random(0);
        var x = new float[256 * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        long[]? y = ir.Data.Classes > 0 ? [.. Enumerable.Range(0, 256).Select(i => (long)(i % ir.Data.Classes))] : null;
        var data = TensorDataset.FromHost(x, shape, y);
        using var trainer = new Trainer(ir, new TrainOptions
        {
            RunFolder = false, Batch = batch,
            TorchSharpOptimizers = TorchSharpOptimizers, EveryGradient = EveryGradient,
        }, data);
        var tensors = string.Join(" ", ir.Optimizers.Where(o => o.SharesStateOf is null)
            .Select(o => $"{o.Name}:{trainer.OptimizerOf(o.Name).parameters().Count()}"));
        trainer.RunSteps(2);
        var counts = new List<long>();
        var byOp = new Dictionary<string, long>();
        using (var counter = new OpCounter(byOperator: true))
            for (int i = 0; i < n; i++)
            {
                counter.Reset();
                trainer.RunSteps(1);
                counts.Add(counter.Count);
                foreach (var (k, v) in counter.ByOperator()) byOp[k] = byOp.GetValueOrDefault(k) + v;
            }
        int shown = int.TryParse(Environment.GetEnvironmentVariable("GAN_BENCH_OPS_TOP"), out var m) && m > 0 ? m : 6;
        var top = string.Join(", ", byOp.OrderByDescending(kv => kv.Value).Take(shown)
                                        .Select(kv => $"{kv.Key.Replace("aten::", "")} {kv.Value / (double)n:F0}"));
        return (counts.Average(), counts.Min(), counts.Max(), top, tensors);
    }
}
