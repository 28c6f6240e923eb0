using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>BatchNorm over channels (Rank 1: N×C, Rank 2: N×C×H×W). Momentum is PyTorch's (1 − TF decay).</summary>
internal sealed record BatchNormOp(int Features, int Rank, double Eps, double Momentum, bool Scale, bool Shift)
    : OpIr("batchnorm");

internal sealed class BatchNorm() : LayerKind<BatchNorm.Config>("batchnorm",
    "batch normalisation over N (and H×W) per feature; shape unchanged; parameters F per enabled γ/β",
    [new("features", ArgType.Int, new NumberValue(-1, default), Positional: true),
     new("eps", ArgType.Float, Num(1e-5), NamedWhy: EpsWhy), new("momentum", ArgType.Float, NamedWhy: EpsWhy),
     new("decay", ArgType.Float), new("scale", ArgType.Bool, Bool(true)), new("shift", ArgType.Bool, Bool(true))])
{
    public static readonly BatchNorm Instance = new();
    internal sealed record Config(int? Features, double Eps, double Momentum, bool Scale, bool Shift);

    const string EpsWhy = "PyTorch's BatchNorm1d(n, 0.8) silently takes 0.8 as eps; "
                          + "GanDsl makes eps and momentum keyword-only so that cannot happen by mistake";

    public override Config? Configure(LayerArgs a)
    {
        if (a.Given("momentum") && a.Given("decay"))
        {
            a.Diagnostics.ReportArgumentTwice(a.Source, a.SpanOf("decay"), "batchnorm", "momentum (as decay)");
            return null;
        }
        double momentum = a.Given("decay") ? 1 - a.Num("decay") : a.Has("momentum") ? a.Num("momentum") : 0.1;
        double eps = a.Num("eps");
        if (!a.Require(eps > 0, "eps", "batchnorm: 'eps'", $"must be positive, got {eps}")) return null;
        if (!a.Require(momentum is >= 0 and <= 1, a.Given("decay") ? "decay" : "momentum", "batchnorm: momentum",
                       $"must lie in [0, 1], got {momentum}"))
            return null;
        return new Config(a.Given("features") ? a.Int("features") : null, eps, momentum, a.Bool("scale"), a.Bool("shift"));
    }

    /// <summary>N×F or N×C×H×W, same shape out. An explicit feature count must match.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (x.Shape.Length is not (1 or 3)) return new RankError($"N×F or N×C×H×W, got {Layers.Shape.Show(x.Shape)}");
        if (c.Features is int f && f != x.Shape[0])
            return new RankError($"N×{f} or N×{f}×H×W ({f} features), got {Layers.Shape.Show(x.Shape)}");
        return ShapeResult.Of(x.Shape);
    }

    public override long Parameters(Config c, Operand x) => (c.Scale ? x.Shape[0] : 0) + (c.Shift ? x.Shape[0] : 0);
    public override OpIr Lower(Config c, Operand x) =>
        new BatchNormOp(x.Shape[0], x.Shape.Length == 1 ? 1 : 2, c.Eps, c.Momentum, c.Scale, c.Shift);

    /// <summary>GAN0601: an eps that reads like a momentum (the seed-001 trap); GAN0607: a momentum that reads like a TF decay.</summary>
    public override void Lint(Config c, LayerArgs a, LayerSyntax syntax)
    {
        if (syntax.Quirk is not null) return;
        if (c.Eps >= 0.1) a.Diagnostics.ReportEpsLikeMomentum(a.Source, a.SpanOf("eps"), c.Eps);
        if (a.Given("momentum") && c.Momentum >= 0.5) a.Diagnostics.ReportMomentumLikeDecay(a.Source, a.SpanOf("momentum"), c.Momentum);
    }
}
