using Gan.Runtime.Errors;
using SkiaSharp;

namespace Gan.Runtime.Data;

/// <summary>Decoded images: Pixels is Count×Channels×Size×Size float32 (NCHW), in the order of <c>Files</c>.</summary>
internal sealed record ImageSet(float[] Pixels, int Count, int Channels, int Size, IReadOnlyList<string> Files);

/// <summary>
/// Loads the PNG and JPEG files of a folder (not its subfolders, in ordinal name order) with SkiaSharp.
/// Each image is stretched to Size×Size (bilinear with mipmaps), composited over an opaque WHITE
/// background (so transparent emoji edges become white, as they are shown), then converted to RGB
/// or, for one channel, to grey by Rec. 601 luma (0.299 R + 0.587 G + 0.114 B), and scaled from
/// [0, 1] to [low, high].
/// </summary>
internal static class ImageFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static string[] ImageFiles(string dir)
    {
        if (!Directory.Exists(dir))
            throw new UserInputException($"{dir}: no such folder; point images(path: ...) at a folder of PNG or JPEG files.");
        var files = Directory.GetFiles(dir)
            .Where(p => Extensions.Any(e => p.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(p => p, StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new UserInputException($"{dir}: the folder holds no .png, .jpg or .jpeg files (subfolders are not searched).");
        return files;
    }

    /// <summary>
    /// Loads every usable image of the folder. Files that cannot be used (empty, truncated, not an image, or larger than
    /// <see cref="MaxSourcePixels"/>) are skipped, and <paramref name="notice"/> gets their count and names: one bad file
    /// among thousands should not stop a run. A folder with no usable image at all is an error naming the folder.
    /// </summary>
    public static ImageSet Load(string dir, int size, int channels, double low = -1, double high = 1, Action<string>? notice = null)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must be positive");
        var files = ImageFiles(dir);
        CheckFits(dir, files.Length, channels, size);
        int sample = channels * size * size;   // under Array.MaxLength: CheckFits
        var pixels = new float[(long)files.Length * sample];
        var errors = new string?[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            try { Decode(files[i], size, channels, (float)low, (float)high, pixels.AsSpan(i * sample, sample)); }
            catch (UserInputException e) { errors[i] = e.Message; }
        });
        var bad = errors.Select((e, i) => (e, i)).Where(x => x.e != null).Select(x => x.i).ToArray();
        if (bad.Length == files.Length)
            throw new UserInputException($"{dir}: none of its {files.Length} image files can be used; the first: {errors[0]} "
                                         + "Put readable PNG or JPEG files there, or point images(path: ...) at another folder.");
        if (bad.Length == 0) return new ImageSet(pixels, files.Length, channels, size, files);
        notice?.Invoke(SkippedNotice(dir, files.Length, bad.Select(i => errors[i]!).ToArray()));
        var keep = Enumerable.Range(0, files.Length).Except(bad).ToArray();
        var kept = new float[(long)keep.Length * sample];
        for (int k = 0; k < keep.Length; k++) Array.Copy(pixels, (long)keep[k] * sample, kept, (long)k * sample, sample);
        return new ImageSet(kept, keep.Length, channels, size, [.. keep.Select(i => files[i])]);
    }

    /// <summary>The notice for skipped files: how many, and the first few with their reasons.</summary>
    static string SkippedNotice(string dir, int total, string[] reasons)
    {
        const int listed = 5;
        var more = reasons.Length > listed ? $"\n  ... and {reasons.Length - listed} more" : "";
        return $"{dir}: skipped {reasons.Length} of {total} image files that cannot be used "
               + "(remove or re-save them to silence this):\n  " + string.Join("\n  ", reasons.Take(listed)) + more;
    }

    /// <summary>Refuses a folder whose decoded images would not fit in one array or in half the memory this process may use.</summary>
    static void CheckFits(string dir, long count, int channels, int size)
    {
        long floats = count * channels * (long)size * size, bytes = floats * sizeof(float);
        long budget = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        if (floats > Array.MaxLength || bytes > budget)
            throw new UserInputException($"{dir}: {count} images of {channels}×{size}×{size} need {bytes / (1 << 20)} MiB as floats, "
                                         + $"more than this machine allows ({budget / (1 << 20)} MiB); "
                                         + "use a smaller size or a folder with fewer images.");
    }

    /// <summary>
    /// The most pixels a source image may have (64 Mpx, e.g. 8192×8192): it is decoded whole before it is stretched, so its
    /// header's size is checked first; a header may claim 100,000×100,000 pixels in a file of a few bytes.
    /// </summary>
    public const long MaxSourcePixels = 64L << 20;

    /// <summary>Decodes one file into <paramref name="dst"/> (channels×size×size); throws <see cref="UserInputException"/>
    /// naming the file when it is not a complete image of at most <see cref="MaxSourcePixels"/>.</summary>
    public static void Decode(string file, int size, int channels, float low, float high, Span<float> dst)
    {
        using var decoded = DecodeWhole(file);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var target = new SKBitmap(info);
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.White);
            using var image = SKImage.FromBitmap(decoded);
            canvas.DrawImage(image, new SKRect(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        var px = target.GetPixelSpan();                                // size×size×4 bytes, RGBA
        int plane = size * size;
        float scale = (high - low) / 255f;
        for (int p = 0; p < plane; p++)
        {
            float r = px[4 * p], g = px[4 * p + 1], b = px[4 * p + 2];
            if (channels == 1) dst[p] = (0.299f * r + 0.587f * g + 0.114f * b) * scale + low;
            else
            {
                dst[p] = r * scale + low;
                dst[plane + p] = g * scale + low;
                dst[2 * plane + p] = b * scale + low;
            }
        }
    }

    /// <summary>
    /// Reads the header (SKCodec gives the size without decoding), checks the size, then decodes as SKBitmap.Decode would
    /// (premultiplied, no colour space), except that a truncated file (IncompleteInput) is refused rather than half grey.
    /// </summary>
    static SKBitmap DecodeWhole(string file)
    {
        using var codec = SKCodec.Create(file, out var opened)
            ?? throw new UserInputException($"{file}: not a PNG or JPEG image ({Describe(opened, file)}); remove it or re-save it.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxSourcePixels)
            throw new UserInputException($"{file}: its header claims {info.Width}×{info.Height} pixels, more than the "
                                         + $"{MaxSourcePixels >> 20} Mpx an image may have; scale it down or remove it.");
        if (info.AlphaType == SKAlphaType.Unpremul) info.AlphaType = SKAlphaType.Premul;
        info.ColorSpace = null;
        var bitmap = new SKBitmap(info);
        var result = bitmap.GetPixels() == IntPtr.Zero ? SKCodecResult.InternalError : codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success) return bitmap;
        bitmap.Dispose();
        throw new UserInputException(result == SKCodecResult.IncompleteInput
            ? $"{file}: the image data ends early (the file is truncated); re-save or re-download it, or remove it."
            : $"{file}: the image cannot be decoded ({result}); re-save it as PNG or JPEG, or remove it.");
    }

    static string Describe(SKCodecResult r, string file) =>
        new FileInfo(file).Length == 0 ? "the file is empty" : r == SKCodecResult.Success ? "unknown format" : r.ToString();
}
