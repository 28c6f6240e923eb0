using System.Globalization;
using System.Text.Json;
using Gan.Runtime.Data;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// `gan eval`: the metrics that fit a run's data (its data strategy's), with their protocol, written to metrics.json.
/// </summary>
internal static class RunEvaluator
{
    public static Dictionary<string, object> Evaluate(string runDir, int n, long? step, int seed, Action<string> say)
    {
        if (n < 10) throw new Errors.UserInputException($"--n {n}: use at least 10 samples");
        using var run = LoadedRun.Load(runDir, step);
        var e = new Evaluation(run.Model, run.Networks, n, seed, say);
        e.Protocol["samples"] = n;
        e.Protocol["seed"] = seed;
        e.Protocol["checkpoint_step"] = run.State.Step;
        e.Protocol["spec"] = run.Model.Name;
        using (var scope = NewDisposeScope()) DataKind.For(run.Model.Data).Evaluate(e);
        var metrics = new Dictionary<string, object>(e.Metrics) { ["protocol"] = e.Protocol };
        AtomicFile.WriteAllText(Path.Combine(runDir, "metrics.json"),
                                JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        return metrics;
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
