using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>TorchSharp's Adam over a <see cref="FlatLayout"/>: exp_avg and exp_avg_sq are views of two flat buffers. The flat
/// step runs when every parameter has (or had) a gradient, every parameter's step count is the same and the options are the
/// DSL's (no amsgrad, no maximize, one group); otherwise TorchSharp's per-parameter step runs over the same views. On the
/// CPU in float32 the flat step is <see cref="CpuAdamKernel"/>'s one pass over each parameter's own gradient, and zero_grad
/// sets the gradients to none (<see cref="ReleasedGrads"/>); elsewhere it is a few tensor ops per chunk over the bound
/// gradient buffer.</summary>
internal sealed unsafe class Adam : TorchSharp.Modules.Adam, IFlatOptimizer
{
    FlatLayout? layout;
    readonly FlatLayout built;          // kept for Dispose: `layout` is dropped when the optimiser falls back
    readonly Tensor expAvg, expAvgSq;
    FlatChunks? chunks;
    readonly StepGrads grads;
    CpuFlatKernel.Segment[]? segments;
    FlatChunks.Scalar[]? scalars;

    public Adam(FlatLayout layout, double lr, double beta1, double beta2, double eps, double weightDecay)
        : base(layout.Parameters, lr, beta1, beta2, eps, weightDecay)
    {
        this.layout = built = layout;
        (expAvg, expAvgSq) = (layout.NewBuffer(), layout.NewBuffer());
        Rebind(layout);
        grads = new StepGrads(layout,
                              () => CpuAdamKernel.Enabled && CpuFlatKernel.Applies(layout.Values, layout.Grads!, expAvg, expAvgSq));
    }

    public FlatLayout? Layout => layout;

    public long FlatSteps { get; private set; }

    /// <summary>The flat steps <see cref="CpuAdamKernel"/> took (the rest ran as tensor ops).</summary>
    public long FusedSteps { get; private set; }

    State StateOf(int i) => (State)_state[layout!.Parameters[i].Handle];

    /// <summary>Makes every state tensor its view (copying a replaced one in); false when the step counts differ.</summary>
    bool Rebind(FlatLayout l)
    {
        for (int i = 0; i < l.Parameters.Count; i++)
        {
            var s = StateOf(i);
            s.exp_avg = l.StateView(s.exp_avg, expAvg, i);
            s.exp_avg_sq = l.StateView(s.exp_avg_sq, expAvgSq, i);
        }
        long step = StateOf(0).step;
        return Enumerable.Range(0, l.Parameters.Count).All(i => StateOf(i).step == step);
    }

    public override void zero_grad()
    {
        if (layout is not null && !layout.BindParameters()) layout = null;
        if (layout is null) base.zero_grad();
        else grads.Zero();
    }

    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (layout is not null && !layout.BindParameters()) layout = null;
        if (closure is not null || layout is null || _parameter_groups.Count != 1
            || _parameter_groups[0].Options is not Options { amsgrad: false, maximize: false } o)
            return PerParameter(closure);
        using var read = grads.Read();
        if (read is null || !Rebind(layout)) return PerParameter(closure);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        FlatSteps++;
        long step = StateOf(0).step + 1;
        for (int i = 0; i < layout.Parameters.Count; i++) StateOf(i).step = step;
        if (read.Addresses is null) TensorOps(o, step);
        else Fused(o, step, read.Addresses);
        return null!;
    }

    /// <inheritdoc cref="IFlatOptimizer.RestoreReleased"/>
    public void RestoreReleased()
    {
        if (layout is not null) grads.Restore();
    }

    /// <summary>TorchSharp's per-parameter step, after <see cref="RestoreReleased"/> (a released gradient the backward did
    /// not write is a zero view again).</summary>
    Tensor PerParameter(Func<Tensor>? closure)
    {
        RestoreReleased();
        return base.step(closure!);
    }

    /// <summary>The one-pass CPU update over each parameter's value, gradient and moments.</summary>
    void Fused(Options o, long step, IntPtr[] addresses)
    {
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, lr = o.LearningRate!.Value;
        var (bias1, bias2) = (1 - Math.Pow(beta1, step), 1 - Math.Pow(beta2, step));
        var c = new CpuAdamKernel.Constants((float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2),
                                            (float)Math.Sqrt(bias2), (float)o.eps!.Value, (float)-(lr / bias1),
                                            (float)o.weight_decay!.Value);
        segments ??= CpuFlatKernel.Segments(layout!, expAvg, expAvgSq);
        for (int i = 0; i < segments.Length; i++) segments[i].G = (float*)addresses[i];       // only the gradients move
        CpuAdamKernel.Step(segments, expAvg.numel(), c, get_num_threads());
        FusedSteps++;
    }

    /// <summary>The update as whole-buffer tensor ops, chunk by chunk (CUDA, and where the one-pass update does not apply).
    /// </summary>
    void TensorOps(Options o, long step)
    {
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, wd = o.weight_decay!.Value, lr = o.LearningRate!.Value;
        var bias1 = 1 - Math.Pow(beta1, step);
        var bias2 = 1 - Math.Pow(beta2, step);
        var layout = this.layout!;
        chunks ??= new FlatChunks(layout.Values, layout.Grads!, expAvg, expAvgSq);
        scalars ??= [.. Enumerable.Range(0, 4).Select(_ => new FlatChunks.Scalar(expAvg))];
        var (b1, b2) = (scalars[0].Of(beta1), scalars[1].Of(beta2));
        var (root, eps) = (scalars[2].Of(Math.Sqrt(bias2)), scalars[3].Of(o.eps!.Value));
        foreach (var c in chunks.Chunks)
        {
            var (values, grad, m, v, denom) = (c[0], c[1], c[2], c[3], c[4]);
            if (wd != 0) grad = grad.add(values, alpha: wd);
            m.mul_(b1).add_(grad, alpha: 1 - beta1);
            v.mul_(b2).addcmul_(grad, grad, value: 1 - beta2);                 // grad.conj() is grad: real dtypes only
            denom.copy_(v).sqrt_().div_(root).add_(eps);                       // TorchSharp: (v.sqrt() / √bias2).add_(eps)
            values.addcdiv_(m, denom, value: -(lr / bias1));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) built.Dispose();       // the buffers the parameters, gradients and state are views of
        if (!disposing) return;
        chunks?.Dispose();
        grads.Dispose();
        foreach (var x in scalars ?? []) x.Dispose();
        expAvg.Dispose();
        expAvgSq.Dispose();
    }
}
