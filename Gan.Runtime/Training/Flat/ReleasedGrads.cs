using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// The gradients of a flat optimiser whose update reads each parameter's own gradient (the one-pass CPU Adam). Its zero_grad
/// sets them to none, as PyTorch's <c>zero_grad(set_to_none=True)</c> does, so the next backward stores the fresh gradient
/// itself instead of adding it into a zeroed view of the gradient buffer: one fill and one add over every gradient less per
/// step. The values are the same: a fresh gradient holds what 0 + gradient held. A parameter that had a gradient and gets
/// none from the backward counts as a zero gradient, as its zeroed view did under TorchSharp's zero_grad; one that never had
/// one is skipped by TorchSharp's step, so the caller takes the per-parameter path then.
/// </summary>
internal sealed class ReleasedGrads(FlatLayout layout) : IDisposable
{
    readonly bool[] had = new bool[layout.Parameters.Count];
    Tensor? zeros;

    /// <summary>zero_grad: every gradient set to none (remembering which parameters had one).</summary>
    public void Release()
    {
        var ps = layout.Parameters;
        for (int i = 0; i < ps.Count; i++)
        {
            using var g = ps[i].grad;
            if (g is null) continue;
            had[i] = true;
            ps[i].grad = null;
        }
    }

    /// <summary>The address of each parameter's gradient, as float32 elements in the parameter's order: its own where it is
    /// contiguous float32 on the CPU (else copied into its view of the gradient buffer, which becomes its gradient), a zero
    /// buffer's where it was released and the backward wrote none. Null when a parameter never had a gradient. The
    /// gradients read are added to <paramref name="keep"/>, to be disposed after the update.</summary>
    public IntPtr[]? Pointers(List<Tensor> keep)
    {
        var ps = layout.Parameters;
        var result = new IntPtr[ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            var g = ps[i].grad;
            if (g is null)
            {
                if (!had[i]) return null;
                zeros ??= torch.zeros(ps.Max(p => p.numel()), dtype: ScalarType.Float32).DetachFromDisposeScope();
                result[i] = FlatLayout.PointerOf(zeros);
                continue;
            }
            keep.Add(g);
            had[i] = true;
            if (!(g.is_contiguous() && g.dtype == ScalarType.Float32 && g.device_type == DeviceType.CPU && g.numel() == ps[i].numel()))
            {
                using var _ = no_grad();
                var view = layout.GradView(i);
                view.copy_(g);
                ps[i].grad = view;
                g = view;
            }
            result[i] = FlatLayout.PointerOf(g);
        }
        return result;
    }

    /// <summary>This step's gradient addresses (<see cref="Pointers"/>); disposing it disposes the gradients it read.</summary>
    public sealed class Read(IntPtr[]? addresses, List<Tensor> kept) : IDisposable
    {
        public IntPtr[]? Addresses { get; } = addresses;

        public void Dispose()
        {
            foreach (var g in kept) g.Dispose();
        }
    }

    /// <summary><see cref="Pointers"/>, with the gradients read kept until the result is disposed (after the update).</summary>
    public Read ReadPointers()
    {
        var kept = new List<Tensor>();
        return new Read(Pointers(kept), kept);
    }

    /// <summary>Before TorchSharp's per-parameter step: a released gradient the backward did not write becomes its zeroed view
    /// again, so that step sees the zero gradient a zeroed view gave.</summary>
    public void Restore()
    {
        var ps = layout.Parameters;
        using var _ = no_grad();
        for (int i = 0; i < ps.Count; i++)
        {
            using var g = ps[i].grad;
            if (g is null && had[i]) ps[i].grad = layout.GradView(i).zero_();
        }
    }

    public void Dispose() => zeros?.Dispose();
}
