namespace Gan.Runtime.Data;

/// <summary>
/// One batch in host memory: X is Count×(sample shape) float32, row-major (NCHW for images); Y is Count int64 labels or null.
/// </summary>
internal sealed record HostBatch(float[] X, long[]? Y, int Count, BatchPosition After);

/// <summary>
/// Serves batches of an in-memory dataset (float32 samples, optional int64 labels) in the order of a
/// <see cref="BatchOrder"/>, gathering the next batch on a worker thread while the current one is used
/// (when <c>prefetch</c>). <see cref="Position"/> is the consumer's position: the batch in flight does
/// not count until it is taken, so a saved position resumes exactly. No TorchSharp here.
/// </summary>
internal sealed class Batcher : IDisposable
{
    readonly float[] x;
    readonly long[]? y;
    readonly int sampleSize;
    readonly BatchOrder order;
    readonly Prefetcher<HostBatch>? prefetcher;

    /// <summary>
    /// With <c>recycle</c>, batches are gathered into a ring of <see cref="Ring"/> buffers: one taken, one in flight, one
    /// spare. A fresh array per batch (hundreds of KB, the large-object heap) piles up as garbage until a full collection:
    /// a 550-step tf-basic run grew by 290 MB of them.
    /// </summary>
    const int Ring = 3;
    readonly (float[] X, long[]? Y)[]? ring;
    int next;

    /// <param name="x">count × sampleSize floats, sample after sample.</param>
    /// <param name="y">count labels, or null.</param>
    /// <param name="recycle">reuse the batch buffers: a batch's arrays are valid only until the batch after next is taken (the
    /// caller copies them at once).</param>
    public Batcher(float[] x, int sampleSize, long[]? y, int batchSize, int seed, bool dropLast, bool prefetch = true,
                   bool recycle = false)
    {
        if (sampleSize <= 0 || x.Length % sampleSize != 0)
            throw new ArgumentException($"{x.Length} values are not a whole number of samples of {sampleSize}", nameof(x));
        int count = x.Length / sampleSize;
        if (y != null && y.Length != count) throw new ArgumentException($"{y.Length} labels for {count} samples", nameof(y));
        this.x = x;
        this.y = y;
        this.sampleSize = sampleSize;
        order = new BatchOrder(count, batchSize, seed, dropLast);
        if (recycle)
            ring = [.. Enumerable.Range(0, Ring).Select(_ => (new float[(long)Math.Min(batchSize, count) * sampleSize],
                                                             y == null ? null : new long[Math.Min(batchSize, count)]))];
        if (prefetch) prefetcher = new Prefetcher<HostBatch>(Gather);
    }

    public int Count => order.Count;
    public long BatchesPerEpoch => order.BatchesPerEpoch;

    /// <summary>The position after the last batch taken.</summary>
    public BatchPosition Position { get; private set; }

    public bool EpochExhausted => order.IsExhausted(Position);
    public long BatchesLeftInEpoch => order.BatchesLeftInEpoch(Position);

    /// <summary>Total time the consumer waited for a batch that was not ready yet.</summary>
    public TimeSpan Waited => prefetcher?.Waited ?? gatherClock.Elapsed;
    readonly System.Diagnostics.Stopwatch gatherClock = new();

    public HostBatch Next()
    {
        HostBatch b;
        if (prefetcher != null) b = prefetcher.Take();
        else
        {
            gatherClock.Start();
            try { b = Gather(); }
            finally { gatherClock.Stop(); }
        }
        Position = b.After;
        return b;
    }

    /// <summary>Continues from a saved position (the batch in flight, if any, is dropped).</summary>
    public void Restore(BatchPosition p)
    {
        prefetcher?.Discard();
        order.Restore(p);
        Position = p;
    }

    HostBatch Gather()
    {
        var idx = order.Next();
        var (bx, by) = ring is not null && ring[next % Ring].X.Length == (long)idx.Length * sampleSize
            ? ring[next++ % Ring]
            : (new float[(long)idx.Length * sampleSize], y == null ? null : new long[idx.Length]);   // a last, partial batch
        for (int i = 0; i < idx.Length; i++)
        {
            Array.Copy(x, (long)idx[i] * sampleSize, bx, (long)i * sampleSize, sampleSize);
            if (by != null) by[i] = y![idx[i]];
        }
        return new HostBatch(bx, by, idx.Length, order.Position);
    }

    public void Dispose() => prefetcher?.Dispose();
}
