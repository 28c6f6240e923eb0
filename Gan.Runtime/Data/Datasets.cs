using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

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

    /// <summary>
    /// x = n·A + b with n ~ N(0, I₂) (row vectors, so the covariance is AᵀA and the mean b), drawn from
    /// TorchSharp's CPU generator seeded with seed + 1000: the same seed gives the same points.
    /// </summary>
    public static TensorDataset Gaussian(Gaussian2dDataIr g, int seed)
    {
        float[] host;
        using (NewDisposeScope())
        {
            var gen = new TorchSharp.torch.Generator((ulong)seed + 1000);
            var n = randn([g.Count, 2], generator: gen, dtype: ScalarType.Float64);                     // count×2
            var a = tensor(new double[,] { { g.Transform[0][0], g.Transform[0][1] }, { g.Transform[1][0], g.Transform[1][1] } });  // 2×2
            var b = tensor(g.Mean.ToArray());                                                            // 2
            host = TensorDataset.ToHostFloats(n.matmul(a) + b);                                          // count×2
        }
        return TensorDataset.FromHost(host, [2], null);
    }

    /// <summary>An MNIST split: N×1×S×S in [Low, High] (zero-padded or bilinearly resized to S when S ≠ 28), labels 0..9.</summary>
    public static TensorDataset Mnist(MnistDataIr m, string dir)
    {
        var set = Idx.ReadSplit(dir, m.Split);
        var labels = Array.ConvertAll(set.Labels, l => (long)l);                                              // N
        float[] host;
        if (set.Rows == set.Cols && (m.Size == set.Rows || (m.Resize == "pad" && m.Size > set.Rows)))
        {
            // Scale (and zero-pad, centred) in plain C#: about 0.2 s for the training split.
            int r = set.Rows, size = m.Size, before = (size - r) / 2, plane = r * r;
            float scale = (float)((m.High - m.Low) / 255), low = (float)m.Low;
            host = new float[(long)set.Count * size * size];                                                   // N×1×S×S
            if (size != r) Array.Fill(host, low);                                                              // padding is black
            for (int n = 0; n < set.Count; n++)
                for (int y = 0; y < r; y++)
                {
                    int src = n * plane + y * r, dst = (n * size + y + before) * size + before;
                    for (int x = 0; x < r; x++) host[dst + x] = set.Pixels[src + x] * scale + low;
                }
            return TensorDataset.FromHost(host, [1, size, size], labels);
        }
        using (NewDisposeScope())
        {
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
            host = TensorDataset.ToHostFloats(x * (float)(m.High - m.Low) + (float)m.Low);                    // N×1×S×S
        }
        return TensorDataset.FromHost(host, [1, m.Size, m.Size], labels);
    }

    /// <summary>The PNG/JPEG files of a folder (see <see cref="ImageFolder"/>: alpha over white, stretched, scaled).</summary>
    public static TensorDataset Images(ImageFolderDataIr f, string dir)
    {
        var set = ImageFolder.Load(dir, f.Size, f.Channels, f.Low, f.High);
        return TensorDataset.FromHost(set.Pixels, [f.Channels, f.Size, f.Size], null);                       // N×C×S×S
    }
}
