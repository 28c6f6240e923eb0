using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training.Flat;

/// <summary>
/// The chunks a flat update walks: views of equal-length flat buffers (values, gradients, state, and a scratch buffer of one
/// chunk for the update's temporary), made once. On the CPU a whole-buffer op streams every buffer through memory once per
/// op: for mnist-mlp's 2 M parameters eight passes over 8 MB buffers made the flat Adam slower than TorchSharp's
/// per-parameter loop (compiled/hand-written 0.81 against 0.985). A chunk of 2¹⁷ elements keeps the chunk's buffers (about
/// 2.5 MB) in the cores' caches across the update's ops, and the preallocated scratch spares a fresh allocation (and its
/// page faults) per step. On a GPU one chunk is the whole buffer: the fewest kernel launches. The arithmetic per element is
/// the same either way (element-wise ops only).
/// </summary>
internal sealed class FlatChunks : IDisposable
{
    static readonly long DefaultCpuChunk =
        long.TryParse(Environment.GetEnvironmentVariable("GAN_FLAT_CHUNK"), out var c) && c > 0 ? c : 1L << 17;

    [ThreadStatic] static long chunkOverride;

    /// <summary>Elements per chunk on the CPU: 2¹⁷, or GAN_FLAT_CHUNK (benchmarks), or this thread's override (tests: small
    /// chunks put several chunks and a short last one into small specs; 0 restores the default).</summary>
    public static long CpuChunk
    {
        get => chunkOverride > 0 ? chunkOverride : DefaultCpuChunk;
        set => chunkOverride = value;
    }

    readonly Tensor scratch;

    /// <summary>Per chunk, the views of the buffers in the order given, then the scratch view.</summary>
    public IReadOnlyList<Tensor[]> Chunks { get; }

    public FlatChunks(params Tensor[] buffers)
    {
        long n = buffers[0].shape[0];
        long chunk = buffers[0].device.type == DeviceType.CPU ? Math.Min(CpuChunk, Math.Max(n, 1)) : Math.Max(n, 1);
        scratch = empty(chunk, dtype: buffers[0].dtype, device: buffers[0].device).DetachFromDisposeScope();
        var chunks = new List<Tensor[]>();
        for (long off = 0; off < n; off += chunk)
        {
            long len = Math.Min(chunk, n - off);
            chunks.Add([.. buffers.Select(b => b.narrow(0, off, len).DetachFromDisposeScope()),
                        scratch.narrow(0, 0, len).DetachFromDisposeScope()]);
        }
        Chunks = chunks;
    }

    public void Dispose()
    {
        foreach (var c in Chunks) foreach (var t in c) t.Dispose();
        scratch.Dispose();
    }
}
