namespace Gan.Runtime.Training.Flat;

/// <summary>
/// A flat optimiser's gradients at its step, shared by <see cref="Adam"/> and <see cref="RMSProp"/>. Until the one-pass CPU
/// update applies (decided at the first flat step by <paramref name="onePass"/>), zero_grad zeroes the layout's gradient
/// buffer and a step binds every gradient into it for the tensor-op update. Once it applies, zero_grad sets the gradients
/// to none and a step reads each one's address (<see cref="ReleasedGrads"/>).
/// </summary>
internal sealed class StepGrads(FlatLayout layout, Func<bool> onePass) : IDisposable
{
    bool? fused;
    ReleasedGrads? released;

    /// <summary>zero_grad over the bound layout.</summary>
    public void Zero()
    {
        if (released is not null) released.Release();
        else layout.ZeroGrads();
    }

    /// <summary>This step's gradients, to dispose after the update: bound in the gradient buffer (no addresses), or each
    /// one's address for the one-pass update. Null when the flat step cannot run: a gradient cannot be bound, or a
    /// parameter never had one.</summary>
    public ReleasedGrads.Read? Read()
    {
        if (fused ??= onePass()) released ??= new ReleasedGrads(layout);
        if (released is null) return layout.BindGrads() ? new ReleasedGrads.Read(null, []) : null;
        var read = released.ReadPointers();
        if (read.Addresses is not null) return read;
        read.Dispose();
        return null;
    }

    /// <summary>Before TorchSharp's per-parameter step: see <see cref="ReleasedGrads.Restore"/>.</summary>
    public void Restore() => released?.Restore();

    public void Dispose() => released?.Dispose();
}
