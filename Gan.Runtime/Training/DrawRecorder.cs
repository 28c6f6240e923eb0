using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Records every random draw of one training iteration, and the values each step computed, for <see cref="IterationRecord"/>:
/// the real batches (<c>real</c>, <c>labels</c>), latent parts (<c>latent z</c>), the gradient penalty's ε, DiffAugment's
/// draws (<c>augment brightness</c>, ...), the layers' noise and dropout masks. The places that draw consult
/// <see cref="Active"/> (one per thread, null unless an iteration is being recorded) through <see cref="Note"/>, so that
/// training without a recorder draws and computes exactly as before. The emitted train.py's ReplayedDraws hands the draws
/// out again in the same order, under the same names.
/// </summary>
internal sealed class DrawRecorder : IDisposable
{
    [ThreadStatic] static DrawRecorder? active;

    readonly List<(string What, Tensor Value)> draws = [];
    readonly List<(string Optimizer, List<(string Name, Tensor Value)> Values)> steps = [];
    readonly List<List<(string Name, Tensor Value)>> gradients = [];
    readonly List<List<(string Name, Tensor Value)>> before = [];

    /// <summary>The recorder of this thread's current iteration, or null.</summary>
    public static DrawRecorder? Active => active;

    /// <summary>Records <paramref name="value"/> as the draw <paramref name="what"/> when a recorder is active; returns it.</summary>
    public static Tensor Note(string what, Tensor value)
    {
        active?.draws.Add((what, Keep(value)));
        return value;
    }

    /// <summary>Makes this recorder the thread's active one until the result is disposed.</summary>
    public IDisposable Activate()
    {
        if (active is not null) throw new InvalidOperationException("a draw recorder is already active on this thread");
        active = this;
        return new Deactivation();
    }

    sealed class Deactivation : IDisposable
    {
        public void Dispose() => active = null;
    }

    /// <summary>The draws in order: what each was, and its value (a CPU copy).</summary>
    public IReadOnlyList<(string What, Tensor Value)> Draws => draws;

    /// <summary>Each step's optimiser and the values it computed: its loss, the named losses, d_real and d_fake.</summary>
    public IReadOnlyList<(string Optimizer, List<(string Name, Tensor Value)> Values)> Steps => steps;

    /// <summary>Records one optimiser step's values (<paramref name="loss"/>: the loss it minimised, before backward).</summary>
    public void Step(string optimizer, string lossName, Tensor loss, StepContext ctx)
    {
        var values = new List<(string, Tensor)> { (lossName, Keep(loss)) };
        foreach (var (name, t) in ctx.Named) values.Add((name, Keep(t)));
        if (ctx.DReal is { } dr) values.Add(("d_real", Keep(dr)));
        if (ctx.DFake is { } df) values.Add(("d_fake", Keep(df)));
        steps.Add((optimizer, values));
    }

    /// <summary>Each step's gradients (after its backward, before its optimiser steps) of the networks it trains, by
    /// <c>NET.name</c> as <c>gan export</c> names the parameters.</summary>
    public IReadOnlyList<List<(string Name, Tensor Value)>> Gradients => gradients;

    /// <summary>Records the gradients of <paramref name="networks"/> after a step's backward. A gradient a one-pass update
    /// released (set to none) and the backward did not write is a zero gradient to that optimiser, as a zeroed one is to
    /// PyTorch 1.13's <c>zero_grad()</c>: it becomes its zero view again first, so the record holds it as train.py's does.
    /// </summary>
    public void AfterBackward(IEnumerable<string> networks, IReadOnlyDictionary<string, Model.NetworkModule> nets,
                              TorchSharp.Modules.OptimizerHelper optimizer)
    {
        (optimizer as Flat.IFlatOptimizer)?.RestoreReleased();
        var grads = new List<(string, Tensor)>();
        foreach (var net in networks)
            foreach (var (name, p) in Interop.WeightNames.Of(nets[net], Interop.WeightNaming.PyTorch))
                if (p.requires_grad && p.grad is { } g) grads.Add(($"{net}.{name}", Keep(g)));
        gradients.Add(grads);
    }

    /// <summary>Each step's state of every network as the step starts (parameters and buffers, by <c>NET.name</c>); empty for
    /// the first step, which starts from the recorded initial weights.</summary>
    public IReadOnlyList<List<(string Name, Tensor Value)>> Before => before;

    /// <summary>Records the networks' state as a step starts.</summary>
    public void StepStarts(IReadOnlyDictionary<string, Model.NetworkModule> nets) =>
        before.Add(steps.Count == 0 ? [] : [.. IterationRecord.State(nets, "").Select(e => (e.Name, Keep(e.Tensor)))]);

    /// <summary>A detached CPU copy that outlives every dispose scope (the recorder disposes it).</summary>
    static Tensor Keep(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var (_, t) in draws) t.Dispose();
        foreach (var (_, values) in steps) foreach (var (_, t) in values) t.Dispose();
        foreach (var list in gradients.Concat(before)) foreach (var (_, t) in list) t.Dispose();
        gradients.Clear();
        before.Clear();
        draws.Clear();
        steps.Clear();
    }
}
