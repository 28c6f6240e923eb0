using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>A Count×Dim lookup table indexed by an integer label, optionally divided by its largest singular value.</summary>
internal sealed record EmbeddingOp(int Count, int Dim, InitIr Init, bool SpectralNorm = false, int PowerIterations = 1)
    : OpIr("embedding");

internal sealed class Embedding() : OpLayerKind<EmbeddingOp>("embedding",
    "lookup table: an integer label in [0, K) → N×dim; parameters count·dim",
    [new("count", ArgType.Int, Positional: true), new("dim", ArgType.Int, Positional: true), Params.Init,
     new("spectral_norm", ArgType.Bool, Bool(false)), new("power_iterations", ArgType.Int, Int(1))])
{
    public static readonly Embedding Instance = new();

    public override bool TakesLabel => true;

    public override EmbeddingOp? Configure(LayerArgs a) =>
        a.Positive("count", "dim", "power_iterations")
            ? new EmbeddingOp(a.Int("count"), a.Int("dim"), a.Init, a.Bool("spectral_norm"), a.Int("power_iterations"))
            : null;

    /// <summary>An integer label in [0, K) → N×dim; the table needs at least K rows.</summary>
    public override ShapeResult Shape(EmbeddingOp c, Operand x)
    {
        if (!x.IsLabel)
            return new RankError($"an integer label input (declare it as label(K)), got a float tensor {Layers.Shape.Show(x.Shape)}");
        if (c.Count < x.Classes)
            return new RangeError($"its table has {c.Count} rows, but the label input has {x.Classes} classes (0..{x.Classes - 1}); "
                                  + $"use embedding({x.Classes}, {c.Dim})");
        return Layers.Shape.Sized(c.Dim);
    }

    public override long Parameters(EmbeddingOp c, Operand x) => (long)c.Count * c.Dim;
}
