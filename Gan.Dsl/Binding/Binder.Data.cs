using System.Globalization;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>The binder's data and latent items: each source's arguments checked into its IR.</summary>
internal sealed partial class Binder
{
    DataIr? DataIr(string name, BoundArgs a)
    {
        (double, double)? Scale()
        {
            var r = Sources.Range(a.Get("scale"));
            if (r is null)
                d.ReportWrongType(source, a.SpanOf("scale"), $"{name}: 'scale'", "[low, high] with low < high, e.g. [-1, 1]",
                                  a.Get("scale")!.Show());
            return r;
        }
        switch (name)
        {
            case "mnist" or "fashion_mnist":
            {
                if (Choice(a, "split", "train", "test") is not { } split) return null;
                if (Choice(a, "resize", "pad", "resize") is not { } resize) return null;
                int size = a.Int("size");
                if (size < 28 && resize == "pad")
                {
                    d.ReportOutOfRange(source, a.SpanOf("size"), $"{name}: 'size'", $"must be at least 28 to pad, got {size}");
                    return null;
                }
                if (size <= 0)
                {
                    d.ReportOutOfRange(source, a.SpanOf("size"), $"{name}: 'size'", $"must be positive, got {size}");
                    return null;
                }
                if (Scale() is not var (lo, hi)) return null;
                return name == "mnist"
                    ? new MnistDataIr(split, lo, hi, size, resize) { Flip = a.Bool("flip") }
                    : new FashionMnistDataIr(split, lo, hi, size, resize) { Flip = a.Bool("flip") };
            }
            case "gaussian2d":
            {
                var mean = Sources.Numbers(a.Get("mean"), 2);
                var t = a.Get("transform") as ListValue;
                var rows = t?.Items.Select(r => Sources.Numbers(r, 2)).ToList();
                if (mean is null)
                {
                    d.ReportWrongType(source, a.SpanOf("mean"), "gaussian2d: 'mean'", "two numbers [b1, b2]", a.Get("mean")!.Show());
                    return null;
                }
                if (rows is null || rows.Count != 2 || rows.Any(r => r is null))
                {
                    d.ReportWrongType(source, a.SpanOf("transform"), "gaussian2d: 'transform'", "a 2×2 matrix [[a, b], [c, d]]",
                                      a.Get("transform")!.Show());
                    return null;
                }
                if (a.Int("count") <= 0)
                {
                    d.ReportOutOfRange(source, a.SpanOf("count"), "gaussian2d: 'count'", "must be positive");
                    return null;
                }
                return new Gaussian2dDataIr(mean.Value, [.. rows.Select(r => r!.Value)], a.Int("count"));
            }
            default:    // images, emoji
            {
                int size = a.Int("size");
                int channels = name == "emoji" ? 3 : a.Int("channels");
                if (size <= 0) { d.ReportOutOfRange(source, a.SpanOf("size"), $"{name}: 'size'", "must be positive"); return null; }
                if (channels is not (1 or 3))
                {
                    d.ReportOutOfRange(source, a.SpanOf("channels"), "images: 'channels'", $"must be 1 or 3, got {channels}");
                    return null;
                }
                if (Scale() is not var (lo, hi)) return null;
                if (name == "emoji") return new EmojiDataIr(size, lo, hi) { Flip = a.Bool("flip") };
                return ImagePath(a) is { } path ? new ImageFolderDataIr(path, size, channels, lo, hi) { Flip = a.Bool("flip") } : null;
            }
        }
    }

    LatentIr? BindLatent(LatentSyntax l, DataIr? data)
    {
        var c = l.Distribution;
        var a = BindCall(c, Sources.Latents, "distribution");
        if (a is null) return null;
        string name = l.Name.Text;
        switch (c.Name.Text)
        {
            case "normal":
                if (a.Int("dim") <= 0 || a.Num("std") <= 0)
                {
                    d.ReportOutOfRange(source, c.Span, "normal:", "needs dim > 0 and std > 0");
                    return null;
                }
                return new LatentIr(name, LatentKind.Normal, a.Int("dim"), a.Num("mean"), a.Num("std"), 0, false);
            case "uniform":
                if (a.Int("dim") <= 0 || a.Num("low") >= a.Num("high"))
                {
                    d.ReportOutOfRange(source, c.Span, "uniform:", "needs dim > 0 and low < high");
                    return null;
                }
                return new LatentIr(name, LatentKind.Uniform, a.Int("dim"), a.Num("low"), a.Num("high"), 0, false);
            default:
            {
                int k = a.Int("classes");
                if (k < 2)
                {
                    d.ReportOutOfRange(source, a.SpanOf("classes"), $"{c.Name.Text}: 'classes'", $"must be at least 2, got {k}");
                    return null;
                }
                if (Choice(a, "from", "labels", "sampled") is not { } from) return null;
                if (from == "labels" && data is not null && data.Classes != k)
                {
                    d.ReportOutOfRange(source, a.SpanOf("from"), $"{c.Name.Text}(from: labels):",
                                       data.Classes == 0
                                           ? "this dataset has no labels; use from: sampled"
                                           : $"the dataset has {data.Classes} classes, not {k}");
                    return null;
                }
                var kind = c.Name.Text == "onehot" ? LatentKind.OneHot : LatentKind.Label;
                return new LatentIr(name, kind, kind == LatentKind.OneHot ? k : 1, 0, 0, k, from == "labels");
            }
        }
    }

    /// <summary>
    /// An image folder's full path. Named in the spec, it is relative to the spec's folder and must lie under the project root;
    /// given on the command line (<c>--set</c> of a param), it is the user's own choice, relative to the working folder.
    /// </summary>
    string? ImagePath(BoundArgs a)
    {
        var text = a.Str("path");
        if (a.Get("path") is StringValue { FromCommandLine: true })
        {
            if (text.StartsWith("~/", StringComparison.Ordinal)) return text;
            try { return Path.GetFullPath(text); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                d.ReportOutOfRange(source, a.SpanOf("path"), "images: the path given by --set", $"is not a usable path ({e.Message})");
                return null;
            }
        }
        var specDir = Path.GetDirectoryName(Path.GetFullPath(source.Path)) ?? ".";
        var full = project.Resolve(specDir, text, out var refused);
        if (full is null)
            d.ReportOutsideProject(source, a.SpanOf("path"), text,
                                   refused + "; or declare `param data_dir = \"...\"`, pass `--set data_dir=/your/folder` and write "
                                   + "images(data_dir, ...)");
        return full;
    }
}
