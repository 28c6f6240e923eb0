using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// The trainer's batch stream over a <see cref="TensorDataset"/>: a <see cref="Batcher"/> (shuffled
/// from the run seed, one batch prefetched on a worker thread) whose host batches become CPU tensors
/// in the caller's dispose scope. (Epoch, Index) is the resumable position; see <see cref="BatchOrder"/>
/// for the shuffle and the last-partial-batch policy.
/// </summary>
public sealed class Batches : IDisposable
{
    readonly Batcher batcher;
    readonly long[] sampleShape;

    public Batches(TensorDataset data, int batch, int seed, bool dropLast, bool prefetch = true)
    {
        // A dataset built from tensors (tests, benchmarks) is copied once into arrays for the worker.
        var x = data.HostX ?? TensorDataset.ToHostFloats(data.X);
        var y = data.Y is null ? null : data.HostY ?? TensorDataset.ToHostLongs(data.Y);
        sampleShape = data.X.shape[1..];
        long sampleSize = 1;
        foreach (var d in sampleShape) sampleSize *= d;
        batcher = new Batcher(x, (int)sampleSize, y, batch, seed, dropLast, prefetch);
    }

    public int Epoch => batcher.Position.Epoch;
    public long Index => batcher.Position.Index;
    public long BatchesPerEpoch => batcher.BatchesPerEpoch;
    public bool EpochExhausted => batcher.EpochExhausted;

    /// <summary>Total time spent waiting for a batch that the worker had not finished.</summary>
    public TimeSpan Waited => batcher.Waited;

    public void Restore(int epoch, long index) => batcher.Restore(new BatchPosition(epoch, index));

    /// <summary>The next batch (X: B×sample shape float32, Y: B int64 or null), in the current dispose scope.</summary>
    public (Tensor X, Tensor? Y) Next()
    {
        var b = batcher.Next();
        return ToTensors(b, sampleShape);
    }

    /// <summary>Wraps a host batch as tensors without copying (X: B×sample shape, Y: B).</summary>
    public static (Tensor X, Tensor? Y) ToTensors(HostBatch b, ReadOnlySpan<long> sampleShape)
    {
        long[] shape = [b.Count, .. sampleShape];
        Tensor x, y;
        using (var flat = from_array(b.X)) x = flat.reshape(shape);         // B×sample shape
        if (b.Y is null) return (x, null);
        using (var fy = from_array(b.Y)) y = fy.reshape(b.Count);             // B
        return (x, y);
    }

    public void Dispose() => batcher.Dispose();
}
