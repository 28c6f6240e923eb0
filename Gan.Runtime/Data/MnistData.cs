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

    /// <summary>Generated digits as the judge reads them: N×1×28×28 in [0, 1] (the padding cropped, or resized back to 28).</summary>
    public static Tensor ToJudgeInput(Tensor images, MnistDataIr m)
    {
        var x = ((images - m.Low) / (m.High - m.Low)).clamp(0, 1);                        // N×1×S×S in [0, 1]
        if (m.Size == 28) return x;
        if (m.Resize == "pad") { int before = (m.Size - 28) / 2; return x[.., .., before..(before + 28), before..(before + 28)]; }
        return nn.functional.interpolate(x, [28, 28], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <summary>
    /// The judge's scores for generated digits (N×1×28×28 in [0, 1]) into <paramref name="metrics"/>: judge-FID, KID and
    /// precision/recall/density/coverage against the test set's features, judge-IS, class coverage and shares, confident
    /// fraction. Returns the class probabilities.
    /// </summary>
    public static Tensor SampleScores(MnistJudge judge, Tensor images, Tensor testFeats, Dictionary<string, object> metrics)
    {
        var (probs, feats) = judge.Judge(images);
        metrics["judge_fid"] = Frechet.Fid(feats, testFeats);
        FeatureMetrics.Add(metrics, "judge", feats, testFeats, seed: 17);
        metrics["judge_is"] = ClassifierScores.InceptionScore(probs);
        var shares = ClassifierScores.ClassShares(probs);
        metrics["class_coverage"] = ClassifierScores.ClassCoverage(shares);
        metrics["class_shares"] = shares;
        metrics["confident_fraction"] = ClassifierScores.ConfidentFraction(probs);
        return probs;
    }

    public override void Evaluate(Evaluation e)
    {
        var (model, m) = (e.Model, (MnistDataIr)e.Model.Data);
        using var judge = JudgeCache.Load(e.Say);
        var (testX, testY) = JudgeCache.Mnist("test", e.Say);
        var latents = Generation.FixedLatents(model, CPU, e.Seed + 1, e.N);
        var (testProbs, testFeats) = judge.Judge(testX);
        var probs = SampleScores(judge, ToJudgeInput(Generation.GenerateMany(model, e.Nets, latents, e.N), m), testFeats, e.Metrics);
        var cls = LatentDraws.ClassPart(model, latents);
        if (cls is not null)
        {
            var asked = latents[cls.Name];
            var wanted = cls.Kind == LatentKind.OneHot ? asked.argmax(1) : asked;
            e.Metrics["conditional_accuracy"] = ClassifierScores.Accuracy(probs, wanted);
            // InfoGAN's code is unsupervised: which code value became which digit is arbitrary.
            e.Metrics["conditional_accuracy_best_code_to_class_map"] = ClassifierScores.MatchedAccuracy(probs, wanted, cls.Classes);
            e.Protocol["conditional"] = $"latent '{cls.Name}': code k asked for, judged class compared with k, "
                                        + "and under the best one-to-one code-to-class map";
        }
        // Real-vs-real baselines for scale.
        var (trainX, _) = JudgeCache.Mnist("train", e.Say);
        var (_, trainFeats) = judge.Judge(trainX.narrow(0, 0, 10000));
        e.Metrics["baseline_judge_fid_train_vs_test"] = Frechet.Fid(trainFeats, testFeats);
        var floor = new Dictionary<string, object>();
        FeatureMetrics.Add(floor, "baseline_judge", trainFeats, testFeats, seed: 17);
        foreach (var (name, value) in floor) e.Metrics[name + "_train_vs_test"] = value;
        e.Protocol["kid_prdc"] = FeatureMetrics.Protocol("the judge's 128-wide penultimate features, against the test split's")
                                 + "; floors: the first 10,000 train images against the test split";
        e.Metrics["baseline_judge_is_test"] = ClassifierScores.InceptionScore(testProbs);
        e.Metrics["baseline_judge_accuracy_test"] = ClassifierScores.Accuracy(testProbs, testY);
        e.Protocol["reference"] = "MNIST test split (10,000 images); baselines: the first 10,000 train images";
        e.Protocol["judge"] = $"{MnistJudge.Version} sha256 {Downloads.Sha256(JudgeCache.PathFor)[..16]}…";
    }
}
