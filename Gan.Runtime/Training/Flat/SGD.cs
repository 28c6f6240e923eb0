using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>TorchSharp's SGD over a <see cref="FlatLayout"/>: with momentum, the momentum buffers are views of one flat buffer,
/// null until the first step (as TorchSharp's, which start as a copy of the first gradient). The flat step runs when every
/// gradient is bound, the buffers are all null or all there, and the options are the DSL's (no dampening, nesterov or
/// maximize; one group); otherwise TorchSharp's per-parameter step runs over the same views.</summary>
internal sealed class SGD : TorchSharp.Modules.SGD, IFlatOptimizer
{
    FlatLayout? layout;
    readonly FlatLayout built;          // kept for Dispose: `layout` is dropped when the optimiser falls back
    readonly Tensor momentumBuffer;

    public SGD(FlatLayout layout, double lr, double momentum, double weightDecay)
        : base(layout.Parameters, lr, momentum, weight_decay: weightDecay)
    {
        this.layout = built = layout;
        momentumBuffer = layout.NewBuffer();
    }

    public FlatLayout? Layout => layout;

    public long FlatSteps { get; private set; }

    State StateOf(int i) => (State)_state[layout!.Parameters[i].Handle];

    public override void zero_grad()
    {
        if (layout is not null && !layout.BindParameters()) layout = null;
        if (layout is null) base.zero_grad();
        else layout.ZeroGrads();
    }

    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (layout is not null && !layout.BindParameters()) layout = null;
        int n = layout?.Parameters.Count ?? 0, buffers = Enumerable.Range(0, n).Count(i => StateOf(i).momentum_buffer is not null);
        if (closure is not null || layout is null || _parameter_groups.Count != 1
            || _parameter_groups[0].Options is not Options { dampening: 0.0, nesterov: false, maximize: false } o
            || (buffers != 0 && buffers != n) || !layout.BindGrads())
            return base.step(closure!);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        FlatSteps++;
        double momentum = o.momentum!.Value, wd = o.weight_decay!.Value, lr = o.LearningRate!.Value;
        var grad = layout.Grads!;
        if (wd != 0) grad = grad.add(layout.Values, alpha: wd);
        if (momentum != 0)
        {
            if (buffers == 0) momentumBuffer.copy_(grad);                         // TorchSharp: buf = grad.clone()
            else
            {
                for (int i = 0; i < n; i++) StateOf(i).momentum_buffer = layout.StateView(StateOf(i).momentum_buffer, momentumBuffer, i);
                momentumBuffer.mul_(momentum).add_(grad, alpha: 1);               // 1 − dampening, dampening 0
            }
            if (buffers == 0)
            {
                var views = layout.ViewsOf(momentumBuffer);
                for (int i = 0; i < n; i++) StateOf(i).momentum_buffer = views[i];
            }
            grad = momentumBuffer;
        }
        layout.Values.add_(grad, alpha: -lr);
        return null!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) built.Dispose();       // the buffers the parameters, gradients and state are views of
        if (disposing) momentumBuffer.Dispose();
    }
}
