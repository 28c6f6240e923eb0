using Gan.Dsl.Ir;
using Gan.Runtime.Imaging;
using Gan.Runtime.Metrics;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>MNIST (fetched into the cache): drawn as an image grid; judged by the MNIST judge (judge-FID, judge-IS, coverage).</summary>
internal sealed class MnistData : DataKind
{
    public static readonly MnistData Instance = new();

    public override TensorDataset Load(DataIr data, int seed, Action<string> notice) =>
        Load((MnistDataIr)data, DataCache.EnsureMnist(notice));

    /// <summary>An MNIST split: N×1×S×S in [Low, High] (zero-padded or bilinearly resized to S when S ≠ 28), labels 0..9.</summary>
    public static TensorDataset Load(MnistDataIr m, string dir) => Load(new IdxImages(m.Split, m.Low, m.High, m.Size, m.Resize), dir);

    /// <summary>What an IDX image set (MNIST, Fashion-MNIST) is loaded as: split, pixel range, size and how it is reached.</summary>
    public sealed record IdxImages(string Split, double Low, double High, int Size, string Resize);

    /// <summary>An IDX split of <paramref name="dir"/> (MNIST's layout): N×1×S×S in [Low, High], labels as int64.</summary>
    public static TensorDataset Load(IdxImages m, string dir)
    {
        var set = Idx.ReadSplit(dir, m.Split);
        if ((long)set.Count * m.Size * m.Size > Array.MaxLength)   // a damaged header of 1×1 images could claim 268 million
            throw new Errors.UserInputException($"{dir}: its {m.Split} images file holds {set.Count} images of {set.Rows}×{set.Cols}; "
                                                + $"at {m.Size}×{m.Size} they do not fit in memory (MNIST has 70,000).{Idx.Fix}");
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
            var x = tensor(set.Pixels).reshape(set.Count, 1, set.Rows, set.Cols)
                        .to_type(ScalarType.Float32) / 255f;   // N×1×28×28 in [0,1]
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

    public override void Draw(ModelIr model, Tensor fake, int rows, int cols, string path, string title, TensorDataset? real) =>
        ImageData.Grid(model, fake, rows, cols, path);

    /// <summary>Judged by the MNIST judge: <see cref="JudgeEvaluation.Evaluate"/>.</summary>
    public override void Evaluate(Evaluation e)
    {
        var m = (MnistDataIr)e.Model.Data;
        JudgeEvaluation.Evaluate(e, JudgeSet.Mnist, m.Low, m.High, m.Size, m.Resize);
    }
}
