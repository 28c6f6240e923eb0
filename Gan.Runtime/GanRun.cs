using Gan.Runtime.Metrics;
using Gan.Runtime.Reports;

namespace Gan.Runtime;

/// <summary>
/// The metrics of a run (<c>metrics.json</c>), as a table of values and as printable text, and the report refreshed with them.
/// </summary>
public sealed record GanEvaluation(IReadOnlyDictionary<string, object> Metrics, string Text, string Report);

/// <summary>What can be done with a run folder besides loading its model (<see cref="GanModel.LoadRun"/>).</summary>
public static class GanRun
{
    /// <summary>
    /// Measures a run with the metrics that fit its data (<paramref name="n"/> samples of noise seed <paramref name="seed"/>, at
    /// the latest checkpoint or the one of <paramref name="step"/>), writes metrics.json and refreshes report.html.
    /// </summary>
    /// <param name="ema">false: evaluate the trained generator itself where the spec also keeps its EMA copy (--no-ema).</param>
    public static GanEvaluation Evaluate(string runDir, int n = 10000, long? step = null, int seed = 0, Action<string>? notice = null,
                                         bool ema = true)
    {
        var metrics = RunEvaluator.Evaluate(runDir, n, step, seed, notice ?? (_ => { }), ema);
        // The report shows the metrics table: refresh it so it never says "no metrics yet" after an eval.
        return new GanEvaluation(metrics, RunEvaluator.Format(metrics), RunReport.Write(runDir));
    }

    /// <summary>Writes report.html (curves, samples, metrics, spec) and returns its path.</summary>
    public static string WriteReport(string runDir) => RunReport.Write(runDir);
}
