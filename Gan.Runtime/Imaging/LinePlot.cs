using Gan.Runtime.Runs;

namespace Gan.Runtime.Imaging;

/// <summary>Line charts for run reports (loss curves, D(x)/D(G(z))), drawn with ScottPlot.</summary>
internal static class LinePlot
{
    /// <summary>
    /// Writes a PNG with one line per series (x values shared), atomically: a reader never sees a half-written image.
    /// </summary>
    public static void Save(string path, string title, string xLabel, string yLabel, double[] xs,
                            IReadOnlyList<(string Name, double[] Ys)> series, int width = 800, int height = 450)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, ys) in series)
        {
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = name;
            line.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 1) plot.ShowLegend();
        AtomicFile.Write(path, tmp => plot.SavePng(tmp, width, height));
    }
}
