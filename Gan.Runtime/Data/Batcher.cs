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
    readonly int seed;
    /// <summary>Row length of the images to mirror at random (<c>flip: true</c>), or 0: no flips.</summary>
    readonly int flipWidth;

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
    /// <param name="flipWidth">the images' width W to mirror each served sample left–right with p = ½ (<see cref="Flips"/>), or
    /// 0.</param>
    public Batcher(float[] x, int sampleSize, long[]? y, int batchSize, int seed, bool dropLast, bool prefetch = true,
                   bool recycle = false, int flipWidth = 0)
    {
        if (flipWidth < 0 || (flipWidth > 0 && sampleSize % flipWidth != 0))
            throw new ArgumentException($"samples of {sampleSize} values are not rows of {flipWidth}", nameof(flipWidth));
        this.seed = seed;
        this.flipWidth = flipWidth;
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
        var after = order.Position;
        long start = after.Index - idx.Length;           // the batch's first slot in its epoch's order
        for (int i = 0; i < idx.Length; i++)
        {
            if (flipWidth > 0 && Flips(seed, after.Epoch, start + i))
                CopyMirrored(x, (long)idx[i] * sampleSize, bx, (long)i * sampleSize, sampleSize, flipWidth);
            else Array.Copy(x, (long)idx[i] * sampleSize, bx, (long)i * sampleSize, sampleSize);
            if (by != null) by[i] = y![idx[i]];
        }
        return new HostBatch(bx, by, idx.Length, after);
    }

    /// <summary>
    /// Whether the sample served at <paramref name="slot"/> of <paramref name="epoch"/> is mirrored: bit 63 of output
    /// <paramref name="slot"/> of a SplitMix64 stream keyed by (seed, epoch). A function of the position alone, so every draw
    /// gets its own fair coin, the same under the same seed, and a resumed run flips exactly as the uninterrupted one.
    /// </summary>
    public static bool Flips(int seed, int epoch, long slot)
    {
        ulong key = new SplitMix64((ulong)(uint)seed ^ 0x6A09E667F3BCC909UL).Next() ^ ((ulong)epoch * 0xD1B54A32D192ED03UL);
        key = new SplitMix64(key).Next();
        // SplitMix64's state advances by its gamma: seeding at key + slot·gamma gives the stream's output number slot.
        return new SplitMix64(key + (ulong)slot * 0x9E3779B97F4A7C15UL).Next() >> 63 == 1;
    }

    /// <summary>Copies one sample with every row of <paramref name="width"/> values reversed (a left–right mirror of C×H×W).</summary>
    static void CopyMirrored(float[] src, long from, float[] dst, long to, int count, int width)
    {
        for (int row = 0; row < count; row += width)
            for (int j = 0; j < width; j++) dst[to + row + j] = src[from + row + width - 1 - j];
    }

    public void Dispose() => prefetcher?.Dispose();
}
