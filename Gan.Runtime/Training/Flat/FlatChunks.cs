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
/// the same either way (element-wise ops only). Adam and RMSprop use it; SGD's update has no temporary and walks whole
/// buffers.
/// </summary>
internal sealed class FlatChunks : IDisposable
{
    static readonly long DefaultCpuChunk =
        long.TryParse(Environment.GetEnvironmentVariable("GAN_FLAT_CHUNK"), out var c) && c > 0 ? c : 1L << 17;

    [ThreadStatic] static long chunkOverride;

    /// <summary>The most chunks a buffer is cut into on the CPU (larger chunks beyond 8 × 2¹⁷ elements).</summary>
    public const long MaxChunks = 8;

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
        // At most MaxChunks chunks: a large model's update stays a few dozen ops (acgan's 15 M parameters in chunks of 2¹⁷
        // would be 115 chunks, more calls than TorchSharp's per-parameter loop makes).
        long chunk = buffers[0].device.type == DeviceType.CPU
            ? Math.Min(Math.Max(CpuChunk, (n + MaxChunks - 1) / MaxChunks), Math.Max(n, 1))
            : Math.Max(n, 1);
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

    /// <summary>
    /// A scalar argument as a 0-dim tensor of the buffers' type, refilled only when its value changes. TorchSharp passes a
    /// double to <c>mul_</c>, <c>div_</c> or <c>add_</c> as a Scalar, which libtorch wraps and converts to the tensor's type
    /// in five more calls per op (to, _to_copy, empty_strided, copy_, and the op itself twice); a float tensor of the
    /// converted value gives the same bits in one call.
    /// </summary>
    public sealed class Scalar(Tensor like) : IDisposable
    {
        readonly Tensor value = zeros([], dtype: like.dtype, device: like.device).DetachFromDisposeScope();
        double last = double.NaN;

        public Tensor Of(double v)
        {
            if (!v.Equals(last)) { value.fill_(v); last = v; }
            return value;
        }

        public void Dispose() => value.Dispose();
    }

    public void Dispose()
    {
        foreach (var c in Chunks) foreach (var t in c) t.Dispose();
        scratch.Dispose();
    }
}
