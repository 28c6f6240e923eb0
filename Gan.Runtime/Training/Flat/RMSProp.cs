using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>TorchSharp's RMSProp over a <see cref="FlatLayout"/>: square_avg and momentum_buffer are views of two flat buffers
/// (grad_avg, read only when centered, stays per parameter). The flat step runs when every parameter has (or had) a gradient
/// and the options are the DSL's (not centered, no maximize, one group); otherwise TorchSharp's per-parameter step runs over
/// the same views. On the CPU in float32 the flat step is <see cref="CpuRmsPropKernel"/>'s one pass over each parameter's
/// own gradient, and zero_grad sets the gradients to none (<see cref="ReleasedGrads"/>); elsewhere it is a few tensor ops
/// per chunk over the bound gradient buffer.</summary>
internal sealed unsafe class RMSProp : TorchSharp.Modules.RMSProp, IFlatOptimizer
{
    FlatLayout? layout;
    readonly FlatLayout built;          // kept for Dispose: `layout` is dropped when the optimiser falls back
    readonly Tensor squareAvg, momentumBuffer;
    FlatChunks? chunks;
    FlatChunks.Scalar[]? scalars;
    readonly StepGrads grads;
    CpuFlatKernel.Segment[]? segments;

    public RMSProp(FlatLayout layout, double lr, double alpha, double eps, double weightDecay, double momentum)
        : base(layout.Parameters, lr, alpha, eps, weightDecay, momentum)
    {
        this.layout = built = layout;
        (squareAvg, momentumBuffer) = (layout.NewBuffer(), layout.NewBuffer());
        Rebind(layout);
        grads = new StepGrads(layout, () => CpuRmsPropKernel.Enabled
                                            && CpuFlatKernel.Applies(layout.Values, layout.Grads!, squareAvg, momentumBuffer));
    }

    public FlatLayout? Layout => layout;

    public long FlatSteps { get; private set; }

    /// <summary>The flat steps <see cref="CpuRmsPropKernel"/> took (the rest ran as tensor ops).</summary>
    public long FusedSteps { get; private set; }

    State StateOf(int i) => (State)_state[layout!.Parameters[i].Handle];

    /// <summary>Makes every state tensor its view (copying a replaced one in).</summary>
    void Rebind(FlatLayout l)
    {
        for (int i = 0; i < l.Parameters.Count; i++)
        {
            var s = StateOf(i);
            s.square_avg = l.StateView(s.square_avg, squareAvg, i);
            s.momentum_buffer = l.StateView(s.momentum_buffer, momentumBuffer, i);
        }
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
            || _parameter_groups[0].Options is not Options { centered: false, maximize: false } o
            || Enumerable.Range(0, layout.Parameters.Count).Any(i => StateOf(i).momentum_buffer is null))
            return PerParameter(closure);
        using var read = grads.Read();
        if (read is null) return PerParameter(closure);
        Rebind(layout);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        FlatSteps++;
        for (int i = 0; i < layout.Parameters.Count; i++) StateOf(i).step += 1;
        if (read.Addresses is null) TensorOps(o);
        else Fused(o, read.Addresses);
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

    /// <summary>The one-pass CPU update over each parameter's value, gradient, square average and momentum buffer.</summary>
    void Fused(Options o, IntPtr[] addresses)
    {
        double alpha = o.alpha!.Value;
        var c = new CpuRmsPropKernel.Constants((float)alpha, (float)(1 - alpha), (float)o.eps!.Value, (float)-o.LearningRate!.Value,
                                               (float)o.weight_decay!.Value, (float)o.momentum!.Value);
        segments ??= CpuFlatKernel.Segments(layout!, squareAvg, momentumBuffer);
        for (int i = 0; i < segments.Length; i++) segments[i].G = (float*)addresses[i];       // only the gradients move
        CpuRmsPropKernel.Step(segments, squareAvg.numel(), c, get_num_threads());
        FusedSteps++;
    }

    /// <summary>The update as whole-buffer tensor ops, chunk by chunk (CUDA, and where the one-pass update does not apply).
    /// </summary>
    void TensorOps(Options o)
    {
        var layout = this.layout!;
        double alpha = o.alpha!.Value, wd = o.weight_decay!.Value, momentum = o.momentum!.Value, lr = o.LearningRate!.Value;
        chunks ??= new FlatChunks(layout.Values, layout.Grads!, squareAvg, momentumBuffer);
        scalars ??= [.. Enumerable.Range(0, 3).Select(_ => new FlatChunks.Scalar(squareAvg))];
        var (a, eps, mu) = (scalars[0].Of(alpha), scalars[1].Of(o.eps!.Value), scalars[2].Of(momentum));
        foreach (var c in chunks.Chunks)
        {
            var (values, grad, square, buffer, avg) = (c[0], c[1], c[2], c[3], c[4]);
            if (wd != 0) grad = grad.add(values, alpha: wd);
            square.mul_(a).addcmul_(grad, grad, value: 1 - alpha);
            avg.copy_(square).sqrt_().add_(eps);                                // TorchSharp: square_avg.sqrt().add_(eps)
            if (momentum > 0)
            {
                buffer.mul_(mu).addcdiv_(grad, avg);
                values.add_(buffer, alpha: -lr);
            }
            else values.addcdiv_(grad, avg, -lr);
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
        squareAvg.Dispose();
        momentumBuffer.Dispose();
    }
}
