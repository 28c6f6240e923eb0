using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// FiLM: y = (1 + W_γ v + b_γ) ⊙ x + W_β v + b_β over x's C channels, W_γ and W_β C×F. <c>ByLabel</c>: v is the one-hot of
/// an integer label with F classes.
/// </summary>
internal sealed record FilmOp(int Channels, int Features, bool ByLabel, bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations)
    : OpIr("film");

/// <summary>
/// film(by: v): conditional affine of the current value by a named value: a label (one-hot) or a flat vector. Conditional
/// BatchNorm is batchnorm(affine: false) then film; AdaIN is instancenorm then film(by: w, bias: true).
/// </summary>
internal sealed class Film() : LayerKind("film",
    "conditional affine: y = (1 + W_γ v) ⊙ x + W_β v over the channels, v a label or N×F; parameters 2·F·C (+ 2·C bias)",
    [new("by", ArgType.Symbol, NamedWhy: "it names the conditioning value, e.g. film(by: y)", Required: true),
     new("bias", ArgType.Bool, Bool(false)), Params.Init, new("spectral_norm", ArgType.Bool, Bool(false)),
     new("power_iterations", ArgType.Int, Int(1))])
{
    public static readonly Film Instance = new();
    internal sealed record Config(Params.Weights Weights);

    public override IReadOnlyList<string> ValueArgs => ["by"];
    public override ShapeError LabelError => new RankError("a float tensor to modulate, got an integer label; embed it first");

    public override object? Configure(LayerArgs a) =>
        a.Positive("power_iterations")
            ? new Config(new Params.Weights(a.Bool("bias"), a.Init, a.Bool("spectral_norm"), a.Int("power_iterations")))
            : null;

    /// <summary>x is C or C×H×W; v (by) is a label with F classes or a flat F vector; y has x's shape.</summary>
    public override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs)
    {
        var (x, v) = (inputs[0], inputs[1]);
        if (x.Shape.Length is not (1 or 3))
            return new RankError($"N×C or N×C×H×W to modulate, got {Layers.Shape.Show(x.Shape)}");
        if (!v.IsLabel && v.Shape.Length != 1)
            return new RankError($"by: a label or a flat N×F value, got {Layers.Shape.Show(v.Shape)}; flatten it, or pool it "
                                 + "(sum(over: spatial))");
        return ShapeResult.Of(x.Shape);
    }

    static int Features(Operand v) => v.IsLabel ? v.Classes : v.Shape[0];

    public override long Parameters(object config, IReadOnlyList<Operand> inputs)
    {
        long c = inputs[0].Shape[0], f = Features(inputs[1]);
        return 2 * f * c + (((Config)config).Weights.Bias ? 2 * c : 0);
    }

    public override OpIr Lower(object config, IReadOnlyList<Operand> inputs)
    {
        var w = ((Config)config).Weights;
        return new FilmOp(inputs[0].Shape[0], Features(inputs[1]), inputs[1].IsLabel, w.Bias, w.Init, w.SpectralNorm, w.PowerIterations);
    }
}
