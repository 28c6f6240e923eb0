using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// The constants a run's loss expressions use, allocated once and kept for the whole run (outside every
/// dispose scope), so a training step does not allocate them: scalars, and constant BCE targets in the
/// shape of each prediction they are compared with (no expand per step), and identity matrices whose rows are one-hot codes.
/// </summary>
internal sealed class RunConstants : IDisposable
{
    readonly Dictionary<double, Tensor> scalars = [];
    readonly Dictionary<(double, long, long), Tensor> shaped = [];
    readonly Dictionary<(int, ScalarType), Tensor> identities = [];

    /// <summary>A 0-dimensional float32 constant on <paramref name="device"/> (a run uses one device).</summary>
    public Tensor Scalar(double value, Device device)
    {
        if (!scalars.TryGetValue(value, out var t)) scalars[value] = t = tensor((float)value, device: device).DetachFromDisposeScope();
        return t;
    }

    /// <summary><paramref name="value"/> in the shape, type and device of an N×K <paramref name="prediction"/>.</summary>
    public Tensor Like(double value, Tensor prediction)
    {
        var key = (value, prediction.shape[0], prediction.shape[1]);
        if (!shaped.TryGetValue(key, out var t))
            shaped[key] = t = full(prediction.shape, value, dtype: prediction.dtype, device: prediction.device).DetachFromDisposeScope();
        return t;
    }

    /// <summary>The k×k identity of <paramref name="dtype"/>: row i is class i's one-hot code.</summary>
    public Tensor Identity(int k, ScalarType dtype, Device device)
    {
        if (!identities.TryGetValue((k, dtype), out var t))
            identities[(k, dtype)] = t = eye(k, dtype: dtype, device: device).DetachFromDisposeScope();
        return t;
    }

    public void Dispose()
    {
        foreach (var t in scalars.Values.Concat(shaped.Values).Concat(identities.Values)) t.Dispose();
        scalars.Clear();
        shaped.Clear();
        identities.Clear();
    }
}
