using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Binding;

/// <summary>Data sources, latent distributions and optimisers: their signatures and IR.</summary>
internal static class Sources
{
    /// <summary>Image sources' <c>flip: true</c>: random horizontal flips of the real images (StudioGAN's <c>apply_rflip</c>).</summary>
    static Param Flip => new("flip", ArgType.Bool, Bool(false));

    public static readonly IReadOnlyDictionary<string, Signature> Data = new Dictionary<string, Signature>
    {
        ["mnist"] = new("mnist", [new("split", ArgType.Symbol, Sym("train")), new("scale", ArgType.List, Required: true),
                                 new("size", ArgType.Int, Int(28)), new("resize", ArgType.Symbol, Sym("pad")), Flip]),
        ["fashion_mnist"] = new("fashion_mnist", [new("split", ArgType.Symbol, Sym("train")), new("scale", ArgType.List, Required: true),
                                                 new("size", ArgType.Int, Int(28)), new("resize", ArgType.Symbol, Sym("pad")), Flip]),
        ["gaussian2d"] = new("gaussian2d", [new("mean", ArgType.List, Required: true), new("transform", ArgType.List, Required: true),
                                           new("count", ArgType.Int, Int(1000))]),
        ["images"] = new("images", [new("path", ArgType.String, Positional: true), new("size", ArgType.Int, Required: true),
                                   new("channels", ArgType.Int, Int(3)), new("scale", ArgType.List, Required: true), Flip]),
        ["emoji"] = new("emoji", [new("size", ArgType.Int, Int(64)), new("scale", ArgType.List, Required: true), Flip]),
    };

    public static readonly IReadOnlyDictionary<string, Signature> Latents = new Dictionary<string, Signature>
    {
        ["normal"] = new("normal", [new("dim", ArgType.Int, Positional: true), new("mean", ArgType.Float, Num(0)),
                                   new("std", ArgType.Float, Num(1))]),
        ["uniform"] = new("uniform", [new("dim", ArgType.Int, Positional: true), new("low", ArgType.Float, Num(-1)),
                                     new("high", ArgType.Float, Num(1))]),
        ["onehot"] = new("onehot", [new("classes", ArgType.Int, Positional: true), new("from", ArgType.Symbol, Sym("sampled"))]),
        ["label"] = new("label", [new("classes", ArgType.Int, Positional: true), new("from", ArgType.Symbol, Sym("sampled"))]),
    };

    public static readonly IReadOnlyDictionary<string, Signature> Optimizers = new Dictionary<string, Signature>
    {
        ["adam"] = new("adam", [new("lr", ArgType.Float, Num(1e-3)),
                               new("betas", ArgType.List, new ListValue([Num(0.9), Num(0.999)], default)),
                               new("eps", ArgType.Float, Num(1e-8)), new("weight_decay", ArgType.Float, Num(0)),
                               new("lr_decay", ArgType.Any)]),
        ["rmsprop"] = new("rmsprop", [new("lr", ArgType.Float, Num(1e-2)), new("alpha", ArgType.Float, Num(0.99)),
                                     new("eps", ArgType.Float, Num(1e-8)), new("momentum", ArgType.Float, Num(0)),
                                     new("weight_decay", ArgType.Float, Num(0)), new("lr_decay", ArgType.Any)]),
        ["sgd"] = new("sgd", [new("lr", ArgType.Float, Required: true), new("momentum", ArgType.Float, Num(0)),
                             new("weight_decay", ArgType.Float, Num(0)), new("lr_decay", ArgType.Any)]),
    };

    public static readonly IReadOnlyDictionary<string, Signature> Schedule = new Dictionary<string, Signature>
    {
        ["schedule"] = new("schedule", [new("batch", ArgType.Int, Required: true), new("epochs", ArgType.Int), new("steps", ArgType.Int),
            new("order", ArgType.List, Required: true), new("clip", ArgType.List), new("sample_every", ArgType.Int, Int(0)),
            new("checkpoint_every", ArgType.Int, Int(0)), new("seed", ArgType.Int, Int(0)), new("drop_last", ArgType.Bool, Bool(true)),
            new("bn_stats", ArgType.Symbol, Sym("all")), new("fakes", ArgType.Symbol, Sym("per_step")),
            new("quirks", ArgType.List), new("ema", ArgType.List), new("augment", ArgType.List)]),
        ["sample"] = new("sample", [new("grid", ArgType.List), new("cols", ArgType.Int, Int(10)),
            new("class", ArgType.Symbol), new("sweep", ArgType.Symbol), new("index", ArgType.Int, Int(0)),
            new("generator", ArgType.Symbol, Sym("G")), new("bn", ArgType.Symbol, Sym("running"))]),
    };

    /// <summary>Two numbers [low, high] with low &lt; high.</summary>
    public static (double Low, double High)? Range(Value? v) =>
        v is ListValue { Items: [NumberValue lo, NumberValue hi] } && lo.Number < hi.Number ? (lo.Number, hi.Number) : null;

    public static ImmutableArray<double>? Numbers(Value? v, int count) =>
        v is ListValue l && l.Items.Count == count && l.Items.All(i => i is NumberValue)
            ? [.. l.Items.Select(i => ((NumberValue)i).Number)] : null;
}
