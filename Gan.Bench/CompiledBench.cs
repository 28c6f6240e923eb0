using System.Diagnostics;
using Gan.Dsl;
using Gan.Dsl.Ir;
using TorchSharp;
using Gan.Dsl.Layers;
using Gan.Runtime;
using Gan.Runtime.Model;
using Gan.Runtime.Profiling;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>Compile-time figures and compiled-vs-hand-written training throughput.</summary>
public static class CompiledBench
{
    public static string SpecsDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "specs"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? ".", "specs");
    }

    /// <summary>Parse + check + lower, and building the TorchSharp modules, per spec: cold (first) and warm (median).</summary>
    public static void CompileTimes()
    {
        foreach (var f in Directory.GetFiles(SpecsDir(), "*.gan").OrderBy(f => f, StringComparer.Ordinal))
        {
            var text = File.ReadAllText(f);
            var sw = Stopwatch.StartNew();
            var r = Compilation.Compile(f, text);
            double cold = sw.Elapsed.TotalMilliseconds;
            var check = Harness.Milliseconds($"check {Path.GetFileName(f)}", () => Compilation.Compile(f, text), warmup: 3, repeats: 15);
            var build = Harness.Milliseconds($"check+build {Path.GetFileName(f)}", () =>
            {
                var ir = Compilation.Compile(f, text).Ir!;
                foreach (var n in ir.Networks) new NetworkModule(n).Dispose();
            }, warmup: 1, repeats: 5);
            Console.WriteLine($"{Path.GetFileName(f),-24} first compile {cold,8:F1} ms | warm check {check.Median,7:F2} ms | " +
                              $"warm check+build modules {build.Median,8:F1} ms ({r.Ir!.TotalParameters:N0} params)");
        }
    }

    /// <summary>
    /// CPU efficiency of the mnist-mlp training step: achieved matmul GFLOP/s against sgemm at the same thread count. The
    /// FLOPs are those of the products autograd runs (<c>gan bench</c>'s count, StepFlops): the G step passes G (forward,
    /// weight gradients, input gradients but the first layer's: z needs none) and the frozen D (forward and input
    /// gradients); the D step (fakes: per_iteration) passes D twice, on real data and on the G step's detached fakes
    /// (forward, weight gradients, input gradients but the first layer's). For mnist-mlp that is 14 addmm and 22 mm.
    /// </summary>
    public static void Efficiency(string spec, int stepsPerRound, int rounds)
    {
        var ir = Compilation.CompileFile(Path.Combine(SpecsDir(), spec + ".gan")).Ir!;
        int batch = ir.Schedule.Batch;
        double flopsPerIteration = StepFlops.Iteration(ir, StepFlops.Steps(ir), 0, batch);
        // GAN_BENCH_EVERY_GRADIENT=1: the G step computes D's weight gradients too (as the seeds' loops do).
        if (OpsBench.EveryGradient) flopsPerIteration += 2.0 * batch * StepFlops.Macs(ir.Networks.First(n => n.Name == "D"));
        using var trainer = new Trainer(ir, new TrainOptions { RunFolder = false, EveryGradient = OpsBench.EveryGradient });
        {
            // Rounds of the step alternate with rounds of sgemm (seven products each), so the machine's drift reaches both.
            using var a = torch.randn(1024, 1024); using var b = torch.randn(1024, 1024);
            // Each product into one output (as gan bench): sgemm's rate, not its fresh output's page faults.
            using var c = torch.empty(1024, 1024);
            const int products = 7;
            var (stepRates, sgemmRates) = Harness.Alternate(stepsPerRound * flopsPerIteration / 1e9,
                () => trainer.RunSteps(stepsPerRound), products * 2.0 * 1024 * 1024 * 1024 / 1e9,
                () => { for (int i = 0; i < products; i++) c.addmm_(a, b, beta: 0, alpha: 1); }, rounds);
            var m = Harness.Summarise(
                $"compiled {spec} training step (batch {batch}, {flopsPerIteration / 1e9:F2} GFLOP/iteration)", "GFLOP/s", stepRates);
            var peak = Harness.Summarise("sgemm 1024x1024x1024", "GFLOP/s", sgemmRates);
            Console.WriteLine(m);
            Console.WriteLine(peak);
            Console.WriteLine($"{"efficiency " + spec + " step / sgemm",-48} {m.Median / peak.Median,12:P1}");
            // sgemm on its own, one product per repeat after warm products: its best sustained rate, a stricter denominator.
            var alone = Harness.Throughput(
                "sgemm 1024x1024x1024 alone", "GFLOP/s", 2.0 * 1024 * 1024 * 1024 / 1e9, () => c.addmm_(a, b, beta: 0, alpha: 1));
            Console.WriteLine(alone);
            Console.WriteLine($"{"efficiency " + spec + " step / sgemm alone",-48} {m.Median / alone.Median,12:P1}");
            // The same products at the model's own shapes, alone: per linear layer (in → out) at this batch, the forward
            // (b×in · in×out) and the backward's weight gradient (out×b · b×in) and input gradient (b×out · out×in). G's
            // once, without its first layer's input gradient; D's forward three times, its weight gradients twice (the D
            // step; three times with GAN_BENCH_EVERY_GRADIENT), and its input gradients three times but the first layer's
            // once (the G step only). What the step's matmuls could reach if nothing else took time.
            int dWeightGradients = OpsBench.EveryGradient ? 3 : 2;
            var passes = new[]
            {
                (Net: "G", Forwards: 1, WeightGradients: 1, InputGradients: 1, FirstInputGradients: 0),
                (Net: "D", Forwards: 3, WeightGradients: dWeightGradients, InputGradients: 3, FirstInputGradients: 1),
            };
            var layers = passes.SelectMany(nw =>
                ir.Networks.First(n => n.Name == nw.Net).Nodes.Select(n => n.Op).OfType<LinearOp>().Select((l, i) =>
                    (l.In, l.Out, nw.Forwards, nw.WeightGradients, InputGradients: i == 0 ? nw.FirstInputGradients : nw.InputGradients)))
                .ToList();
            double productFlops = layers.Sum(l => 2.0 * batch * l.In * l.Out * (l.Forwards + l.WeightGradients + l.InputGradients));
            if (Math.Abs(productFlops - flopsPerIteration) > 1e-6 * flopsPerIteration)
                Console.WriteLine($"# the products below ({productFlops / 1e9:F4} GFLOP) differ from the step's count");
            // Each product through the library the step takes for it (CpuLinear: addmm on MKL, or oneDNN's 1×1 convolution),
            // its gradients by autograd, as in the step, asking for exactly the counted ones.
            var operands = layers.Select(l => (X: torch.randn(batch, l.In), W: torch.randn(l.Out, l.In), Dy: torch.randn(batch, l.Out),
                                               l.Forwards, l.WeightGradients, l.InputGradients)).ToList();
            int onOneDnn = operands.Count(o => Gan.Runtime.Model.CpuLinear.Applies(o.X, o.W.shape[0]));
            var own = Harness.Throughput(
                $"the step's products alone ({layers.Count} layer shapes, {onOneDnn} on oneDNN, batch {batch})", "GFLOP/s",
                productFlops / 1e9, () =>
                {
                    foreach (var (x, w, dy, forwards, weightGradients, inputGradients) in operands)
                        for (int t = 0; t < forwards; t++)
                        {
                            using var scope = torch.NewDisposeScope();
                            var (xs, ws) = (x.detach().requires_grad_(t < inputGradients), w.detach().requires_grad_(t < weightGradients));
                            var y = Gan.Runtime.Model.CpuLinear.Forward(xs, ws, null);
                            if (t < inputGradients || t < weightGradients) y.backward([dy]);
                        }
                }, warmup: 3, repeats: rounds * 3);
            Console.WriteLine(own);
            Console.WriteLine($"{"efficiency " + spec + " step / its own products",-48} {m.Median / own.Median,12:P1}");
            foreach (var o in operands) { o.X.Dispose(); o.W.Dispose(); o.Dy.Dispose(); }
            Ceiling(ir, trainer, flopsPerIteration, m.Median, own.Median, alone.Median, rounds);
        }
    }

    /// <summary>
    /// The most of sgemm the step could reach on this machine: its products alone plus its optimiser steps alone, as if
    /// nothing else (element-wise work, autograd, the loss, the data) took any time. Two floors for the optimisers: their
    /// steps as they run (timed alone, on the step's last gradients), and the least memory traffic any Adam must make (read
    /// parameter, gradient and both moments, write parameter and both moments: 28 bytes per parameter) at this machine's
    /// copy bandwidth over buffers of the same size. Runs last: the extra optimiser steps move the parameters.
    /// </summary>
    static void Ceiling(ModelIr ir, Trainer trainer, double flopsPerIteration, double stepRate, double productsRate, double sgemmRate,
                        int rounds)
    {
        var opts = ir.Optimizers.Select(o => trainer.OptimizerOf(o.Name)).ToList();
        var optimiser = Harness.Milliseconds($"the optimisers' steps alone ({opts.Count}, one each)", () =>
        {
            foreach (var o in opts) o.step();
        }, warmup: 3, repeats: rounds * 3);
        Console.WriteLine(optimiser);
        long parameters = ir.Networks.Sum(n => n.Parameters);
        using var src = torch.randn(parameters); using var dst = torch.empty(parameters);
        var stream = Harness.Throughput($"copy bandwidth ({parameters * 4 / 1e6:F1} MB buffers)", "GB/s", 2.0 * 4 * parameters / 1e9,
            () => dst.copy_(src), warmup: 3, repeats: rounds * 3);
        Console.WriteLine(stream);
        double adamFloorMs = 28.0 * parameters / 1e9 / stream.Median * 1e3;
        double productsMs = flopsPerIteration / 1e9 / productsRate * 1e3;
        Console.WriteLine($"{"Adam's least traffic (28 B × " + parameters.ToString("N0") + " parameters)",-48} " +
                          $"{adamFloorMs,12:F2} ms");
        double Share(double ms) => flopsPerIteration / 1e9 / (ms / 1e3) / sgemmRate;
        Console.WriteLine($"{"ceiling: products + optimisers alone / sgemm",-48} {Share(productsMs + optimiser.Median),12:P1}");
        double ceilingRate = flopsPerIteration / 1e9 / ((productsMs + optimiser.Median) / 1e3);
        Console.WriteLine($"{"the step / that ceiling",-48} {stepRate / ceilingRate,12:P1}");
        Console.WriteLine($"{"ceiling: products + Adam's least traffic / sgemm",-48} {Share(productsMs + adamFloorMs),12:P1}");
    }

    /// <summary>The compiled spec's trainer against the hand-written loop, alternating rounds in one process.</summary>
    public static void Throughput(string spec, IHandWritten hand, int stepsPerRound, int rounds)
    {
        var ir = Compilation.CompileFile(Path.Combine(SpecsDir(), spec + ".gan")).Ir!;
        try
        {
            using var trainer = new Trainer(ir, new TrainOptions
            {
                RunFolder = false, Batch = hand.Batch, TorchSharpOptimizers = OpsBench.TorchSharpOptimizers,
                EveryGradient = OpsBench.EveryGradient,
            });
            int imagesPerIteration = hand.Batch * ir.Schedule.Order.Sum(s => s.Repeat);
            var (compiled, handRates) = Harness.Alternate(stepsPerRound * imagesPerIteration,
                () => trainer.RunSteps(stepsPerRound), () => { for (int i = 0; i < stepsPerRound; i++) hand.Step(); }, rounds);
            var c = Harness.Summarise($"compiled {spec}", "images/s", compiled);
            var h = Harness.Summarise($"hand-written {spec}", "images/s", handRates);
            Console.WriteLine(c);
            Console.WriteLine(h);
            Console.WriteLine($"{"ratio compiled/hand-written " + spec,-48} {c.Median / h.Median,12:F3}");
        }
        finally
        {
            hand.Dispose();
        }
    }
}

/// <summary>Resident memory over a long run: steady-state growth and peak.</summary>
public static class MemoryBench
{
    public static void Run(string spec, int[] checkpoints)
    {
        var ir = Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), spec + ".gan")).Ir!;
        using var trainer = new Trainer(ir, new TrainOptions { RunFolder = false });
        {
            var proc = Process.GetCurrentProcess();
            int done = 0;
            long peak = 0;
            var sw = Stopwatch.StartNew();
            foreach (var target in checkpoints)
            {
                while (done < target)
                {
                    int n = Math.Min(100, target - done);
                    trainer.RunSteps(n);
                    done += n;
                    proc.Refresh();
                    peak = Math.Max(peak, proc.WorkingSet64);
                }
                proc.Refresh();
                Console.WriteLine(
                    $"memory {spec}: step {done,6}  RSS {proc.WorkingSet64 / 1048576.0,8:F1} MiB  peak {peak / 1048576.0,8:F1} MiB  " +
                    $"live tensors {TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount}  " +
                    $"({sw.Elapsed.TotalSeconds:F0} s, data wait {trainer.DataWaitFraction:P2})");
            }
        }

    }
}
