using Gan.Dsl;
using Gan.Runtime.Data;
using Gan.Runtime.Metrics;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// `gan-bench rf-calibration [SPEC]`: how the random-feature metrics (RandomFeatures: rf_fid, KID, PRDC) and the 8×8 pixel
/// Fréchet distance separate a real image set's random half from the other half as it is, blurred (Gaussian σ = 1 and 2),
/// with added noise (σ = 0.1 of the range) and with its pixel positions shuffled (one fixed permutation for every image).
/// Default SPEC: specs/sngan32.gan (the 3,786 emoji at 32×32).
/// </summary>
static class RfCalibration
{
    public static void Run(string spec)
    {
        using var scope = NewDisposeScope();
        var ir = Compilation.CompileFile(spec).Ir ?? throw new InvalidOperationException($"{spec} does not compile");
        using var data = DataKind.For(ir.Data).Load(ir.Data, 0, Console.WriteLine);
        var (low, high) = ir.Data is Gan.Dsl.Ir.ImageDataIr f ? (f.Low, f.High) : (0.0, 1.0);
        var x = ((data.X - low) / (high - low)).clamp(0, 1);
        long n = x.shape[0], half = n / 2;
        var perm = randperm(n, generator: new Generator(31));
        var a = x.index_select(0, perm.narrow(0, 0, half));
        var b = x.index_select(0, perm.narrow(0, half, half));
        Console.WriteLine($"{spec}: {n} images {x.shape[1]}×{x.shape[2]}×{x.shape[3]}; half A ({half}) against half B changed as below");
        var positions = randperm(x.shape[2] * x.shape[3], generator: new Generator(7));
        var cases = new (string Name, Tensor B)[]
        {
            ("as it is", b),
            ("blurred, σ = 1", Blur(b, 1.0)),
            ("blurred, σ = 2", Blur(b, 2.0)),
            ("noise, σ = 0.1", (b + 0.1 * randn(b.shape, generator: new Generator(5))).clamp(0, 1)),
            ("pixels shuffled", b.flatten(2).index_select(2, positions).reshape(b.shape)),
        };
        var featA = RandomFeatures.Of(a);
        var pixA = ImageData.PixelFeatures(a, 0, 1);
        Console.WriteLine("| half B | rf_fid | rf KID ± s.e. | precision | recall | density | coverage | pixel FID 8×8 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, changed) in cases)
        {
            using var inner = NewDisposeScope();
            var featB = RandomFeatures.Of(changed);
            var m = new Dictionary<string, object>();
            FeatureMetrics.Add(m, "rf", featB, featA, 41);
            var pixB = ImageData.PixelFeatures(changed, 0, 1);
            Console.WriteLine($"| {name} | {Frechet.Fid(featB, featA):G4} | {m["rf_kid"]:G3} ± {m["rf_kid_std_error"]:G2} | "
                              + $"{m["rf_precision"]:F3} | {m["rf_recall"]:F3} | {m["rf_density"]:F3} | {m["rf_coverage"]:F3} | "
                              + $"{Frechet.Fid(pixB, pixA):G4} |");
        }
    }

    /// <summary>A depthwise Gaussian blur of standard deviation <paramref name="sigma"/> pixels (reflect padding).</summary>
    internal static Tensor Blur(Tensor x, double sigma)
    {
        int r = (int)Math.Ceiling(3 * sigma);
        var k = arange(-r, r + 1, ScalarType.Float32);
        k = exp(-(k * k) / (2 * sigma * sigma));
        k /= k.sum();
        var kernel = k.unsqueeze(1).matmul(k.unsqueeze(0));                                    // (2r+1)×(2r+1)
        long c = x.shape[1];
        var w = kernel.expand(c, 1, 2 * r + 1, 2 * r + 1).contiguous();
        var padded = nn.functional.pad(x, [r, r, r, r], TorchSharp.PaddingModes.Reflect);
        return nn.functional.conv2d(padded, w, groups: c);
    }
}
