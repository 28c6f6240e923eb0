using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// A feature space for image sets that have no judge (the emoji, a user's folder), built offline and identical on every
/// machine: a fixed random convolutional network, never trained. Its weights are drawn from their own generator seeded with
/// <see cref="Seed"/> (the training's random streams are untouched), He-normal, no biases:
/// conv 3×3 stride 2 (C→64), ReLU, conv 3×3 stride 2 (64→128), ReLU, conv 3×3 stride 2 (128→256), ReLU, then the spatial
/// mean and the spatial max of each of the 256 channels: 512 features per image. Input: N×C×H×W in [0, 1], centred to
/// [−1, 1]. Random convolutional features are a known, weaker stand-in for a trained extractor (they see local colour,
/// edges and layout, not semantics): `gan-bench rf-calibration` measures how they separate real halves from blurred and
/// pixel-shuffled copies.
/// </summary>
internal static class RandomFeatures
{
    public const ulong Seed = 20261202;
    public const string Name = "rf-v1";
    static readonly int[] Widths = [64, 128, 256];

    /// <summary>Features (N×512, float64) of images N×C×H×W in [0, 1], in batches.</summary>
    public static Tensor Of(Tensor images, int batch = 500)
    {
        using var scope = NewDisposeScope();
        var weights = Weights((int)images.shape[1]);
        var parts = new List<Tensor>();
        using var _ = no_grad();
        for (long i = 0; i < images.shape[0]; i += batch)
        {
            using var inner = NewDisposeScope();
            var x = images.narrow(0, i, Math.Min(batch, images.shape[0] - i)).to_type(ScalarType.Float32) * 2 - 1;
            foreach (var w in weights) x = nn.functional.relu(nn.functional.conv2d(x, w, strides: [2, 2], padding: [1, 1]));
            var f = cat([x.mean([2, 3]), x.amax([2, 3])], 1).to_type(ScalarType.Float64);     // N×512
            parts.Add(f.MoveToOuterDisposeScope());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The three kernels for <paramref name="channels"/> input channels, from the fixed seed.</summary>
    static List<Tensor> Weights(int channels)
    {
        var gen = new Generator(Seed + (ulong)channels);
        var list = new List<Tensor>();
        int cin = channels;
        foreach (var cout in Widths)
        {
            double std = Math.Sqrt(2.0 / (cin * 9));                     // He-normal for ReLU
            list.Add(randn([cout, cin, 3, 3], generator: gen) * std);
            cin = cout;
        }
        return list;
    }
}
