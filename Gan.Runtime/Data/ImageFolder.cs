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

    public static ImageSet Load(string dir, int size, int channels, double low = -1, double high = 1)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (grey) or 3 (RGB)");
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must be positive");
        var files = ImageFiles(dir);
        int plane = size * size, sample = channels * plane;
        var pixels = new float[(long)files.Length * sample];
        var errors = new string?[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            try { Decode(files[i], size, channels, (float)low, (float)high, pixels.AsSpan(i * sample, sample)); }
            catch (UserInputException e) { errors[i] = e.Message; }
        });
        var first = errors.FirstOrDefault(e => e != null);
        if (first != null)
        {
            int bad = errors.Count(e => e != null);
            throw new UserInputException(first + (bad > 1 ? $" ({bad - 1} more files of {dir} failed too)" : ""));
        }
        return new ImageSet(pixels, files.Length, channels, size, files);
    }

    /// <summary>Decodes one file into <paramref name="dst"/> (channels×size×size).</summary>
    public static void Decode(string file, int size, int channels, float low, float high, Span<float> dst)
    {
        using var decoded = SKBitmap.Decode(file)
            ?? throw new UserInputException($"{file}: not a decodable PNG or JPEG image; remove it from the folder or re-save it.");
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
}
