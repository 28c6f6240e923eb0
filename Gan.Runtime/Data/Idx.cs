using System.Buffers.Binary;
using System.IO.Compression;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Data;

/// <summary>MNIST images and labels as read from IDX files.</summary>
internal sealed record MnistSet(byte[] Pixels, byte[] Labels, int Count, int Rows, int Cols);

/// <summary>
/// Reader for the IDX format of MNIST, raw or gzipped (detected by the gzip magic). Checks the magic
/// numbers (2051 for images, 2049 for labels), the counts and sizes, and that images and labels agree.
/// </summary>
internal static class Idx
{
    public const int ImagesMagic = 2051;
    public const int LabelsMagic = 2049;

    /// <summary>
    /// The largest IDX file read, raw or after gunzip (256 MiB; MNIST's largest is 47 MB): a cache file may have been
    /// replaced or damaged, so its size (and a gzip stream's output) is capped before it is read into memory.
    /// </summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>How to repair a bad cache file, appended to every message about one.</summary>
    public const string Fix = " Delete it and run `gan data mnist` to fetch it again (or put the right file there).";

    static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: no such file; run `gan data mnist` to fetch MNIST.");
        long length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw new UserInputException($"{path}: {length} bytes, more than an IDX file of MNIST can be ({MaxBytes}).{Fix}");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try { bytes = Gunzip(bytes, path); }
            catch (InvalidDataException e)
            {
                throw new UserInputException($"{path}: the gzip stream is corrupt ({e.Message}).{Fix}");
            }
        }
        return bytes;
    }

    /// <summary>Decompresses, stopping at <see cref="MaxBytes"/> of output (a small gzip file can expand without bound).</summary>
    static byte[] Gunzip(byte[] compressed, string path)
    {
        using var gz = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        var buffer = new byte[1 << 16];
        for (int n; (n = gz.Read(buffer)) > 0;)
        {
            if (ms.Length + n > MaxBytes)
                throw new UserInputException(
                    $"{path}: decompresses to more than {MaxBytes} bytes, more than an IDX file of MNIST can be.{Fix}");
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        var b = ReadAll(path);
        if (b.Length < 16) throw new UserInputException($"{path}: {b.Length} bytes is too short for an IDX image header (16 bytes).{Fix}");
        int magic = BinaryPrimitives.ReadInt32BigEndian(b);
        if (magic != ImagesMagic)
            throw new UserInputException($"{path}: magic number {magic}, expected {ImagesMagic} (IDX unsigned-byte images of rank 3); "
                                         + $"is this a label file or another format?{Fix}");
        int count = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(12));
        if (count < 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096)
            throw new UserInputException($"{path}: header says {count} images of {rows}×{cols}, which is not a valid size.{Fix}");
        long expected = 16L + (long)count * rows * cols;
        if (b.Length != expected)
            throw new UserInputException($"{path}: header says {count} images of {rows}×{cols} ({expected} bytes), "
                                         + $"but the file has {b.Length} bytes; it is truncated or corrupt.{Fix}");
        return (b[16..], count, rows, cols);
    }

    public static (byte[] Labels, int Count) ReadLabels(string path)
    {
        var b = ReadAll(path);
        if (b.Length < 8) throw new UserInputException($"{path}: {b.Length} bytes is too short for an IDX label header (8 bytes).{Fix}");
        int magic = BinaryPrimitives.ReadInt32BigEndian(b);
        if (magic != LabelsMagic)
            throw new UserInputException(
                $"{path}: magic number {magic}, expected {LabelsMagic} (IDX unsigned-byte labels of rank 1).{Fix}");
        int count = BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4));
        if (count < 0 || b.Length != 8L + count)
            throw new UserInputException(
                $"{path}: header says {count} labels ({8L + count} bytes), but the file has {b.Length} bytes.{Fix}");
        return (b[8..], count);
    }

    /// <summary>Reads an image file and its label file and checks that they agree.</summary>
    public static MnistSet Read(string imagesPath, string labelsPath, int classes = 10)
    {
        var (pixels, n, rows, cols) = ReadImages(imagesPath);
        var (labels, m) = ReadLabels(labelsPath);
        if (n != m)
            throw new UserInputException($"{imagesPath} has {n} images but {labelsPath} has {m} labels; "
                                         + $"they must come from the same split.{Fix}");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes)
                throw new UserInputException($"{labelsPath}: label {labels[i]} at index {i} is outside 0..{classes - 1}.{Fix}");
        return new MnistSet(pixels, labels, n, rows, cols);
    }

    /// <summary>Reads a split ("train" or "test") from an MNIST folder, accepting raw or .gz files.</summary>
    public static MnistSet ReadSplit(string dir, string split)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw new UserInputException($"unknown MNIST split '{split}'; use train or test."),
        };
        string Find(string name) => File.Exists(Path.Combine(dir, name)) || !File.Exists(Path.Combine(dir, name + ".gz"))
            ? Path.Combine(dir, name) : Path.Combine(dir, name + ".gz");
        return Read(Find($"{prefix}-images-idx3-ubyte"), Find($"{prefix}-labels-idx1-ubyte"));
    }
}
