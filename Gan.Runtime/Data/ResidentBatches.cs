using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// Batches taken from a dataset held as one CPU tensor: the rows <see cref="BatchOrder"/> names, copied by a single
/// <c>index_select</c> (and one more for the labels) into tensors of the caller's dispose scope. The same values, in the
/// same order, as the host gather of a <see cref="Batcher"/> (a copy of whole rows either way). The index tensor views a
/// pinned array that is refilled per batch, so drawing a batch allocates no index tensor. The dataset is not owned.
/// </summary>
internal sealed class ResidentBatches(TensorDataset data, BatchOrder order) : IDisposable
{
    readonly long[] indices = new long[Math.Min(order.BatchSize, order.Count)];
    Tensor? view;                                                      // views `indices`, made on first use

    public BatchOrder Order => order;

    /// <summary>Whether a dataset can be served this way: float32 samples (and int64 labels) on the CPU.</summary>
    public static bool Fits(TensorDataset data) =>
        data.X.device_type == DeviceType.CPU && data.X.dtype == ScalarType.Float32
        && (data.Y is null || (data.Y.device_type == DeviceType.CPU && data.Y.dtype == ScalarType.Int64));

    /// <summary>The next batch (X: B×sample shape, Y: B or null).</summary>
    public (Tensor X, Tensor? Y) Next()
    {
        var idx = order.Next();
        for (int i = 0; i < idx.Length; i++) indices[i] = idx[i];
        view ??= from_array(indices).DetachFromDisposeScope();
        // A last, partial batch (drop_last off) reads a prefix of the pinned indices.
        using var part = idx.Length == indices.Length ? null : view.narrow(0, 0, idx.Length);
        var index = part ?? view;
        return (data.X.index_select(0, index), data.Y?.index_select(0, index));
    }

    public void Dispose() => view?.Dispose();
}
