using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// `gan eval` on a set that has a judge (MNIST, Fashion-MNIST): judge-FID, KID and PRDC against the test split's judge
/// features, judge-IS, class coverage and shares, confident fraction, conditional accuracy where the spec draws a class,
/// and the same metrics for real train images against the test split as floors.
/// </summary>
internal static class JudgeEvaluation
{
    /// <summary>Generated images as the judge reads them: N×1×28×28 in [0, 1] (the padding cropped, or resized back to 28).</summary>
    public static Tensor ToJudgeInput(Tensor images, double low, double high, int size, string resize)
    {
        var x = ((images - low) / (high - low)).clamp(0, 1);                                  // N×1×S×S in [0, 1]
        if (size == 28) return x;
        if (resize == "pad") { int before = (size - 28) / 2; return x[.., .., before..(before + 28), before..(before + 28)]; }
        return nn.functional.interpolate(x, [28, 28], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <summary>
    /// The judge's scores for generated images (N×1×28×28 in [0, 1]) into <paramref name="metrics"/>: judge-FID, KID and
    /// precision/recall/density/coverage against the test split's features, judge-IS, class coverage and shares, confident
    /// fraction. Returns the class probabilities.
    /// </summary>
    public static Tensor SampleScores(JudgeNetwork judge, Tensor images, Tensor testFeats, Dictionary<string, object> metrics)
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

    /// <summary>Every judge metric of the run in <paramref name="e"/>, whose data is <paramref name="set"/>.</summary>
    public static void Evaluate(Evaluation e, JudgeSet set, double low, double high, int size, string resize)
    {
        var model = e.Model;
        using var judge = JudgeCache.Load(set, e.Say);
        var (testX, testY) = JudgeCache.Images(set, "test", e.Say);
        var latents = Generation.FixedLatents(model, CPU, e.Seed + 1, e.N);
        var (testProbs, testFeats) = judge.Judge(testX);
        var images = ToJudgeInput(Generation.GenerateMany(model, e.Nets, latents, e.N), low, high, size, resize);
        var probs = SampleScores(judge, images, testFeats, e.Metrics);
        var cls = LatentDraws.ClassPart(model, latents);
        if (cls is not null)
        {
            var asked = latents[cls.Name];
            var wanted = cls.Kind == LatentKind.OneHot ? asked.argmax(1) : asked;
            e.Metrics["conditional_accuracy"] = ClassifierScores.Accuracy(probs, wanted);
            // InfoGAN's code is unsupervised: which code value became which class is arbitrary.
            e.Metrics["conditional_accuracy_best_code_to_class_map"] = ClassifierScores.MatchedAccuracy(probs, wanted, cls.Classes);
            e.Protocol["conditional"] = $"latent '{cls.Name}': code k asked for, judged class compared with k, "
                                        + "and under the best one-to-one code-to-class map";
        }
        // Real-vs-real floors for scale.
        var (trainX, _) = JudgeCache.Images(set, "train", e.Say);
        var (_, trainFeats) = judge.Judge(trainX.narrow(0, 0, 10000));
        e.Metrics["baseline_judge_fid_train_vs_test"] = Frechet.Fid(trainFeats, testFeats);
        var floor = new Dictionary<string, object>();
        FeatureMetrics.Add(floor, "baseline_judge", trainFeats, testFeats, seed: 17);
        foreach (var (name, value) in floor) e.Metrics[name + "_train_vs_test"] = value;
        e.Metrics["baseline_judge_is_test"] = ClassifierScores.InceptionScore(testProbs);
        e.Metrics["baseline_judge_accuracy_test"] = ClassifierScores.Accuracy(testProbs, testY);
        e.Protocol["judge_reference"] = $"{set.Title} test split (10,000 images); baselines: the first 10,000 train images";
        e.Protocol["kid_prdc"] = FeatureMetrics.Protocol("the judge's 128-wide penultimate features, against the test split's")
                                 + "; floors: the first 10,000 train images against the test split";
        e.Protocol["judge"] = JudgeCache.Describe(set);
    }
}
