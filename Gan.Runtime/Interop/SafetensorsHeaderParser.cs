using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Interop;

/// <summary>
/// Reads and validates a safetensors header without reading the data, checking every rule of the reference reader
/// (huggingface/safetensors, safetensors/src/tensor.rs) and a few stricter ones before anything is allocated from what the
/// file claims: the length prefix against the file, the JSON's shape (an object of entries, each exactly
/// <c>dtype</c>, <c>shape</c>, <c>data_offsets</c>; no duplicate keys; <c>__metadata__</c> strings only), each entry's size
/// (numel × element size, overflow-checked) against its range, and the ranges against each other and the file: sorted,
/// they must tile the data section from 0 to its end with no gap or overlap.
/// </summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>The reference reader's limit on the header (MAX_HEADER_SIZE).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    const string Fix = "the file is truncated, damaged or not a safetensors file; export it again "
                       + "(gan export, or safetensors.torch.save_file in Python)";

    /// <summary>A refusal of a damaged file, naming the file, the tensor (when there is one), what is wrong and the fix.</summary>
    public static UserInputException Damaged(string path, string? entry, string what) =>
        new($"{path}: {(entry is null ? "" : $"tensor '{Show(entry)}': ")}{what}; {Fix}.");

    /// <summary>A name read from a file, fit for a message: at most 80 characters, control characters shown as '?'.</summary>
    public static string Show(string s) =>
        new string([.. (s.Length <= 80 ? s : s[..80]).Select(ch => char.IsControl(ch) ? '?' : ch)]) + (s.Length > 80 ? "…" : "");

    public static SafetensorsHeader Read(string path)
    {
        if (!File.Exists(path))
            throw new UserInputException($"{path}: no such file; check the path (safetensors files usually end in .safetensors).");
        FileStream opened;
        try { opened = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096); }
        catch (UnauthorizedAccessException ex)
        {
            throw new UserInputException($"{path}: cannot be read ({ex.Message}); check its permissions.", ex);
        }
        using var s = opened;
        long length = s.Length;
        if (length < 8)
            throw Damaged(path, null, $"it has {length} bytes, fewer than the 8 of the header's length prefix");
        Span<byte> prefix = stackalloc byte[8];
        s.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw Damaged(path, null, $"the length prefix claims a header of {n} bytes, more than the {MaxHeaderBytes:N0} allowed");
        if ((long)n > length - 8)
            throw Damaged(path, null, $"the length prefix claims a header of {n} bytes, but only {length - 8} follow it");
        var header = new byte[n];
        s.ReadExactly(header);
        var (metadata, entries) = Parse(path, header, length - 8 - (long)n);
        return new SafetensorsHeader(path, (long)n, length, metadata, entries);
    }

    static (Dictionary<string, string>, List<SafetensorsEntry>) Parse(string path, byte[] header, long dataLength)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Damaged(path, null, "the header does not start with '{' (a safetensors header is a JSON object)");
        if (!Utf8.IsValid(header)) throw Damaged(path, null, "the header is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 4, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw Damaged(path, null, $"the header is not valid JSON ({ex.Message.TrimEnd('.')})");
        }
        using (doc)
        {
            try { return Walk(path, doc.RootElement, dataLength); }
            catch (InvalidOperationException)
            {
                // JsonElement's GetString on an escape that is no valid UTF-16 (a lone surrogate, "\ud800").
                throw Damaged(path, null, "the header holds a string that is not valid Unicode");
            }
        }
    }

    static (Dictionary<string, string>, List<SafetensorsEntry>) Walk(string path, JsonElement root, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Damaged(path, null, $"the header is a JSON {Kind(root)}, not an object");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                throw Damaged(path, p.Name == MetadataKey ? null : p.Name, $"the header has the key '{Show(p.Name)}' twice");
            if (p.Name == MetadataKey) ReadMetadata(path, p.Value, metadata);
            else entries.Add(Entry(path, p.Name, p.Value, dataLength));
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long at = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < at)
                throw Damaged(path, e.Name, $"its data_offsets [{e.Begin}, {e.End}] overlap those of '{Show(previous!)}', "
                                            + $"which end at {at}");
            if (e.Begin > at)
                throw Damaged(path, e.Name, $"its data starts at byte {e.Begin}, leaving a gap of {e.Begin - at} unused bytes "
                                            + (previous is null ? "at the start of the data" : $"after '{Show(previous)}'"));
            at = e.End;
            previous = e.Name;
        }
        if (at != dataLength)
            throw Damaged(path, null, $"{dataLength - at} bytes follow the last tensor's data (the header's tensors end at byte "
                                      + $"{at} of the data, the file at byte {dataLength})");
        return (metadata, entries);
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Damaged(path, null, $"'{MetadataKey}' is a JSON {Kind(value)}, but it must be an object of strings");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Damaged(path, null, $"'{MetadataKey}' holds a {Kind(m.Value)} under '{Show(m.Name)}', but its values must "
                                          + "be strings (other values go in JSON-encoded strings)");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw Damaged(path, null, $"'{MetadataKey}' has the key '{Show(m.Name)}' twice");
        }
    }

    static SafetensorsEntry Entry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Damaged(path, name, $"its entry is a JSON {Kind(value)}, but it must be an object with dtype, shape and "
                                      + "data_offsets");
        JsonElement? dtype = null, shape = null, offsets = null;
        foreach (var f in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtype;
            if (f.Name == "shape") slot = ref shape;
            else if (f.Name == "data_offsets") slot = ref offsets;
            else if (f.Name != "dtype")
                throw Damaged(path, name, $"its entry has the field '{Show(f.Name)}'; an entry has only dtype, shape and "
                                          + "data_offsets");
            if (slot is not null) throw Damaged(path, name, $"its entry has the field '{f.Name}' twice");
            slot = f.Value;
        }
        if (dtype is null || shape is null || offsets is null)
            throw Damaged(path, name, "its entry lacks " + string.Join(" and ",
                new[] { ("dtype", dtype), ("shape", shape), ("data_offsets", offsets) }.Where(x => x.Item2 is null).Select(x => x.Item1)));
        if (dtype.Value.ValueKind != JsonValueKind.String)
            throw Damaged(path, name, $"its dtype is a JSON {Kind(dtype.Value)}, not a string such as \"F32\"");
        var typeName = dtype.Value.GetString()!;
        var info = SafetensorsDtype.Parse(typeName)
                   ?? throw Damaged(path, name, $"its dtype '{Show(typeName)}' is not one GanDsl reads ({SafetensorsDtype.Supported})");
        var dims = Integers(path, name, "shape", shape.Value);
        var range = Integers(path, name, "data_offsets", offsets.Value);
        if (range.Length != 2)
            throw Damaged(path, name, $"its data_offsets hold {range.Length} numbers, not two (begin and end)");
        var (begin, end) = (range[0], range[1]);
        if (begin > end) throw Damaged(path, name, $"its data_offsets [{begin}, {end}] end before they begin");
        long bytes;
        try { bytes = checked(dims.Aggregate(1L, (a, d) => a * d) * info.ItemSize); }
        catch (OverflowException)
        {
            throw Damaged(path, name, $"its shape {SafetensorsFile.FormatShape(dims)} claims more bytes than a 64-bit size holds");
        }
        if (end - begin != bytes)
            throw Damaged(path, name, $"its data_offsets [{begin}, {end}] hold {end - begin} bytes, but {info.Name} "
                                      + $"{SafetensorsFile.FormatShape(dims)} needs {bytes}");
        if (end > dataLength)
            throw Damaged(path, name, $"its data ends at byte {end} of the data, but the file holds only {dataLength} bytes "
                                      + "of data (it is cut short)");
        return new SafetensorsEntry(name, info.Name, info.Type, dims, begin, end);
    }

    /// <summary>A JSON array of whole numbers from 0 to 2^63 − 1, as longs.</summary>
    static long[] Integers(string path, string entry, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw Damaged(path, entry, $"its {field} is a JSON {Kind(value)}, not an array of whole numbers");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var x in value.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt64(out var v) || v < 0)
                throw Damaged(path, entry, $"its {field} holds {Raw(x)}, which is not a whole number from 0 to 2^63 - 1");
            result[i++] = v;
        }
        return result;
    }

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    static string Raw(JsonElement e)
    {
        var raw = e.GetRawText();
        return Show(raw.Length <= 30 ? raw : raw[..30] + "…");
    }
}
