using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>y = x Wᵀ + b, W out×in, optionally spectrally normalised.</summary>
/// <param name="Equalized">the equalized learning rate (equalized: true), or null.</param>
internal sealed record LinearOp(int In, int Out, bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations,
                               EqualizedIr? Equalized = null) : OpIr("linear");

internal sealed class Linear() : LayerKind<Linear.Config>("linear", "fully connected: N×F → N×out; parameters in·out + out",
    [new("out", ArgType.Int, Positional: true), Params.In, .. Params.Weighted, .. Equalization.Parameters])
{
    public static readonly Linear Instance = new();
    internal sealed record Config(int Out, int? In, Params.Weights Weights, EqualizedIr? Equalized);

    public override IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => Params.InOutPositional(args);

    public override Config? Configure(LayerArgs a)
    {
        if (!a.Positive("out", "in", "power_iterations")) return null;
        var equalized = Equalization.Of(a, out bool ok);
        return ok ? new Config(a.Int("out"), a.Has("in") ? a.Int("in") : null, Params.WeightsOf(a), equalized) : null;
    }

    /// <summary>N×F → N×out. With an explicit in-feature count, F must equal it.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (x.Shape.Length != 1) return new RankError($"N×F (a flat vector), got {Layers.Shape.Show(x.Shape)}; add flatten before it");
        if (c.In is int f && f != x.Shape[0]) return new FeatureMismatch(f, x.Shape[0]);
        return Layers.Shape.Sized(c.Out);
    }

    public override long Parameters(Config c, Operand x) => (long)x.Shape[0] * c.Out + (c.Weights.Bias ? c.Out : 0);

    public override OpIr Lower(Config c, Operand x) =>
        new LinearOp(x.Shape[0], c.Out, c.Weights.Bias, c.Weights.Init, c.Weights.SpectralNorm, c.Weights.PowerIterations,
                     c.Equalized);
}
