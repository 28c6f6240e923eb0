using System.Collections.Immutable;
using Gan.Dsl;
using Gan.Dsl.Ir;
using Gan.Runtime;
using Gan.Runtime.Data;
using Gan.Runtime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// specs/sngan32.gan through the trainer against <see cref="SnganHand"/>: ms per training iteration (5 D steps and 1 G step,
/// real batches drawn from a random 3,786×3×32×32 set, DiffAugment, EMA, lr decay), alternating rounds in one process.
/// </summary>
public static class SnganBench
{
    public static void Run(int batch, int itersPerRound, int rounds)
    {
        var ir = Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), "sngan32.gan")).Ir!;
        using var hand = new SnganHand(batch, CPU);
        var data = new TensorDataset((rand(3786, 3, 32, 32) * 2 - 1).DetachFromDisposeScope(), null);
        using var trainer = new Trainer(ir, new TrainOptions { RunFolder = false, Batch = batch }, data);
        var (cg, cd) = (trainer.Networks["G"], trainer.Networks["D"]);
        Console.WriteLine($"sngan32 parameters: compiled G {cg.TrainableCount:N0}, D {cd.TrainableCount:N0}; " +
                          $"hand-written G {hand.GParameters:N0}, D {hand.DParameters:N0} (reference G 4,276,739, D 1,053,825)");
        Action runCompiled = () => trainer.RunSteps(itersPerRound);
        Action runHand = () => { for (int i = 0; i < itersPerRound; i++) hand.Step(); };
        runCompiled(); runHand();                                                               // warm-up
        // Rounds alternate which side goes first (ABBA…), so neither always runs on the other's leftovers.
        var compiled = new double[rounds];
        var handMs = new double[rounds];
        var compiledCpu = new double[rounds];
        var handCpu = new double[rounds];
        var proc = System.Diagnostics.Process.GetCurrentProcess();
        // Wall and process CPU time per iteration: on a shared machine the CPU time (all threads) moves less with the
        // neighbours' load than the wall time does.
        (double Wall, double Cpu) Time(Action a)
        {
            proc.Refresh();
            var cpu0 = proc.TotalProcessorTime;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            a();
            double wall = sw.Elapsed.TotalMilliseconds / itersPerRound;
            proc.Refresh();
            return (wall, (proc.TotalProcessorTime - cpu0).TotalMilliseconds / itersPerRound);
        }
        for (int r = 0; r < rounds; r++)
        {
            if (r % 2 == 0) { (compiled[r], compiledCpu[r]) = Time(runCompiled); (handMs[r], handCpu[r]) = Time(runHand); }
            else { (handMs[r], handCpu[r]) = Time(runHand); (compiled[r], compiledCpu[r]) = Time(runCompiled); }
        }
        Report("wall", compiled, handMs);
        Report("CPU", compiledCpu, handCpu);

        void Report(string clock, double[] c, double[] h)
        {
            var cs = Harness.Summarise($"compiled sngan32 (batch {batch}), {clock}", "ms/iter", c);
            var hs = Harness.Summarise($"hand-written sngan32 (batch {batch}), {clock}", "ms/iter", h);
            var paired = Harness.Summarise("", "", [.. h.Zip(c, (a, b) => a / b)]);
            Console.WriteLine(cs);
            Console.WriteLine(hs);
            Console.WriteLine($"{"ratio hand/compiled (" + clock + "), of the medians",-48} {hs.Median / cs.Median,12:F3}   " +
                              "(target >= 0.95)");
            Console.WriteLine($"{"ratio hand/compiled (" + clock + "), median of rounds",-48} {paired.Median,12:F3}   " +
                              $"(min {paired.Min:F3}, max {paired.Max:F3})");
        }
    }
}

/// <summary>The parts of an sngan32 iteration timed one at a time, compiled networks against hand-written ones.</summary>
public static class SnganProfile
{
    public static void Run(int batch, int repeats)
    {
        var ir = Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), "sngan32.gan")).Ir!;
        using var hand = new SnganHand(batch, CPU);
        var data = new TensorDataset((rand(3786, 3, 32, 32) * 2 - 1).DetachFromDisposeScope(), null);
        using var trainer = new Trainer(ir, new TrainOptions { RunFolder = false, Batch = batch }, data);
        var (cg, cd, cema) = (trainer.Networks["G"], trainer.Networks["D"], trainer.Networks["G_ema"]);
        foreach (var n in trainer.Networks.Values) n.train();
        hand.G.train(); hand.D.train();
        var policies = ir.Losses.SelectMany(l => Augments(l.Expr)).First();
        using var gen = new torch.Generator(1);

        void Pair(string what, Action compiled, Action handWritten)
        {
            var (c, h) = Harness.Alternate(1, () => Scoped(compiled), () => Scoped(handWritten), repeats, warmup: 1);
            double cm = Harness.Summarise("", "", [.. c.Select(r => 1000 / r)]).Median;
            double hm = Harness.Summarise("", "", [.. h.Select(r => 1000 / r)]).Median;
            Console.WriteLine($"{what,-40} compiled {cm,9:F1} ms   hand-written {hm,9:F1} ms   hand/compiled {hm / cm,6:F3}");
        }
        Pair("G forward", () => cg.call(randn(batch, 128)), () => hand.G.call(randn(batch, 128)));
        Pair("G forward + backward", () => cg.call(randn(batch, 128)).sum().backward(),
             () => hand.G.call(randn(batch, 128)).sum().backward());
        Pair("D forward + backward", () => cd.call(rand(batch, 3, 32, 32)).sum().backward(),
             () => hand.D.call(rand(batch, 3, 32, 32)).sum().backward());
        Pair("DiffAugment forward + backward", () => Gan.Runtime.Losses.DiffAugment.Apply(rand(batch, 3, 32, 32).requires_grad_(),
                 policies, gen).sum().backward(),
             () => SnganHand.Augment(rand(batch, 3, 32, 32).requires_grad_()).sum().backward());
        Pair("EMA update (beta 0.9999)", () => EmaCopies.Update(cema, cg, 0.9999), () => hand.EmaUpdate(0.9999));
        using var batches = new Batches(data, batch, 0, true);
        Pair("real batch", () => batches.Next(), () => Real.Draw(data.X, batch));
    }

    static void Scoped(Action a) { using var scope = NewDisposeScope(); a(); }

    static IEnumerable<ImmutableArray<AugmentPolicyIr>> Augments(LossExprIr e) =>
        (e is AugmentIr a ? [a.Policies] : Enumerable.Empty<ImmutableArray<AugmentPolicyIr>>()).Concat(e.Children.SelectMany(Augments));
}
