using System.Globalization;
using System.Text.Json;
using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Errors;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// `gan eval`: picks the metrics that fit a run's data, states the protocol, and writes metrics.json.
/// </summary>
public static class RunEvaluator
{
    public static Dictionary<string, object> Evaluate(string runDir, int n, long? step, int seed, Action<string> say)
    {
        var (model, nets, state) = Sampler.LoadRun(runDir, step);
        var metrics = new Dictionary<string, object>();
        var protocol = new Dictionary<string, object> { ["samples"] = n, ["seed"] = seed, ["checkpoint_step"] = state.Step, ["spec"] = model.Name };
        using (var scope = NewDisposeScope())
        {
            switch (model.Data)
            {
                case Gaussian2dDataIr g:
                    Gaussian(model, g, nets, n, seed, metrics, protocol);
                    break;
                case MnistDataIr m:
                    Mnist(model, m, nets, n, seed, metrics, protocol, say);
                    break;
                case ImageFolderDataIr f:
                    Images(model, f, nets, n, seed, metrics, protocol, say);
                    break;
                default:
                    throw new UserInputException($"{runDir}: gan eval has no metric for {model.Data.GetType().Name.Replace("DataIr", "")} data yet (it measures 2-D Gaussian and MNIST runs).");
            }
        }
        metrics["protocol"] = protocol;
        var path = Path.Combine(runDir, "metrics.json");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
        foreach (var m in nets.Values) m.Dispose();
        return metrics;
    }

    static void Gaussian(ModelIr model, Gaussian2dDataIr g, IReadOnlyDictionary<string, Model.NetworkModule> nets, int n, int seed,
                         Dictionary<string, object> metrics, Dictionary<string, object> protocol)
    {
        // Held-out real points: the same distribution drawn with another seed than the training set's.
        using var real = Datasets.Gaussian(g with { Count = n }, seed + 9999);
        var fake = Sampling.Generate(model, nets, Sampling.FixedLatents(model, CPU, seed + 1, n));
        var r = Gaussian2dMetrics.Compare(real.X, fake);
        metrics["w2"] = r.Wasserstein2;
        metrics["mean_error"] = r.MeanError;
        metrics["covariance_error"] = r.CovarianceError;
        metrics["d_accuracy"] = Sampling.DAccuracy(model, nets, real, seed + 2);
        protocol["reference"] = $"{n} fresh points of the spec's Gaussian (seed {seed + 9999}), against {n} generated from fresh noise";
    }

    public static Tensor ToJudgeInput(Tensor images, MnistDataIr m)
    {
        var x = ((images - m.Low) / (m.High - m.Low)).clamp(0, 1);                        // N×1×S×S in [0, 1]
        if (m.Size == 28) return x;
        if (m.Resize == "pad") { int before = (m.Size - 28) / 2; return x[.., .., before..(before + 28), before..(before + 28)]; }
        return nn.functional.interpolate(x, [28, 28], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    static void Mnist(ModelIr model, MnistDataIr m, IReadOnlyDictionary<string, Model.NetworkModule> nets, int n, int seed,
                      Dictionary<string, object> metrics, Dictionary<string, object> protocol, Action<string> say)
    {
        using var judge = JudgeCache.Load(say);
        var (testX, testY) = JudgeCache.Mnist("test", say);
        var latents = Sampling.FixedLatents(model, CPU, seed + 1, n);
        var (testProbs, testFeats) = judge.Judge(testX);
        var probs = SampleScores(judge, ToJudgeInput(GenerateMany(model, nets, latents, n), m), testFeats, metrics);
        var cls = model.Latents.FirstOrDefault(l => l.Kind is LatentKind.OneHot or LatentKind.Label && latents.ContainsKey(l.Name));
        if (cls is not null)
        {
            var asked = latents[cls.Name];
            var wanted = cls.Kind == LatentKind.OneHot ? asked.argmax(1) : asked;
            metrics["conditional_accuracy"] = ClassifierScores.Accuracy(probs, wanted);
            // InfoGAN's code is unsupervised: which code value became which digit is arbitrary.
            metrics["conditional_accuracy_best_code_to_class_map"] = ClassifierScores.MatchedAccuracy(probs, wanted, cls.Classes);
            protocol["conditional"] = $"latent '{cls.Name}': code k asked for, judged class compared with k, and under the best one-to-one code-to-class map";
        }
        // Real-vs-real baselines for scale.
        var (trainX, _) = JudgeCache.Mnist("train", say);
        var (_, trainFeats) = judge.Judge(trainX.narrow(0, 0, 10000));
        metrics["baseline_judge_fid_train_vs_test"] = Frechet.Fid(trainFeats, testFeats);
        metrics["baseline_judge_is_test"] = ClassifierScores.InceptionScore(testProbs);
        metrics["baseline_judge_accuracy_test"] = ClassifierScores.Accuracy(testProbs, testY);
        protocol["reference"] = "MNIST test split (10,000 images); baselines: the first 10,000 train images";
        protocol["judge"] = $"{MnistJudge.Version} sha256 {MnistJudge.FileHash(JudgeCache.PathFor)[..16]}…";
    }

    /// <summary>
    /// The judge's scores for generated digits (N×1×28×28 in [0, 1]) into <paramref name="metrics"/>: judge-FID against
    /// the test set's features, judge-IS, class coverage and shares, confident fraction. Returns the class probabilities.
    /// </summary>
    public static Tensor SampleScores(MnistJudge judge, Tensor images, Tensor testFeats, Dictionary<string, object> metrics)
    {
        var (probs, feats) = judge.Judge(images);
        metrics["judge_fid"] = Frechet.Fid(feats, testFeats);
        metrics["judge_is"] = ClassifierScores.InceptionScore(probs);
        var shares = ClassifierScores.ClassShares(probs);
        metrics["class_coverage"] = ClassifierScores.ClassCoverage(shares);
        metrics["class_shares"] = shares;
        metrics["confident_fraction"] = ClassifierScores.ConfidentFraction(probs);
        return probs;
    }

    /// <summary>Generates <paramref name="n"/> samples from the given latents in chunks of 500 (the batch that sample { bn: batch } normalises over).</summary>
    static Tensor GenerateMany(ModelIr model, IReadOnlyDictionary<string, Model.NetworkModule> nets, Dictionary<string, Tensor> latents, int n)
    {
        var parts = new List<Tensor>();
        for (int i = 0; i < n; i += 500)
        {
            var part = latents.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, i, Math.Min(500, n - i)));
            parts.Add(Sampling.Generate(model, nets, part));
        }
        return cat(parts, 0);
    }

    /// <summary>Pixel features for image sets without a judge: 8×8 average-pooled images in [0, 1] (C·64 values).</summary>
    static Tensor PixelFeatures(Tensor images, double lo, double hi) =>
        nn.functional.adaptive_avg_pool2d((images - lo) / (hi - lo), [8, 8]).clamp(0, 1).flatten(1).to_type(ScalarType.Float64);   // N×(C·64)

    /// <summary>
    /// Image folders (the emoji set, a user's faces) have no judge: the Fréchet distance between Gaussians fitted to
    /// 8×8 pixel features, with the distance between two random halves of the real set as the floor to compare with,
    /// plus D's accuracy on the real images against as many fresh fakes.
    /// </summary>
    static void Images(ModelIr model, ImageFolderDataIr f, IReadOnlyDictionary<string, Model.NetworkModule> nets, int n, int seed,
                       Dictionary<string, object> metrics, Dictionary<string, object> protocol, Action<string> say)
    {
        using var data = Datasets.Load(f, seed, say);
        long count = data.Count;
        int fakes = (int)Math.Min(n, count);
        var realFeats = PixelFeatures(data.X, f.Low, f.High);                                  // count×(C·64)
        var fakeFeats = PixelFeatures(GenerateMany(model, nets, Sampling.FixedLatents(model, CPU, seed + 1, fakes), fakes), f.Low, f.High);   // fakes×(C·64)
        metrics["pixel_fid_8x8"] = Frechet.Fid(fakeFeats, realFeats);
        var perm = randperm(count, generator: new Generator((ulong)seed + 31));
        var half = count / 2;
        metrics["baseline_pixel_fid_8x8_real_half_vs_half"] = Frechet.Fid(realFeats.index_select(0, perm.narrow(0, 0, half)), realFeats.index_select(0, perm.narrow(0, half, half)));
        metrics["d_accuracy"] = Sampling.DAccuracy(model, nets, data, seed + 2);
        protocol["reference"] = $"all {count} images of {f.Path} ({f.Channels}×{f.Size}×{f.Size}), against {fakes} generated; features: 8×8 average-pooled pixels in [0, 1]; "
                                + $"baseline: two random halves of the real set (seed {seed + 31})";
    }

    public static string Format(Dictionary<string, object> metrics) =>
        string.Join("\n", metrics.Where(kv => kv.Key != "protocol").Select(kv => $"{kv.Key,-36} {FormatValue(kv.Value)}"))
        + "\nprotocol: " + string.Join(", ", ((Dictionary<string, object>)metrics["protocol"]).Select(kv => $"{kv.Key} = {kv.Value}"));

    static string FormatValue(object value) => value switch
    {
        double d => d.ToString("G5", CultureInfo.InvariantCulture),
        double[] shares => string.Join(" ", shares.Select((v, k) => $"{k}:{v * 100:F1}%")),
        _ => value.ToString() ?? "",
    };
}
