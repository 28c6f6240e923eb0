using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Shapes;
using Gan.Dsl.Text;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Binding;

/// <summary>Every layer kind: its signature, and how its arguments become an op, a shape and a parameter count.</summary>
public static class LayerCatalog
{
    static readonly Param Bias = new("bias", ArgType.Bool, Bool(true));
    static readonly Param Init = new("init", ArgType.Any);
    static readonly Param Sn = new("spectral_norm", ArgType.Bool, Bool(false));
    static readonly Param SnIters = new("power_iterations", ArgType.Int, Int(1));
    static readonly Param In = new("in", ArgType.Int);
    const string EpsWhy = "PyTorch's BatchNorm1d(n, 0.8) silently takes 0.8 as eps; GanDsl makes eps and momentum keyword-only so that cannot happen by mistake";

    public static readonly IReadOnlyDictionary<string, Signature> Signatures = new Dictionary<string, Signature>
    {
        ["linear"] = new("linear", [new("out", ArgType.Int, Positional: true), In, Bias, Init, Sn, SnIters]),
        ["conv2d"] = new("conv2d", [new("out", ArgType.Int, Positional: true), In, new("kernel", ArgType.Int, Required: true),
            new("stride", ArgType.Int, Int(1)), new("padding", ArgType.Any, Sym("valid")), new("dilation", ArgType.Int, Int(1)), Bias, Init, Sn, SnIters]),
        ["conv_transpose2d"] = new("conv_transpose2d", [new("out", ArgType.Int, Positional: true), In, new("kernel", ArgType.Int, Required: true),
            new("stride", ArgType.Int, Int(1)), new("padding", ArgType.Any, Int(0)), new("output_padding", ArgType.Int, Int(0)), Bias, Init, Sn, SnIters]),
        ["batchnorm"] = new("batchnorm", [new("features", ArgType.Int, Positional: true, Default: new NumberValue(-1, default)), new("eps", ArgType.Float, Num(1e-5), NamedWhy: EpsWhy),
            new("momentum", ArgType.Float, NamedWhy: EpsWhy), new("decay", ArgType.Float), new("scale", ArgType.Bool, Bool(true)), new("shift", ArgType.Bool, Bool(true))]),
        ["layernorm"] = new("layernorm", [new("eps", ArgType.Float, Num(1e-5)), new("affine", ArgType.Bool, Bool(true))]),
        ["instancenorm"] = new("instancenorm", [new("eps", ArgType.Float, Num(1e-5)), new("affine", ArgType.Bool, Bool(false))]),
        ["dropout"] = new("dropout", [new("p", ArgType.Float, Num(0.5), Positional: true)]),
        ["relu"] = new("relu", []),
        ["leaky_relu"] = new("leaky_relu", [new("slope", ArgType.Float, Num(0.01), Positional: true)]),
        ["elu"] = new("elu", [new("alpha", ArgType.Float, Num(1.0), Positional: true)]),
        ["gelu"] = new("gelu", []),
        ["tanh"] = new("tanh", []),
        ["sigmoid"] = new("sigmoid", []),
        ["softplus"] = new("softplus", []),
        ["reshape"] = new("reshape", [.. Enumerable.Range(0, 4).Select(i => new Param($"d{i}", ArgType.Int, Positional: i == 0)).Select((p, i) => i == 0 ? p : p with { Positional = true, Default = Int(0) })]),
        ["flatten"] = new("flatten", []),
        ["concat"] = new("concat", [.. Enumerable.Range(0, 4).Select(i => new Param($"v{i}", ArgType.Symbol, i == 0 ? null : Sym(""), Positional: true))]),
        ["embedding"] = new("embedding", [new("count", ArgType.Int, Positional: true), new("dim", ArgType.Int, Positional: true), Init]),
        ["upsample"] = new("upsample", [new("scale", ArgType.Float, Num(2), Positional: true), new("mode", ArgType.Symbol, Sym("nearest"))]),
        ["avgpool"] = new("avgpool", [new("kernel", ArgType.Int, Positional: true), new("stride", ArgType.Int), new("padding", ArgType.Int, Int(0))]),
        ["maxpool"] = new("maxpool", [new("kernel", ArgType.Int, Positional: true), new("stride", ArgType.Int), new("padding", ArgType.Int, Int(0))]),
        ["global_avgpool"] = new("global_avgpool", []),
    };

    static Padding? BindPadding(BoundArgs a, string name, SourceText s, DiagnosticBag d)
    {
        switch (a.Get(name))
        {
            case SymbolValue { Name: "same" }: return Padding.Same;
            case SymbolValue { Name: "valid" }: return Padding.Valid;
            case NumberValue { IsInteger: true, Number: >= 0 } n: return Padding.Explicit((int)n.Number);
            case var v:
                d.ReportBadChoice(s, v!.Span, $"{a.Callee}: 'padding'", ["same", "valid", "a non-negative integer"], v.Show());
                return null;
        }
    }

    static bool Positive(BoundArgs a, SourceText s, DiagnosticBag d, params string[] names)
    {
        foreach (var n in names)
            if (a.Get(n) is NumberValue v && v.Number <= 0)
            {
                d.ReportOutOfRange(s, a.SpanOf(n), $"{a.Callee}: '{n}'", $"must be positive, got {v.Show()}");
                return false;
            }
        return true;
    }

    /// <summary>Builds the op for a layer call; null after reporting an argument error (shape errors come back in the ShapeResult).</summary>
    /// <remarks><paramref name="labelClasses"/> is the class count of an integer label input, 0 for a float tensor.</remarks>
    public static (OpIr Op, ShapeResult Shape, long Params)? Build(string name, BoundArgs a, int[] input, int labelClasses, InitIr networkInit,
                                                                  SourceText s, DiagnosticBag d)
    {
        bool inputIsLabel = labelClasses > 0;
        InitIr? init = networkInit;
        if (a.Get("init") is { } iv) init = Inits.Bind(iv, s, d);
        if (init is null) return null;
        if (inputIsLabel && name != "embedding")
        {
            return (new FlattenOp(), ShapeResult.Fail("GAN0302", $"a float tensor, got an integer label; embed it first (embedding(K, dim))"), 0);
        }
        switch (name)
        {
            case "linear":
            {
                if (!Positive(a, s, d, "out", "in", "power_iterations")) return null;
                int outF = a.Int("out");
                int? inF = a.Has("in") ? a.Int("in") : null;
                var r = ShapeRules.Linear(input, inF, outF);
                int fin = r.Ok ? input[0] : 0;
                return (new LinearOp(fin, outF, a.Bool("bias"), init, a.Bool("spectral_norm"), a.Int("power_iterations")), r,
                        (long)fin * outF + (a.Bool("bias") ? outF : 0));
            }
            case "conv2d":
            case "conv_transpose2d":
            {
                if (!Positive(a, s, d, "out", "in", "kernel", "stride", "power_iterations")) return null;
                var pad = BindPadding(a, "padding", s, d);
                if (pad is null) return null;
                int outC = a.Int("out"), k = a.Int("kernel"), st = a.Int("stride");
                int? inC = a.Has("in") ? a.Int("in") : null;
                bool bias = a.Bool("bias");
                if (name == "conv2d")
                {
                    if (!Positive(a, s, d, "dilation")) return null;
                    int dil = a.Int("dilation");
                    var r = ShapeRules.Conv2d(input, inC, outC, k, st, dil, pad.Value);
                    if (!r.Ok) return (new FlattenOp(), r, 0);
                    var (_, pt, pb) = ShapeRules.ConvAxis(input[1], k, st, dil, pad.Value);
                    var (_, pl, pr) = ShapeRules.ConvAxis(input[2], k, st, dil, pad.Value);
                    return (new Conv2dOp(input[0], outC, k, k, st, st, pt, pb, pl, pr, dil, bias, init, a.Bool("spectral_norm"), a.Int("power_iterations")), r,
                            (long)input[0] * outC * k * k + (bias ? outC : 0));
                }
                else
                {
                    int op = a.Int("output_padding");
                    var r = ShapeRules.ConvTranspose2d(input, inC, outC, k, st, pad.Value, op);
                    if (!r.Ok) return (new FlattenOp(), r, 0);
                    var (_, ct, cb) = ShapeRules.ConvTransposeAxis(input[1], k, st, pad.Value, op);
                    var (_, cl, cr) = ShapeRules.ConvTransposeAxis(input[2], k, st, pad.Value, op);
                    return (new ConvTranspose2dOp(input[0], outC, k, k, st, st, ct, cb, cl, cr, bias, init, a.Bool("spectral_norm"), a.Int("power_iterations")), r,
                            (long)input[0] * outC * k * k + (bias ? outC : 0));
                }
            }
            case "batchnorm":
            {
                if (a.Given("momentum") && a.Given("decay"))
                {
                    d.ReportArgumentTwice(s, a.SpanOf("decay"), "batchnorm", "momentum (as decay)");
                    return null;
                }
                double momentum = a.Given("decay") ? 1 - a.Num("decay") : a.Has("momentum") ? a.Num("momentum") : 0.1;
                double eps = a.Num("eps");
                if (eps <= 0) { d.ReportOutOfRange(s, a.SpanOf("eps"), "batchnorm: 'eps'", $"must be positive, got {eps}"); return null; }
                if (momentum is < 0 or > 1) { d.ReportOutOfRange(s, a.SpanOf(a.Given("decay") ? "decay" : "momentum"), "batchnorm: momentum", $"must lie in [0, 1], got {momentum}"); return null; }
                var r = ShapeRules.BatchNorm(input, a.Given("features") ? a.Int("features") : null);
                int f = r.Ok ? input[0] : 0;
                bool scale = a.Bool("scale"), shift = a.Bool("shift");
                return (new BatchNormOp(f, input.Length == 1 ? 1 : 2, eps, momentum, scale, shift), r, (scale ? f : 0) + (shift ? f : 0));
            }
            case "layernorm":
            {
                bool affine = a.Bool("affine");
                return (new LayerNormOp([.. input], a.Num("eps"), affine), ShapeRules.LayerNorm(input), affine ? 2 * Shape.Count(input) : 0);
            }
            case "instancenorm":
            {
                var r = ShapeRules.InstanceNorm(input);
                bool affine = a.Bool("affine");
                return (new InstanceNormOp(r.Ok ? input[0] : 0, a.Num("eps"), affine), r, affine && r.Ok ? 2L * input[0] : 0);
            }
            case "dropout":
            {
                double p = a.Num("p");
                if (p is < 0 or >= 1) { d.ReportOutOfRange(s, a.SpanOf("p"), "dropout: 'p'", $"must lie in [0, 1), got {p}"); return null; }
                return (new DropoutOp(p), ShapeRules.Elementwise(input), 0);
            }
            case "relu": return (new ActivationOp(ActivationKind.Relu, 0), ShapeRules.Elementwise(input), 0);
            case "leaky_relu": return (new ActivationOp(ActivationKind.LeakyRelu, a.Num("slope")), ShapeRules.Elementwise(input), 0);
            case "elu": return (new ActivationOp(ActivationKind.Elu, a.Num("alpha")), ShapeRules.Elementwise(input), 0);
            case "gelu": return (new ActivationOp(ActivationKind.Gelu, 0), ShapeRules.Elementwise(input), 0);
            case "tanh": return (new ActivationOp(ActivationKind.Tanh, 0), ShapeRules.Elementwise(input), 0);
            case "sigmoid": return (new ActivationOp(ActivationKind.Sigmoid, 0), ShapeRules.Elementwise(input), 0);
            case "softplus": return (new ActivationOp(ActivationKind.Softplus, 0), ShapeRules.Elementwise(input), 0);
            case "reshape":
            {
                var dims = Enumerable.Range(0, 64).TakeWhile(i => a.Has($"d{i}")).Select(i => a.Int($"d{i}")).Where(x => x != 0).ToArray();
                var r = ShapeRules.Reshape(input, dims);
                return (new ReshapeOp(r.Ok ? [.. r.Shape!] : ImmutableArray<int>.Empty), r, 0);
            }
            case "flatten": return (new FlattenOp(), ShapeRules.Flatten(input), 0);
            case "embedding":
            {
                if (!Positive(a, s, d, "count", "dim")) return null;
                int count = a.Int("count"), dim = a.Int("dim");
                return (new EmbeddingOp(count, dim, init), ShapeRules.Embedding(labelClasses, input, count, dim), (long)count * dim);
            }
            case "upsample":
            {
                var mode = a.Str("mode");
                if (mode is not ("nearest" or "bilinear")) { d.ReportBadChoice(s, a.SpanOf("mode"), "upsample: 'mode'", ["nearest", "bilinear"], mode); return null; }
                var r = ShapeRules.Upsample(input, a.Num("scale"));
                return (new UpsampleOp((int)Math.Round(a.Num("scale")), mode), r, 0);
            }
            case "avgpool":
            case "maxpool":
            {
                if (!Positive(a, s, d, "kernel", "stride")) return null;
                int k = a.Int("kernel"), st = a.Has("stride") ? a.Int("stride") : k, p = a.Int("padding");
                return (new PoolOp(name[..3], k, st, p), ShapeRules.Pool(input, k, st, p), 0);
            }
            case "global_avgpool": return (new GlobalAvgPoolOp(), ShapeRules.GlobalAvgPool(input), 0);
            default: return null;
        }
    }
}
