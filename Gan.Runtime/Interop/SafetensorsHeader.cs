using Gan.Runtime.Errors;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// The validated header of a safetensors file (<see cref="SafetensorsFile.Read"/>): its metadata and its entries in data
/// order. Every range lies inside the file, so reading a tensor allocates at most what the file holds; the data is read only
/// by <see cref="ReadTensor"/> and <see cref="ReadAll"/>, which check first that the file has not changed length since.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Data is read into tensors in pieces of at most this many bytes (a span's length is an int).</summary>
    const long MaxPieceBytes = 1 << 30;

    readonly Dictionary<string, SafetensorsEntry> byName;

    internal SafetensorsHeader(string path, long headerLength, long fileLength, IReadOnlyDictionary<string, string> metadata,
                               IReadOnlyList<SafetensorsEntry> entries)
    {
        Path = path;
        HeaderLength = headerLength;
        FileLength = fileLength;
        Metadata = metadata;
        Entries = entries;
        byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file as the caller named it (messages name it so).</summary>
    public string Path { get; }

    /// <summary>N: the header's length in bytes, padding included.</summary>
    public long HeaderLength { get; }

    /// <summary>The file's length when the header was read: 8 + N + the data section's length.</summary>
    public long FileLength { get; }

    /// <summary>Where the data section starts: after the 8-byte length prefix and the header.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>The <c>__metadata__</c> map (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors, sorted by their position in the data section.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public SafetensorsEntry? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>One entry's data as a new contiguous CPU tensor of its dtype and shape.</summary>
    public Tensor ReadTensor(SafetensorsEntry entry)
    {
        if (Find(entry.Name) != entry) throw new ArgumentException($"'{entry.Name}' is not an entry of {Path}", nameof(entry));
        using var s = Open();
        s.Seek(DataStart + entry.Begin, SeekOrigin.Begin);
        return Read(s, entry);
    }

    /// <summary>Every entry's data, in data order (one sequential pass over the file), as new CPU tensors.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> ReadAll()
    {
        using var s = Open();
        s.Seek(DataStart, SeekOrigin.Begin);
        var result = new List<(string, Tensor)>(Entries.Count);
        try
        {
            foreach (var e in Entries) result.Add((e.Name, Read(s, e)));
            return result;
        }
        catch
        {
            foreach (var (_, t) in result) t.Dispose();
            throw;
        }
    }

    FileStream Open()
    {
        FileStream s;
        try { s = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (FileNotFoundException) { throw Changed("it is gone"); }
        if (s.Length == FileLength) return s;
        var length = s.Length;
        s.Dispose();
        throw Changed($"it has {length} bytes now, {FileLength} when its header was read");
    }

    UserInputException Changed(string what) =>
        new($"{Path}: the file changed while GanDsl read it ({what}); let whatever writes it finish, then run the command again.");

    /// <summary>Reads <paramref name="e"/>'s bytes from the stream's position straight into a new tensor's memory.</summary>
    Tensor Read(FileStream s, SafetensorsEntry e)
    {
        var t = empty(e.Shape, e.Type);
        try
        {
            if (e.Length == 0) return t;
            using var flat = t.view(-1);
            long n = flat.shape[0], piece = MaxPieceBytes / t.ElementSize;
            for (long i = 0; i < n; i += piece)
            {
                using var part = flat.narrow(0, i, Math.Min(piece, n - i));
                var bytes = part.bytes;
                try { s.ReadExactly(bytes); }
                catch (EndOfStreamException) { throw Changed("it ended early"); }
                // A bool byte other than 0 or 1 is undefined in libtorch: refuse it rather than load it.
                if (e.Type == ScalarType.Bool && bytes.IndexOfAnyExcept((byte)0, (byte)1) is var bad and >= 0)
                    throw SafetensorsHeaderParser.Damaged(Path, e.Name,
                        $"byte {i + bad} of its data is {bytes[bad]}, but a BOOL value is 0 or 1");
            }
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }
}
