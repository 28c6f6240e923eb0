using Gan.Dsl;
using Gan.Runtime;
using Gan.Runtime.Data;
using Gan.Runtime.Training;
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
        Console.WriteLine($"sngan32 parameters: compiled G {trainer.Networks["G"].TrainableCount:N0}, D {trainer.Networks["D"].TrainableCount:N0}; " +
                          $"hand-written G {hand.GParameters:N0}, D {hand.DParameters:N0} (reference G 4,276,739, D 1,053,825)");
        var (compiled, handRates) = Harness.Alternate(itersPerRound,
            () => trainer.RunSteps(itersPerRound), () => { for (int i = 0; i < itersPerRound; i++) hand.Step(); }, rounds, warmup: 1);
        var c = Harness.Summarise($"compiled sngan32 (batch {batch})", "ms/iter", [.. compiled.Select(r => 1000 / r)]);
        var h = Harness.Summarise($"hand-written sngan32 (batch {batch})", "ms/iter", [.. handRates.Select(r => 1000 / r)]);
        Console.WriteLine(c);
        Console.WriteLine(h);
        Console.WriteLine($"{"ratio hand/compiled ms (>= 0.95 target)",-48} {h.Median / c.Median,12:F3}");
        Console.WriteLine($"per-round ratios: {string.Join(" ", compiled.Zip(handRates, (a, b) => (a / b).ToString("F3")))}");
    }
}
