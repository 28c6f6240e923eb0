using System.Globalization;
using System.Text.Json;
using Gan.Runtime.Data;
using Gan.Runtime.Runs;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// `gan eval`: the metrics that fit a run's data (its data strategy's), with their protocol, written to metrics.json and to
/// metrics/step-NNNNNNN.json (the evaluated checkpoint's step).
/// </summary>
internal static class RunEvaluator
{
    public static Dictionary<string, object> Evaluate(string runDir, int n, long? step, int seed, Action<string> say, bool ema = true)
    {
        if (n < 10) throw new Errors.UserInputException($"--n {n}: use at least 10 samples");
        using var run = LoadedRun.Load(runDir, step, ema);
        if (Generation.Describe(run.Model) is { } which) say(which);
        var e = new Evaluation(run.Model, run.Networks, n, seed, say);
        e.Protocol["samples"] = n;
        e.Protocol["seed"] = seed;
        e.Protocol["checkpoint_step"] = run.State.Step;
        e.Protocol["generator"] = run.Model.Sampling.Sampled;
        e.Protocol["spec"] = run.Model.Name;
        using (var scope = NewDisposeScope()) DataKind.For(run.Model.Data).Evaluate(e);
        var metrics = new Dictionary<string, object>(e.Metrics) { ["protocol"] = e.Protocol };
        var json = JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(runDir, "metrics.json"), json);
        // Each step's metrics are also kept, for the report's quality-over-training plots (MetricHistory).
        Directory.CreateDirectory(Path.Combine(runDir, MetricHistory.Folder));
        AtomicFile.WriteAllText(MetricHistory.PathFor(runDir, run.State.Step), json);
        return metrics;
    }

    public static string Format(Dictionary<string, object> metrics)
    {
        var shown = metrics.Where(kv => kv.Key != "protocol").ToList();
        int width = shown.Count == 0 ? 0 : shown.Max(kv => kv.Key.Length);
        return string.Join("\n", shown.Select(kv => kv.Key.PadRight(width) + "  " + FormatValue(kv.Value)))
               + "\nprotocol: "
               + string.Join(", ", ((Dictionary<string, object>)metrics["protocol"]).Select(kv => $"{kv.Key} = {kv.Value}"));
    }

    static string FormatValue(object value) => value switch
    {
        double d => d.ToString("G5", CultureInfo.InvariantCulture),
        double[] shares => string.Join(" ", shares.Select((v, k) => $"{k}:{v * 100:F1}%")),
        _ => value.ToString() ?? "",
    };
}
