using System.Diagnostics;

namespace Gan.Bench;

/// <summary>One measured figure: median and spread over repeats, after warm-up.</summary>
public sealed record Measurement(string Name, string Unit, double Median, double Min, double Max, int Repeats)
{
    public override string ToString() =>
        $"{Name,-48} {Median,12:F2} {Unit,-10} (min {Min:F2}, max {Max:F2}, n={Repeats})";
}

/// <summary>A small benchmark harness: warm-up, repeats, median and spread.</summary>
public static class Harness
{
    /// <summary>Runs <paramref name="action"/> (which does <paramref name="work"/> units) and returns units per second.</summary>
    public static Measurement Throughput(string name, string unit, double work, Action action, int warmup = 3, int repeats = 7)
    {
        for (int i = 0; i < warmup; i++) action();
        var rates = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            rates[i] = work / sw.Elapsed.TotalSeconds;
        }
        return Summarise(name, unit, rates);
    }

    /// <summary>Times <paramref name="action"/> and returns milliseconds per call.</summary>
    public static Measurement Milliseconds(string name, Action action, int warmup = 3, int repeats = 15)
    {
        for (int i = 0; i < warmup; i++) action();
        var ms = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            ms[i] = sw.Elapsed.TotalMilliseconds;
        }
        return Summarise(name, "ms", ms);
    }

    public static Measurement Summarise(string name, string unit, double[] values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        double median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Measurement(name, unit, median, sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>
    /// Alternates A and B for <paramref name="rounds"/> rounds (same process, same threads) and
    /// returns both per-round rate lists, so slow drift of the machine affects both sides alike.
    /// </summary>
    public static (double[] A, double[] B) Alternate(double work, Action a, Action b, int rounds = 7, int warmup = 2) =>
        Alternate(work, a, work, b, rounds, warmup);

    /// <summary>As above, where A's round does <paramref name="workA"/> units and B's <paramref name="workB"/>.</summary>
    public static (double[] A, double[] B) Alternate(double workA, Action a, double workB, Action b, int rounds = 7, int warmup = 2)
    {
        for (int i = 0; i < warmup; i++) { a(); b(); }
        var ra = new double[rounds];
        var rb = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew(); a(); ra[i] = workA / sw.Elapsed.TotalSeconds;
            sw.Restart(); b(); rb[i] = workB / sw.Elapsed.TotalSeconds;
        }
        return (ra, rb);
    }
}
