using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// The trainer's batch stream over a <see cref="TensorDataset"/>: a <see cref="Batcher"/> (shuffled
/// from the run seed, large batches prefetched one ahead on a worker thread) whose host batches become CPU tensors
/// in the caller's dispose scope. (Epoch, Index) is the resumable position; see <see cref="BatchOrder"/>
/// for the shuffle and the last-partial-batch policy.
/// </summary>
internal sealed class Batches : IDisposable
{
    readonly Batcher batcher;
    readonly long[] sampleShape;

    /// <summary>
    /// Batches of at least this many floats are gathered on the worker thread; smaller ones (2-D points,
    /// tiny images) are gathered in place, which costs microseconds, less than handing over between
    /// threads (measured on gaussian2d, batch 4: prefetching spent 16–37% of step time in the handover,
    /// in-place gathering under 1%).
    /// </summary>
    public const int PrefetchMinFloats = 1 << 16;

    /// <param name="prefetch">Gather on a worker thread; null: when a batch has at least <see cref="PrefetchMinFloats"/> floats and
    /// libtorch leaves a core free.</param>
    /// <param name="flip">mirror each served image left–right with p = ½ (a data source's <c>flip: true</c>), from the seed.</param>
    public Batches(TensorDataset data, int batch, int seed, bool dropLast, bool? prefetch = null, bool flip = false)
    {
        // A dataset built from tensors (tests, benchmarks) is copied once into arrays for the worker.
        var x = data.HostX ?? TensorDataset.ToHostFloats(data.X);
        var y = data.Y is null ? null : data.HostY ?? TensorDataset.ToHostLongs(data.Y);
        sampleShape = data.X.shape[1..];
        long sampleSize = 1;
        foreach (var d in sampleShape) sampleSize *= d;
        batcher = new Batcher(x, (int)sampleSize, y, batch, seed, dropLast, prefetch ?? DefaultPrefetch((long)batch * sampleSize),
                              recycle: true, flipWidth: flip ? (int)sampleShape[^1] : 0);
    }

    /// <summary>
    /// Prefetch on a background thread only for large batches and only when libtorch leaves a core free:
    /// with every core running torch ops, the worker thread slows them more than it saves (tf-basic at two
    /// threads on two cores: compiled/hand-written 0.75 with the worker, 0.91 without).
    /// </summary>
    static bool DefaultPrefetch(long floatsPerBatch) =>
        floatsPerBatch >= PrefetchMinFloats && get_num_threads() < Environment.ProcessorCount;

    public int Epoch => batcher.Position.Epoch;
    public long Index => batcher.Position.Index;
    public long BatchesPerEpoch => batcher.BatchesPerEpoch;
    public bool EpochExhausted => batcher.EpochExhausted;
    /// <summary>Batches the current epoch still serves.</summary>
    public long BatchesLeftInEpoch => batcher.BatchesLeftInEpoch;

    public void Restore(int epoch, long index) => batcher.Restore(new BatchPosition(epoch, index));

    /// <summary>The next batch (X: B×sample shape float32, Y: B int64 or null), in the current dispose scope.</summary>
    public (Tensor X, Tensor? Y) Next()
    {
        var b = batcher.Next();
        return ToTensors(b, sampleShape);
    }

    /// <summary>Copies a host batch into tensors (X: B×sample shape, Y: B): the batcher reuses its buffers.</summary>
    public static (Tensor X, Tensor? Y) ToTensors(HostBatch b, ReadOnlySpan<long> sampleShape)
    {
        long[] shape = [b.Count, .. sampleShape];
        Tensor x, y;
        using (var flat = from_array(b.X))
        using (var copy = flat.clone()) x = copy.reshape(shape);               // B×sample shape
        if (b.Y is null) return (x, null);
        using (var fy = from_array(b.Y))
        using (var copy = fy.clone()) y = copy.reshape(b.Count);               // B
        return (x, y);
    }

    public void Dispose() => batcher.Dispose();
}
