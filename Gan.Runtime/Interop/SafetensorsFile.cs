using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gan.Runtime.Errors;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// GanDsl's own reader and writer of the safetensors format (huggingface/safetensors), the weights format PyTorch tools
/// read: a little-endian u64 N, an N-byte UTF-8 JSON header padded with spaces to a multiple of 8, then the data section,
/// every tensor's bytes contiguous, little-endian, in C order. The header maps each name to
/// <c>{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}</c> (offsets into the data section) and may hold a
/// string-to-string <c>__metadata__</c> map, written first. The writer orders tensors as the reference writer does:
/// descending dtype alignment (its Dtype enum order), then name. A file from elsewhere is hostile input: <see cref="Read"/>
/// validates the whole header before anything is allocated, and <see cref="LoadInto"/> checks every name, dtype and shape
/// before it changes any tensor.
/// </summary>
internal static class SafetensorsFile
{
    /// <summary>Data is written from tensors in pieces of at most this many bytes (a span's length is an int).</summary>
    const long MaxPieceBytes = 1 << 30;

    const string MismatchFix = "the file holds weights of another network; export them again from a run of the same spec "
                               + "(gan export)";

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any strides; copied to the CPU one at a time) and
    /// <paramref name="metadata"/> (omitted when empty) to <paramref name="path"/> through a temporary file beside it, so
    /// the file appears complete or not at all.
    /// </summary>
    /// <exception cref="ArgumentException">two tensors share a name, a name is <c>__metadata__</c>, or a dtype has no
    /// safetensors name GanDsl writes (complex and quantised types).</exception>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors,
                             IReadOnlyDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors files are written on little-endian machines");
        var names = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<(string Name, byte[] Key, SafetensorsDtype.Info Dtype, long[] Shape, long Bytes, Tensor Tensor)>();
        foreach (var (name, t) in tensors)
        {
            if (name == SafetensorsHeaderParser.MetadataKey)
                throw new ArgumentException($"a tensor may not be named {name}: the header keeps that key for metadata");
            if (!names.Add(name)) throw new ArgumentException($"two tensors are named '{name}'; safetensors names are unique");
            var dtype = SafetensorsDtype.Of(t.dtype)
                        ?? throw new ArgumentException($"tensor '{name}' is {t.dtype}; safetensors files from GanDsl hold "
                                                       + SafetensorsDtype.Supported);
            var shape = t.shape;
            items.Add((name, Encoding.UTF8.GetBytes(name), dtype, shape, shape.Aggregate(1L, (a, d) => a * d) * dtype.ItemSize, t));
        }
        // The reference sorts by dtype (descending), then by name as Rust compares strings: byte-wise in UTF-8.
        items.Sort((a, b) => a.Dtype.Rank != b.Dtype.Rank ? b.Dtype.Rank.CompareTo(a.Dtype.Rank)
                                                          : a.Key.AsSpan().SequenceCompareTo(b.Key));
        var header = Header(items.Select(x => (x.Name, x.Dtype.Name, x.Shape, x.Bytes)), metadata);
        AtomicFile.Write(path, tmp =>
        {
            using var s = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            s.Write(prefix);
            s.Write(header);
            foreach (var x in items) WriteData(s, x.Tensor);
        });
    }

    /// <summary>
    /// The header bytes: <c>__metadata__</c> first (keys in UTF-8 byte order), then the entries in data order, compact
    /// JSON as the reference's serde_json writes it, padded with spaces to a multiple of 8 bytes.
    /// </summary>
    static byte[] Header(IEnumerable<(string Name, string Dtype, long[] Shape, long Bytes)> entries,
                         IReadOnlyDictionary<string, string> metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // The header is no HTML page: only what JSON requires is escaped, so names appear as they are (as serde_json writes them).
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata.Count > 0)
            {
                w.WriteStartObject(SafetensorsHeaderParser.MetadataKey);
                var keys = metadata.Keys.Select(k => (Key: k, Bytes: Encoding.UTF8.GetBytes(k))).ToList();
                keys.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
                foreach (var (k, _) in keys) w.WriteString(k, metadata[k]);
                w.WriteEndObject();
            }
            long at = 0;
            foreach (var (name, dtype, shape, bytes) in entries)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (var d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(at);
                w.WriteNumberValue(at += bytes);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        var padded = new byte[(buffer.WrittenCount + 7) / 8 * 8];
        buffer.WrittenSpan.CopyTo(padded);
        padded.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return padded;
    }

    /// <summary>A tensor's bytes, C order, straight from a contiguous CPU copy's memory (the tensor itself when it is one).</summary>
    static void WriteData(FileStream s, Tensor t)
    {
        if (t.numel() == 0) return;
        using var scope = NewDisposeScope();
        var flat = t.detach().cpu().contiguous().view(-1);
        long n = flat.shape[0], piece = MaxPieceBytes / flat.ElementSize;
        for (long i = 0; i < n; i += piece) s.Write(flat.narrow(0, i, Math.Min(piece, n - i)).bytes);
    }

    /// <summary>
    /// The validated header of <paramref name="path"/>, without its data (see <see cref="SafetensorsHeader"/>).
    /// </summary>
    /// <exception cref="UserInputException">the file is missing, or breaks any rule of the format; the message names the
    /// file, the tensor when there is one, what is wrong and how to fix it.</exception>
    public static SafetensorsHeader Read(string path) => SafetensorsHeaderParser.Read(path);

    /// <summary>Reads <paramref name="path"/>'s header, then loads it as <see cref="LoadInto(SafetensorsHeader,
    /// IReadOnlyDictionary{string, Tensor}, string, string?)"/> does.</summary>
    public static void LoadInto(string path, IReadOnlyDictionary<string, Tensor> expected, string owner, string? fix = null) =>
        LoadInto(Read(path), expected, owner, fix);

    /// <summary>
    /// Copies the file's tensors into <paramref name="expected"/>'s (by name, under no_grad) once it has checked that the
    /// names are exactly the expected ones and each dtype and shape equals exactly (TorchSharp's copy_ would broadcast a [1]
    /// into a [64] and convert dtypes silently), and has read all the data: a refused file changes nothing.
    /// </summary>
    /// <param name="owner">how messages name the tensors' owner, e.g. "network G".</param>
    /// <param name="fix">what a mismatch message advises (default: export the weights again from the same spec).</param>
    public static void LoadInto(SafetensorsHeader header, IReadOnlyDictionary<string, Tensor> expected, string owner,
                                string? fix = null)
    {
        fix ??= MismatchFix;
        var missing = expected.Keys.Where(k => header.Find(k) is null).Order(StringComparer.Ordinal).ToList();
        var unexpected = header.Entries.Select(e => e.Name).Where(n => !expected.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"{missing.Count} of {owner}'s tensors are missing from it ({Few(missing)})");
            if (unexpected.Count > 0) parts.Add($"{unexpected.Count} of its tensors are not {owner}'s ({Few(unexpected)})");
            throw new UserInputException($"{header.Path}: {string.Join(", and ", parts)}; {fix}.");
        }
        foreach (var e in header.Entries)
        {
            var t = expected[e.Name];
            var shape = t.shape;
            if (t.dtype != e.Type || !shape.SequenceEqual(e.Shape))
                throw new UserInputException(
                    $"{header.Path}: tensor '{SafetensorsHeaderParser.Show(e.Name)}' is {e.Describe()}, but {owner}'s is "
                    + $"{SafetensorsDtype.NameOf(t.dtype)} {FormatShape(shape)} (dtypes and shapes must match exactly); {fix}.");
        }
        using var scope = NewDisposeScope();
        var loaded = header.ReadAll();
        using var noGrad = no_grad();
        foreach (var (name, value) in loaded) expected[name].copy_(value);
    }

    /// <summary>A shape as messages show it: <c>[64, 3, 3, 3]</c>, <c>[]</c> for a scalar.</summary>
    public static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>At most five names, then how many more.</summary>
    static string Few(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{SafetensorsHeaderParser.Show(n)}'"))
        + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
