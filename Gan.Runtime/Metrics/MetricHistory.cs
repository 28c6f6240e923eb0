using System.Text.Json;

namespace Gan.Runtime.Metrics;

/// <summary>
/// A run's metrics over training: one <c>metrics/step-NNNNNNN.json</c> per evaluated checkpoint (written by `gan eval` and by
/// `gan train --eval-every`), read back as one series per scalar metric, each with its real-vs-real floor where the
/// evaluation has one (<c>baseline_{name}_train_vs_test</c> or <c>baseline_{name}_real_half_vs_half</c>).
/// </summary>
internal sealed record MetricHistory(double[] Steps, IReadOnlyList<MetricHistory.Series> Metrics, IReadOnlyList<string> Unreadable)
{
    public sealed record Series(string Name, double[] Values, double? Floor);

    public const string Folder = "metrics";

    /// <summary>step-NNNNNNN.json: seven digits or more (a step past 9,999,999 has more).</summary>
    static readonly System.Text.RegularExpressions.Regex StepFile = new(@"^step-(\d{7,18})\.json$");

    public static string PathFor(string runDir, long step) => Path.Combine(runDir, Folder, $"step-{step:D7}.json");

    /// <summary>The run's history, oldest step first; files that do not parse are listed in <see cref="Unreadable"/>.</summary>
    public static MetricHistory Read(string runDir)
    {
        var dir = Path.Combine(runDir, Folder);
        var files = Directory.Exists(dir)
            ? Directory.GetFiles(dir, "step-*.json").Where(f => StepFile.IsMatch(Path.GetFileName(f)))
                       .OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal).ToArray()
            : [];
        var steps = new List<double>();
        var rows = new List<Dictionary<string, double>>();
        var unreadable = new List<string>();
        foreach (var f in files)
        {
            if (!long.TryParse(StepFile.Match(Path.GetFileName(f)).Groups[1].Value, out var step)) { unreadable.Add(f); continue; }
            var row = ReadScalars(f);
            if (row is null) { unreadable.Add(f); continue; }
            steps.Add(step);
            rows.Add(row);
        }
        var names = rows.Count == 0 ? [] : rows[^1].Keys.Where(Plotted).ToList();
        var series = names.Select(n => new Series(n, [.. rows.Select(r => r.GetValueOrDefault(n, double.NaN))], Floor(rows[^1], n)))
                          .ToList();
        return new MetricHistory([.. steps], series, unreadable);
    }

    /// <summary>Metrics worth a curve: not the floors themselves, not standard errors.</summary>
    static bool Plotted(string name) => !name.StartsWith("baseline_", StringComparison.Ordinal)
                                        && !name.EndsWith("_std_error", StringComparison.Ordinal);

    static double? Floor(Dictionary<string, double> row, string name) =>
        row.TryGetValue($"baseline_{name}_train_vs_test", out var a) ? a
        : row.TryGetValue($"baseline_{name}_real_half_vs_half", out var b) ? b
        : null;

    /// <summary>The top-level numbers of one metrics file, or null when it is not a JSON object (a damaged file).</summary>
    static Dictionary<string, double>? ReadScalars(string path)
    {
        try
        {
            if (new FileInfo(path).Length > 1 << 20) return null;          // ours are a few kB
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            var row = new Dictionary<string, double>();
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Number) row[p.Name] = p.Value.GetDouble();
            return row;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { return null; }
    }
}
