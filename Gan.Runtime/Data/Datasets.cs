using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using SkiaSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>A whole dataset in memory as tensors: X is N×(sample shape), Y is N (class indices) or null.</summary>
public sealed record TensorDataset(Tensor X, Tensor? Y) : IDisposable
{
    public long Count => X.shape[0];
    public void Dispose() { X.Dispose(); Y?.Dispose(); }
}

/// <summary>Loads the data a spec declares, fetching MNIST or the emoji set into the cache if needed.</summary>
public static class Datasets
{
    public static TensorDataset Load(DataIr data, int seed, Action<string> notice)
    {
        using var scope = NewDisposeScope();
        TensorDataset ds = data switch
        {
            Gaussian2dDataIr g => Gaussian(g, seed),
            MnistDataIr m => Mnist(m, DataCache.EnsureMnist(notice)),
            ImageFolderDataIr f => Images(f, f.IsEmoji ? DataCache.EnsureEmoji(notice) : ExpandHome(f.Path)),
            _ => throw new NotSupportedException(data.GetType().Name),
        };
        ds.X.MoveToOuterDisposeScope();
        ds.Y?.MoveToOuterDisposeScope();
        return ds;
    }

    static string ExpandHome(string p) =>
        p.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p[2..]) : p;

    /// <summary>x = n·A + b with n ~ N(0, I₂), drawn from a generator seeded with the run seed.</summary>
    public static TensorDataset Gaussian(Gaussian2dDataIr g, int seed)
    {
        var gen = new TorchSharp.torch.Generator((ulong)seed + 1000);
        var n = randn([g.Count, 2], generator: gen, dtype: ScalarType.Float64);                     // count×2
        var a = tensor(new double[,] { { g.Transform[0][0], g.Transform[0][1] }, { g.Transform[1][0], g.Transform[1][1] } });
        var b = tensor(g.Mean.ToArray());
        return new TensorDataset((n.matmul(a) + b).to_type(ScalarType.Float32), null);
    }

    public static TensorDataset Mnist(MnistDataIr m, string dir)
    {
        var set = Idx.ReadSplit(dir, m.Split);
        var x = tensor(set.Pixels).reshape(set.Count, 1, set.Rows, set.Cols).to_type(ScalarType.Float32) / 255f;   // N×1×28×28 in [0,1]
        if (m.Size != set.Rows)
        {
            if (m.Resize == "pad")
            {
                int total = m.Size - set.Rows, before = total / 2;
                x = nn.functional.pad(x, [before, total - before, before, total - before]);                  // N×1×S×S, zero = black
            }
            else x = nn.functional.interpolate(x, [m.Size, m.Size], mode: InterpolationMode.Bilinear, align_corners: false);
        }
        x = x * (float)(m.High - m.Low) + (float)m.Low;
        var y = tensor(set.Labels).to_type(ScalarType.Int64);                                                 // N
        return new TensorDataset(x, y);
    }

    /// <summary>PNG/JPEG files of a folder: decoded with SkiaSharp, alpha composited over white, resized, scaled.</summary>
    public static TensorDataset Images(ImageFolderDataIr f, string dir)
    {
        if (!Directory.Exists(dir)) throw new UserInputException($"{dir}: no such folder (data images(path: ...)); point path at a folder of PNG or JPEG files.");
        var files = Directory.GetFiles(dir).Where(p => p.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
                                                    || p.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new UserInputException($"{dir}: the folder holds no .png or .jpg files.");
        int s = f.Size, c = f.Channels;
        var pixels = new float[files.Length * c * s * s];
        var info = new SKImageInfo(s, s, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int i = 0; i < files.Length; i++)
        {
            using var decoded = SKBitmap.Decode(files[i]) ?? throw new UserInputException($"{files[i]}: not a decodable PNG or JPEG image.");
            using var canvasBmp = new SKBitmap(info);
            using (var canvas = new SKCanvas(canvasBmp))
            {
                canvas.Clear(SKColors.White);
                using var img = SKImage.FromBitmap(decoded);
                canvas.DrawImage(img, new SKRect(0, 0, s, s), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            }
            var span = canvasBmp.GetPixelSpan();
            int baseIdx = i * c * s * s;
            for (int p = 0; p < s * s; p++)
            {
                float r = span[4 * p] / 255f, g = span[4 * p + 1] / 255f, b = span[4 * p + 2] / 255f;
                if (c == 1) pixels[baseIdx + p] = 0.299f * r + 0.587f * g + 0.114f * b;
                else { pixels[baseIdx + p] = r; pixels[baseIdx + s * s + p] = g; pixels[baseIdx + 2 * s * s + p] = b; }
            }
        }
        var x = tensor(pixels).reshape(files.Length, c, s, s) * (float)(f.High - f.Low) + (float)f.Low;     // N×C×S×S
        return new TensorDataset(x, null);
    }
}

/// <summary>
/// Batches from a dataset: epoch e is shuffled with a generator seeded by (seed, e), so the position
/// (epoch, index) alone restores the stream exactly. The last partial batch is dropped when DropLast.
/// </summary>
public sealed class Batches(TensorDataset data, int batch, int seed, bool dropLast)
{
    Tensor? perm;
    int permEpoch = -1;

    public int Epoch { get; private set; }
    public long Index { get; private set; }

    public long BatchesPerEpoch => dropLast ? data.Count / batch : (data.Count + batch - 1) / batch;

    public void Restore(int epoch, long index) { Epoch = epoch; Index = index; }

    /// <summary>True when the current epoch has no further (full, if DropLast) batch.</summary>
    public bool EpochExhausted => Index + (dropLast ? batch : 1) > data.Count;

    /// <summary>The next batch (X: B×…, Y: B or null); moves to the next epoch when one is exhausted.</summary>
    public (Tensor X, Tensor? Y) Next()
    {
        if (EpochExhausted) { Epoch++; Index = 0; }
        if (permEpoch != Epoch)
        {
            perm?.Dispose();
            using var outer = NewDisposeScope();
            perm = randperm(data.Count, generator: new TorchSharp.torch.Generator((ulong)(seed * 100_003L + Epoch + 1))).MoveToOuterDisposeScope();
            perm.DetachFromDisposeScope();
            permEpoch = Epoch;
        }
        long take = Math.Min(batch, data.Count - Index);
        var idx = perm!.narrow(0, Index, take);
        Index += take;
        return (data.X.index_select(0, idx), data.Y?.index_select(0, idx));
    }
}
