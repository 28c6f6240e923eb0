using System.Net;
using System.Text;
using System.Text.Json;
using Gan.Runtime.Imaging;
using Gan.Runtime.Metrics;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Reports;

/// <summary>
/// Writes <c>report.html</c> for a run folder: loss curves, D(x) and D(G(z)) over time, the sample
/// grids over training, the metrics table, the metrics over training and the spec. Self-contained (images embedded as data
/// URIs, no scripts, no network). Plots are also kept as PNG files under <c>plots/</c>.
/// </summary>
internal static class RunReport
{
    public static string Write(string runDir)
    {
        var log = LogCsv.Read(Path.Combine(runDir, "log.csv"));
        var plots = Directory.CreateDirectory(Path.Combine(runDir, "plots")).FullName;
        var steps = log.Column("step");

        var lossPng = Path.Combine(plots, "losses.png");
        LinePlot.Save(lossPng, "Losses", "step", "loss", steps, log.LossColumns.Select(c => (c, log.Column(c))).ToList());
        string? dPng = null;
        if (log.Has("d_real") && log.Has("d_fake"))
        {
            dPng = Path.Combine(plots, "d-outputs.png");
            LinePlot.Save(dPng, "Discriminator outputs", "step", "mean output", steps,
                [("D(x)", log.Column("d_real")), ("D(G(z))", log.Column("d_fake"))]);
        }

        var html = new StringBuilder();
        var name = Path.GetFileName(Path.GetFullPath(runDir).TrimEnd(Path.DirectorySeparatorChar));
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>GanDsl run ")
            .Append(Enc(name)).Append("</title><style>body{font-family:sans-serif;max-width:1000px;margin:auto}")
            .Append("img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}")
            .Append("pre{background:#f6f6f6;padding:8px;overflow-x:auto}.grid{display:inline-block;margin:4px;text-align:center}")
            .Append("</style></head><body>");
        html.Append("<h1>Run ").Append(Enc(name)).Append("</h1>");
        html.Append($"<p>{log.RowCount} logged rows, last step {(steps.Length > 0 ? steps[^1] : 0)}.</p>");

        html.Append("<h2>Metrics</h2>");
        var metricsPath = Path.Combine(runDir, "metrics.json");
        if (File.Exists(metricsPath)) AppendMetrics(html, File.ReadAllText(metricsPath));
        else html.Append("<p>No metrics yet: run <code>gan eval ").Append(Enc(runDir)).Append("</code>.</p>");

        AppendQuality(html, runDir, plots);

        html.Append("<h2>Losses</h2>").Append(Img(lossPng));
        if (dPng != null) html.Append("<h2>D(x) and D(G(z))</h2>").Append(Img(dPng));

        var samples = Path.Combine(runDir, "samples");
        if (Directory.Exists(samples))
        {
            html.Append("<h2>Samples over training</h2>");
            var files = Directory.GetFiles(samples, "*.png").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            // At most 12 grids, evenly spread, always including the last.
            var pick = files.Length <= 12
                ? files
                : Enumerable.Range(0, 12).Select(i => files[(int)Math.Round(i * (files.Length - 1) / 11.0)]).Distinct();
            foreach (var f in pick)
                html.Append("<div class=\"grid\">").Append(Img(f, 300)).Append("<br>").Append(Enc(Path.GetFileNameWithoutExtension(f)))
                    .Append("</div>");
        }

        var spec = Path.Combine(runDir, "spec.gan");
        if (File.Exists(spec)) html.Append("<h2>Spec</h2><pre>").Append(Enc(File.ReadAllText(spec))).Append("</pre>");
        html.Append("</body></html>");

        var path = Path.Combine(runDir, "report.html");
        AtomicFile.WriteAllText(path, html.ToString());
        return path;
    }

    /// <summary>
    /// Each metric against the evaluated steps (metrics/step-*.json, from `gan eval` at several checkpoints or `gan train
    /// --eval-every`), with its real-vs-real floor as a flat line; shown once two steps are evaluated.
    /// </summary>
    static void AppendQuality(StringBuilder html, string runDir, string plots)
    {
        var history = MetricHistory.Read(runDir);
        foreach (var f in history.Unreadable)
            html.Append("<p>Skipped ").Append(Enc(f)).Append(": not a metrics file (damaged?); run <code>gan eval</code> again.</p>");
        if (history.Steps.Length < 2) return;
        html.Append("<h2>Quality over training</h2><p>Evaluated at steps ")
            .Append(Enc(string.Join(", ", history.Steps))).Append(" (each with its real-vs-real floor, where the data has one).</p>");
        foreach (var m in history.Metrics)
        {
            var png = Path.Combine(plots, $"quality-{m.Name}.png");
            var series = new List<(string, double[])> { (m.Name, m.Values) };
            if (m.Floor is double floor) series.Add(("real vs real", [.. history.Steps.Select(_ => floor)]));
            LinePlot.Save(png, m.Name, "step", m.Name, history.Steps, series, 480, 300);
            html.Append("<div class=\"grid\">").Append(Img(png, 480)).Append("</div>");
        }
    }

    static void AppendMetrics(StringBuilder html, string json)
    {
        using var doc = JsonDocument.Parse(json);
        html.Append("<table><tr><th>metric</th><th>value</th></tr>");
        void Walk(JsonElement e, string prefix)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject()) Walk(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name);
            else
                html.Append("<tr><td>").Append(Enc(prefix)).Append("</td><td>").Append(Enc(Value(e))).Append("</td></tr>");
        }
        // Numbers to 5 significant digits, as `gan eval` prints them; a list (class shares) as index: value pairs.
        static string Value(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetInt64(out var whole)
                ? whole.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : e.GetDouble().ToString("G5", System.Globalization.CultureInfo.InvariantCulture),
            JsonValueKind.Array => string.Join(", ", e.EnumerateArray().Select((v, i) => $"{i}: {Value(v)}")),
            _ => e.ToString(),
        };
        Walk(doc.RootElement, "");
        html.Append("</table>");
    }

    static string Img(string png, int? width = null) =>
        $"<img {(width is int w ? $"width=\"{w}\" " : "")}src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(png))}\">";

    static string Enc(string s) => WebUtility.HtmlEncode(s);
}
