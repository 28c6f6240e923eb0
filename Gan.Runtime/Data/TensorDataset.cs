using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// A whole dataset in memory: X is N×(sample shape) float32, Y is N int64 class indices or null.
/// When built with <see cref="FromHost"/>, X and Y are views of managed arrays (no second copy), and
/// the batcher gathers from those arrays on its worker thread.
/// </summary>
internal sealed record TensorDataset(Tensor X, Tensor? Y) : IDisposable
{
    public long Count => X.shape[0];

    /// <summary>The array X views (N × sample size floats), when it was built from one.</summary>
    public float[]? HostX { get; private init; }
    /// <summary>The array Y views, when it was built from one.</summary>
    public long[]? HostY { get; private init; }

    /// <summary>Wraps arrays as tensors without copying (the tensors pin the arrays).</summary>
    public static TensorDataset FromHost(float[] x, ReadOnlySpan<long> sampleShape, long[]? y)
    {
        long sampleSize = 1;
        foreach (var d in sampleShape) sampleSize *= d;
        long n = x.Length / sampleSize;
        long[] shape = [n, .. sampleShape];
        using var flat = from_array(x);
        var tx = flat.reshape(shape);                                      // N×(sample shape), shares x
        Tensor? ty = null;
        if (y != null) { using var fy = from_array(y); ty = fy.reshape(n); }   // N, shares y
        return new TensorDataset(tx, ty) { HostX = x, HostY = y };
    }

    /// <summary>The same samples without labels: X (and its array) shared, not owned (do not dispose the view).</summary>
    public TensorDataset WithoutLabels() => new(X, null) { HostX = HostX };

    /// <summary>Copies a tensor's values into a new float32 array (one native copy).</summary>
    public static float[] ToHostFloats(Tensor t)
    {
        var host = new float[t.numel()];
        using var scope = NewDisposeScope();
        from_array(host).copy_(t.detach().reshape(-1).to(ScalarType.Float32, CPU));
        return host;
    }

    /// <summary>Copies a tensor's values into a new int64 array.</summary>
    public static long[] ToHostLongs(Tensor t)
    {
        var host = new long[t.numel()];
        using var scope = NewDisposeScope();
        from_array(host).copy_(t.detach().reshape(-1).to(ScalarType.Int64, CPU));
        return host;
    }

    public void Dispose() { X.Dispose(); Y?.Dispose(); }
}
