using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// The trainer's batch stream over a <see cref="TensorDataset"/>, in the order of a <see cref="BatchOrder"/> shuffled from the
/// run seed, as CPU tensors in the caller's dispose scope. Two ways to gather, the same batches bit for bit: by default the rows
/// are taken from the resident dataset tensor by one <c>index_select</c> per tensor (no host copy and no second tensor copy:
/// 33 µs against 62 µs for a 128×784 batch at one thread); images to mirror (<c>flip</c>), an explicit prefetch, or a dataset
/// that is not float32 on the CPU are gathered on the host by a <see cref="Batcher"/>, one batch ahead on a worker thread when
/// the batch is large and a core is free. (Epoch, Index) is the
/// resumable position; see <see cref="BatchOrder"/> for the shuffle and the last-partial-batch policy.
/// </summary>
internal sealed class Batches : IDisposable
{
    readonly Batcher? batcher;
    readonly ResidentBatches? resident;
    readonly long[] sampleShape;

    /// <summary>
    /// Batches of at least this many floats are gathered on the worker thread; smaller ones (2-D points,
    /// tiny images) are gathered in place, which costs microseconds, less than handing over between
    /// threads (measured on gaussian2d, batch 4: prefetching spent 16–37% of step time in the handover,
    /// in-place gathering under 1%).
    /// </summary>
    public const int PrefetchMinFloats = 1 << 16;

    /// <param name="prefetch">Gather on the host on a worker thread; false: in the caller's thread (index_select from the resident
    /// tensor); null: prefetch when a batch has at least <see cref="PrefetchMinFloats"/> floats and libtorch leaves a core free.</param>
    /// <param name="flip">mirror each served image left–right with p = ½ (a data source's <c>flip: true</c>), from the seed.</param>
    /// <param name="labels">serve the dataset's labels (false: Y is null, for a spec whose losses never read them).</param>
    public Batches(TensorDataset data, int batch, int seed, bool dropLast, bool? prefetch = null, bool flip = false,
                   bool labels = true)
    {
        if (!labels && data.Y is not null) data = data.WithoutLabels();
        sampleShape = data.X.shape[1..];
        if (prefetch != true && !flip && ResidentBatches.Fits(data))
        {
            resident = new ResidentBatches(data, new BatchOrder((int)data.Count, batch, seed, dropLast));
            return;
        }
        // A dataset built from tensors (tests, benchmarks) is copied once into arrays for the worker.
        var x = data.HostX ?? TensorDataset.ToHostFloats(data.X);
        var y = data.Y is null ? null : data.HostY ?? TensorDataset.ToHostLongs(data.Y);
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

    /// <summary>Whether batches are taken from the resident dataset tensor (index_select) rather than gathered on the host.</summary>
    public bool Resident => resident is not null;

    BatchPosition Position => resident?.Order.Position ?? batcher!.Position;
    public int Epoch => Position.Epoch;
    public long Index => Position.Index;
    public long BatchesPerEpoch => resident?.Order.BatchesPerEpoch ?? batcher!.BatchesPerEpoch;
    public bool EpochExhausted => resident?.Order.EpochExhausted ?? batcher!.EpochExhausted;
    /// <summary>Batches the current epoch still serves.</summary>
    public long BatchesLeftInEpoch => resident?.Order.BatchesLeftInEpoch(Position) ?? batcher!.BatchesLeftInEpoch;

    public void Restore(int epoch, long index)
    {
        if (resident is not null) resident.Order.Restore(new BatchPosition(epoch, index));
        else batcher!.Restore(new BatchPosition(epoch, index));
    }

    /// <summary>The next batch (X: B×sample shape float32, Y: B int64 or null), in the current dispose scope.</summary>
    public (Tensor X, Tensor? Y) Next() => resident?.Next() ?? ToTensors(batcher!.Next(), sampleShape);

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

    public void Dispose() { batcher?.Dispose(); resident?.Dispose(); }
}
