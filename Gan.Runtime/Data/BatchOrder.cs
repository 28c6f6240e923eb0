using Gan.Runtime.Errors;

namespace Gan.Runtime.Data;

/// <summary>Where a batch stream stands: <c>Index</c> samples of epoch <c>Epoch</c> have been served.</summary>
internal readonly record struct BatchPosition(int Epoch, long Index);

/// <summary>
/// The order in which samples are served. Epoch e is a Fisher–Yates permutation drawn from
/// SplitMix64 seeded by (run seed, e), so the position (epoch, index) alone restores the stream
/// exactly: no generator state needs saving. Batches are consecutive slices of the permutation.
/// Last partial batch: dropped when <c>DropLast</c> (the default of specs; every batch then has
/// exactly <c>BatchSize</c> samples and count mod batch samples sit out each epoch, different ones
/// each time), otherwise served as a smaller final batch of the epoch.
/// </summary>
internal sealed class BatchOrder
{
    readonly int seed;
    int[]? permutation;
    int permutationEpoch = -1;

    public BatchOrder(int count, int batchSize, int seed, bool dropLast)
    {
        if (count <= 0) throw new UserInputException("the dataset is empty; there is nothing to train on.");
        if (batchSize <= 0) throw new UserInputException($"batch size {batchSize}: it must be at least 1.");
        if (dropLast && batchSize > count)
            throw new UserInputException($"the dataset has {count} samples, fewer than one batch of {batchSize}; lower the batch size.");
        Count = count;
        BatchSize = batchSize;
        DropLast = dropLast;
        this.seed = seed;
    }

    public int Count { get; }
    public int BatchSize { get; }
    public bool DropLast { get; }
    public BatchPosition Position { get; private set; }

    public long BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>True when the current epoch has no further batch (a full one, when DropLast).</summary>
    public bool EpochExhausted => IsExhausted(Position);

    public bool IsExhausted(BatchPosition p) => p.Index + (DropLast ? BatchSize : 1) > Count;

    /// <summary>How many more batches epoch <c>p.Epoch</c> serves after position <paramref name="p"/>.</summary>
    public long BatchesLeftInEpoch(BatchPosition p) =>
        DropLast ? (Count - p.Index) / BatchSize : (Count - p.Index + BatchSize - 1) / BatchSize;

    /// <summary>Moves to a saved position (from a checkpoint).</summary>
    public void Restore(BatchPosition p)
    {
        if (p.Epoch < 0 || p.Index < 0 || p.Index > Count)
            throw new UserInputException($"batch position (epoch {p.Epoch}, index {p.Index}) is outside a dataset of {Count} samples; "
                                         + "the checkpoint belongs to other data.");
        Position = p;
    }

    /// <summary>The sample indices of epoch <paramref name="epoch"/> in serving order.</summary>
    public int[] EpochOrder(int epoch)
    {
        if (permutationEpoch != epoch)
        {
            ulong mixed = new SplitMix64((ulong)(uint)seed).Next() ^ ((ulong)epoch * 0xD1B54A32D192ED03UL);
            permutation = SplitMix64.Permutation(Count, mixed);
            permutationEpoch = epoch;
        }
        return permutation!;
    }

    /// <summary>The next batch's sample indices; starts the next epoch when the current one is exhausted.</summary>
    public ReadOnlySpan<int> Next()
    {
        var p = EpochExhausted ? new BatchPosition(Position.Epoch + 1, 0) : Position;
        int take = (int)Math.Min(BatchSize, Count - p.Index);
        var order = EpochOrder(p.Epoch);
        Position = p with { Index = p.Index + take };
        return order.AsSpan((int)p.Index, take);
    }
}
