using Gan.Runtime.Runs;
using SkiaSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Imaging;

/// <summary>Sample grids and 2-D scatter plots as PNG files, written atomically.</summary>
internal static class Images
{
    /// <summary>Writes N×C×H×W images scaled from [low, high] as a rows×cols grid with a 2-px border.</summary>
    public static void SaveGrid(Tensor images, int rows, int cols, double low, double high, string path, int scale = 2)
    {
        using var scope = NewDisposeScope();
        var x = ((images.detach().cpu().to_type(ScalarType.Float32) - low) / (high - low)).clamp(0, 1);   // N×C×H×W in [0,1]
        int n = (int)x.shape[0], c = (int)x.shape[1], h = (int)x.shape[2], w = (int)x.shape[3];
        var data = x.contiguous().data<float>().ToArray();
        const int border = 2;
        int width = cols * (w * scale + border) + border, height = rows * (h * scale + border) + border;
        using var bmp = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bmp.Erase(new SKColor(40, 40, 40));
        for (int i = 0; i < Math.Min(n, rows * cols); i++)
        {
            int r0 = (i / cols) * (h * scale + border) + border, c0 = (i % cols) * (w * scale + border) + border;
            for (int y = 0; y < h * scale; y++)
                for (int xx = 0; xx < w * scale; xx++)
                {
                    int p = (y / scale) * w + xx / scale, b = i * c * h * w;
                    byte R, G, B;
                    if (c == 1) R = G = B = (byte)(255 * data[b + p]);
                    else
                    {
                        R = (byte)(255 * data[b + p]);
                        G = (byte)(255 * data[b + h * w + p]);
                        B = (byte)(255 * data[b + 2 * h * w + p]);
                    }
                    bmp.SetPixel(c0 + xx, r0 + y, new SKColor(R, G, B));
                }
        }
        Write(bmp, path);
    }

    static void Write(SKBitmap bmp, string path) => AtomicFile.Write(path, tmp =>
    {
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        using var f = File.Create(tmp);
        data.SaveTo(f);
    });

    /// <summary>Real points (blue) and generated points (orange) on shared axes, via ScottPlot.</summary>
    public static void SaveScatter(Tensor real, Tensor fake, string path, string title)
    {
        using var scope = NewDisposeScope();
        var r = real.detach().cpu().to_type(ScalarType.Float64);
        var f = fake.detach().cpu().to_type(ScalarType.Float64);
        var plot = new ScottPlot.Plot();
        var sr = plot.Add.ScatterPoints(r[.., 0].data<double>().ToArray(), r[.., 1].data<double>().ToArray());
        sr.LegendText = "real";
        sr.MarkerSize = 4;
        var sf = plot.Add.ScatterPoints(f[.., 0].data<double>().ToArray(), f[.., 1].data<double>().ToArray());
        sf.LegendText = "generated";
        sf.MarkerSize = 4;
        plot.Title(title);
        plot.ShowLegend();
        AtomicFile.Write(path, tmp => plot.SavePng(tmp, 600, 600));
    }
}
