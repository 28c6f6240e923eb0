using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// TEMPORARY: a minimal safetensors writer for <see cref="IterationRecord"/>, until GanDsl's own reader and writer
/// (Gan.Runtime/Interop/SafetensorsFile.cs, branch safetensors) is merged; then IterationRecord calls SafetensorsFile.Write
/// and this file is deleted. Layout: a little-endian u64 N, an N-byte JSON header (padded with spaces to a multiple of 8),
/// then each tensor's bytes, contiguous, in the order given.
/// </summary>
internal static class RecordFileWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var scope = NewDisposeScope();
        var data = new List<byte[]>();
        using var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            long at = 0;
            foreach (var (name, t) in tensors)
            {
                var flat = t.detach().cpu().contiguous();
                var bytes = flat.numel() == 0 ? [] : flat.view(-1).bytes.ToArray();
                w.WriteStartObject(name);
                w.WriteString("dtype", flat.dtype switch
                {
                    ScalarType.Float32 => "F32", ScalarType.Float64 => "F64", ScalarType.Int64 => "I64", ScalarType.Int32 => "I32",
                    ScalarType.Bool => "BOOL", ScalarType.Byte => "U8",
                    _ => throw new ArgumentException($"{name}: {flat.dtype} is not recorded"),
                });
                w.WriteStartArray("shape");
                foreach (var d in flat.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(at);
                w.WriteNumberValue(at + bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                at += bytes.Length;
                data.Add(bytes);
            }
            w.WriteEndObject();
        }
        var text = header.ToArray().Concat(Enumerable.Repeat((byte)' ', (int)((8 - header.Length % 8) % 8))).ToArray();
        AtomicFile.Write(path, tmp =>
        {
            using var s = new FileStream(tmp, FileMode.Create, FileAccess.Write);
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)text.Length);
            s.Write(prefix);
            s.Write(text);
            foreach (var bytes in data) s.Write(bytes);
        });
    }
}
