using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>The trainer's entry points for tests and benchmarks: iterations without a run folder.</summary>
internal sealed partial class Trainer
{
    /// <summary>Runs <paramref name="n"/> iterations without logging, sampling or checkpoints (for tests and benchmarks).</summary>
    public void RunSteps(int n)
    {
        var b = Data(_ => { });
        total = Total(b);
        foreach (var net in nets.Values) net.train();
        for (int i = 0; i < n; i++) { Iteration(log: false); Step++; }
    }

    /// <summary>
    /// Runs iteration <paramref name="t"/> (its learning rates, its <c>every</c> steps, its EMA β) as a logged iteration with
    /// the networks in training mode, without a run folder (for <see cref="IterationRecord"/>); returns the run's total
    /// iterations (lr_decay's end).
    /// </summary>
    public long RunIterationAt(long t)
    {
        var b = Data(_ => { });
        total = Total(b);
        foreach (var net in nets.Values) net.train();
        Step = t;
        Iteration(log: true);
        Step++;
        return total;
    }

    /// <summary>Runs one step of the named optimiser on a fresh real batch, networks in training mode (for tests).</summary>
    public void RunOptimizerStep(string optimizer)
    {
        Data(_ => { });
        foreach (var n in nets.Values) n.train();
        using var scope = NewDisposeScope();
        OptimizerStep(model.Optimizers.First(x => x.Name == optimizer), NextBatch(), [], null);
    }
}
