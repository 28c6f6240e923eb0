using Gan.Dsl.Ir;
using Gan.Runtime.Imaging;
using Gan.Runtime.Metrics;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// Image sets without labels: a user's folder (<c>images(path)</c>, always read from that path) or the built-in emoji set
/// (<c>emoji(...)</c>, fetched into the cache). Drawn as an image grid; measured by an 8×8 pixel Fréchet distance.
/// </summary>
internal sealed class ImageData : DataKind
{
    public static readonly ImageData Instance = new();

    /// <summary>The folder the images are read from.</summary>
    static string Folder(ImageDataIr f, Action<string> notice) => f switch
    {
        EmojiDataIr => DataCache.EnsureEmoji(notice),
        ImageFolderDataIr folder => FolderPath(folder),
        _ => throw new NotSupportedException(f.GetType().Name),
    };

    /// <summary>A user's folder as the spec names it, with a leading <c>~/</c> meaning the home folder.</summary>
    public static string FolderPath(ImageFolderDataIr f) => f.Path.StartsWith("~/", StringComparison.Ordinal)
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), f.Path[2..]) : f.Path;

    /// <summary>How protocols name the set.</summary>
    static string Describe(ImageDataIr f) => f is ImageFolderDataIr folder ? folder.Path : "emoji";

    /// <summary>The PNG/JPEG files of the folder (see <see cref="ImageFolder"/>: alpha over white, stretched, scaled).</summary>
    public override TensorDataset Load(DataIr data, int seed, Action<string> notice)
    {
        var f = (ImageDataIr)data;
        var set = ImageFolder.Load(Folder(f, notice), f.Size, f.Channels, f.Low, f.High, notice);
        return TensorDataset.FromHost(set.Pixels, [f.Channels, f.Size, f.Size], null);                       // N×C×S×S
    }

    /// <summary>A rows×cols grid of images scaled from the data's range.</summary>
    public static void Grid(ModelIr model, Tensor fake, int rows, int cols, string path)
    {
        var (lo, hi) = model.Data.Scale ?? (-1, 1);
        Images.SaveGrid(fake, rows, cols, lo, hi, path);
    }

    public override void Draw(ModelIr model, Tensor fake, int rows, int cols, string path, string title, TensorDataset? real) =>
        Grid(model, fake, rows, cols, path);

    /// <summary>Pixel features for image sets without a judge: 8×8 average-pooled images in [0, 1] (C·64 values).</summary>
    internal static Tensor PixelFeatures(Tensor images, double lo, double hi) =>
        nn.functional.adaptive_avg_pool2d((images - lo) / (hi - lo), [8, 8]).clamp(0, 1).flatten(1)
            .to_type(ScalarType.Float64);   // N×(C·64)

    /// <summary>
    /// The Fréchet distance between Gaussians fitted to 8×8 pixel features, with the distance between two random halves of
    /// the real set as the floor to compare with, plus D's accuracy on the real images against as many fresh fakes.
    /// </summary>
    public override void Evaluate(Evaluation e)
    {
        var f = (ImageDataIr)e.Model.Data;
        using var data = Load(f, e.Seed, e.Say);
        PixelMetrics(e, data, f.Low, f.High, $"{Describe(f)} ({f.Channels}×{f.Size}×{f.Size})");
    }

    /// <summary>
    /// Fréchet distance, KID and PRDC in the fixed random convolutional feature space (<see cref="RandomFeatures"/>), with the
    /// same metrics between two random halves of the real set (<paramref name="halfA"/>, <paramref name="halfB"/>) as floors.
    /// </summary>
    static void RandomFeatureMetrics(Evaluation e, Tensor real, Tensor fake, double low, double high, Tensor halfA, Tensor halfB)
    {
        Tensor Unit(Tensor x) => ((x - low) / (high - low)).clamp(0, 1);
        var realRf = RandomFeatures.Of(Unit(real));                                            // count×512
        var fakeRf = RandomFeatures.Of(Unit(fake));                                            // fakes×512
        e.Metrics["rf_fid"] = Frechet.Fid(fakeRf, realRf);
        var (a, b) = (realRf.index_select(0, halfA), realRf.index_select(0, halfB));
        e.Metrics["baseline_rf_fid_real_half_vs_half"] = Frechet.Fid(a, b);
        var floor = new Dictionary<string, object>();
        bool measured = FeatureMetrics.Add(e.Metrics, "rf", fakeRf, realRf, e.Seed + 41)
                        & FeatureMetrics.Add(floor, "baseline_rf", a, b, e.Seed + 41);
        foreach (var (name, value) in floor) e.Metrics[name + "_real_half_vs_half"] = value;
        e.Protocol["rf"] = $"{RandomFeatures.Name} (a fixed random conv net, seed {RandomFeatures.Seed}, 512 features: "
                           + "gan-bench rf-calibration); " + FeatureMetrics.Protocol("those features, against all real images")
                           + "; floors: the two random halves of the real set (PRDC's radii depend on the set's size, and the "
                           + "floor's sets are half the real set)"
                           + (measured ? "" : $"; KID and PRDC not measured: they need more than {FeatureMetrics.PrdcK} images a side");
    }

    /// <summary>
    /// The pixel Fréchet distance, its real half-vs-half floor and D's accuracy on <paramref name="data"/> (named
    /// <paramref name="set"/> in the protocol).
    /// </summary>
    public static void PixelMetrics(Evaluation e, TensorDataset data, double low, double high, string set)
    {
        long count = data.Count;
        int fakes = (int)Math.Min(e.N, count);
        var realFeats = PixelFeatures(data.X, low, high);                                  // count×(C·64)
        var generated = Generation.GenerateMany(e.Model, e.Nets, Generation.FixedLatents(e.Model, CPU, e.Seed + 1, fakes), fakes);
        var fakeFeats = PixelFeatures(generated, low, high);                                   // fakes×(C·64)
        e.Metrics["pixel_fid_8x8"] = Frechet.Fid(fakeFeats, realFeats);
        var perm = randperm(count, generator: new Generator((ulong)e.Seed + 31));
        var half = count / 2;
        e.Metrics["baseline_pixel_fid_8x8_real_half_vs_half"] =
            Frechet.Fid(realFeats.index_select(0, perm.narrow(0, 0, half)), realFeats.index_select(0, perm.narrow(0, half, half)));
        RandomFeatureMetrics(e, data.X, generated, low, high, perm.narrow(0, 0, half), perm.narrow(0, half, half));
        // A conditional D (D(real, labels)) is not scored (DAccuracy gives NaN, which JSON cannot hold): the protocol says so.
        // D's accuracy on as many reals as there are fakes (a random subset when --n is smaller than the set) and as many fresh
        // fakes: the whole set at every --n would cost a generator pass per real image.
        using var scored = fakes < count
            ? new TensorDataset(data.X.index_select(0, randperm(count, generator: new Generator((ulong)e.Seed + 37)).narrow(0, 0, fakes)),
                                null)
            : null;
        var accuracy = DAccuracy.Of(e.Model, e.Nets, scored ?? data, e.Seed + 2, CPU);
        if (double.IsNaN(accuracy)) e.Protocol["d_accuracy"] = "not measured: no loss applies D to the real images alone";
        else
        {
            e.Metrics["d_accuracy"] = accuracy;
            e.Protocol["d_accuracy"] = $"D on {(scored ?? data).Count} real images (a random subset, seed {e.Seed + 37}, when fewer than "
                                       + "the set) and as many fresh fakes; threshold 0 on logits, 0.5 on a sigmoid output";
        }
        e.Protocol["reference"] = $"all {count} images of {set}, against {fakes} generated; "
                                  + "features: 8×8 average-pooled pixels in [0, 1]; "
                                  + $"baseline: two random halves of the real set (seed {e.Seed + 31})";
    }
}
