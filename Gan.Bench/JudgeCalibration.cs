using Gan.Runtime.Metrics;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// `gan-bench judge-calibration [mnist|fashion-mnist]`: how far the judge metrics (`gan eval`'s judge-FID, KID, PRDC,
/// judge-IS, confident fraction) move when the floor's real sample (the first 10,000 train images, judged against the test
/// split) is changed in ways a generator's samples differ from real ones: blurred, noisy, strokes thickened or thinned
/// (a 3×3 max or min filter), a share of the images replaced by the mean of two images of different classes (ambiguous
/// shapes, as a GAN draws between its modes), or one class missing. It says which judge-FID a recipe must reach to be
/// "close to real data" in terms a reader can picture.
/// </summary>
static class JudgeCalibration
{
    public static void Run(JudgeSet set)
    {
        using var scope = NewDisposeScope();
        using var judge = JudgeCache.Load(set, Console.WriteLine);
        var (testX, _) = JudgeCache.Images(set, "test", Console.WriteLine);
        var (trainX, trainY) = JudgeCache.Images(set, "train", Console.WriteLine);
        var (_, testFeats) = judge.Judge(testX);
        var x = trainX.narrow(0, 0, 10000);
        var y = trainY.narrow(0, 0, 10000);
        Console.WriteLine($"{set.Title}: the first 10,000 train images, changed as below, against the test split; "
                          + JudgeCache.Describe(set));
        var cases = new (string Name, Tensor Images)[]
        {
            ("as it is (the floor)", x),
            ("blurred, σ = 0.5", RfCalibration.Blur(x, 0.5)),
            ("blurred, σ = 1", RfCalibration.Blur(x, 1.0)),
            ("noise, σ = 0.03", (x + 0.03 * randn(x.shape, generator: new Generator(5))).clamp(0, 1)),
            ("noise, σ = 0.1", (x + 0.1 * randn(x.shape, generator: new Generator(5))).clamp(0, 1)),
            ("every pixel + 0.03", (x + 0.03).clamp(0, 1)),
            ("contrast × 0.9", 0.9 * x),
            ("strokes thickened (3×3 max)", nn.functional.max_pool2d(x, 3, stride: 1, padding: 1)),
            ("strokes thinned (3×3 min)", -nn.functional.max_pool2d(-x, 3, stride: 1, padding: 1)),
            ("10% replaced by two-class blends", Blended(x, y, 0.10)),
            ("30% replaced by two-class blends", Blended(x, y, 0.30)),
            ("class 9 replaced by other classes", WithoutClass(x, y, 9)),
        };
        Console.WriteLine("| sample | judge-FID | KID ± s.e. | precision | recall | density | coverage | judge-IS | confident |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, images) in cases)
        {
            using var inner = NewDisposeScope();
            var m = new Dictionary<string, object>();
            JudgeEvaluation.SampleScores(judge, images, testFeats, m);
            Console.WriteLine($"| {name} | {m["judge_fid"]:G4} | {m["judge_kid"]:G3} ± {m["judge_kid_std_error"]:G2} | "
                              + $"{m["judge_precision"]:F3} | {m["judge_recall"]:F3} | {m["judge_density"]:F3} | "
                              + $"{m["judge_coverage"]:F3} | {m["judge_is"]:F2} | {m["confident_fraction"]:P0} |");
        }
    }

    /// <summary>The images with a seeded <paramref name="share"/> of them replaced by the pixel mean of that image and a
    /// partner of another class (the next image in a seeded permutation whose label differs).</summary>
    static Tensor Blended(Tensor x, Tensor y, double share)
    {
        long n = x.shape[0];
        var perm = randperm(n, generator: new Generator(11)).data<long>().ToArray();
        var labels = y.data<long>().ToArray();
        var partner = new long[n];
        for (long i = 0; i < n; i++)
        {
            long j = perm[i];
            for (long k = 1; labels[j] == labels[i]; k++) j = perm[(i + k) % n];
            partner[i] = j;
        }
        var blends = 0.5 * (x + x.index_select(0, tensor(partner)));
        var replace = (rand([n, 1, 1, 1], generator: new Generator(13)) < share);
        return where(replace, blends, x);
    }

    /// <summary>The images with every one of class <paramref name="cls"/> replaced by a seeded draw of the other classes'.</summary>
    static Tensor WithoutClass(Tensor x, Tensor y, long cls)
    {
        var others = nonzero(y != cls).squeeze(1);
        var draw = randint(0, others.shape[0], [x.shape[0]], generator: new Generator(17));
        var substitutes = x.index_select(0, others.index_select(0, draw));
        return where((y == cls).reshape(-1, 1, 1, 1), substitutes, x);
    }
}
