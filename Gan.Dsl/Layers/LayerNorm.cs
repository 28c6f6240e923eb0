using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Layer normalisation over all non-batch dimensions (Shape), with an elementwise affine when Affine.</summary>
internal sealed record LayerNormOp(ImmutableArray<int> Shape, double Eps, bool Affine) : OpIr("layernorm");

internal sealed class LayerNorm() : LayerKind<LayerNorm.Config>("layernorm",
    "layer normalisation over all non-batch dimensions; shape unchanged; parameters 2·elements if affine",
    [new("eps", ArgType.Float, Num(1e-5)), new("affine", ArgType.Bool, Bool(true))])
{
    public static readonly LayerNorm Instance = new();
    internal sealed record Config(double Eps, bool Affine);

    public override Config? Configure(LayerArgs a, Operand input) => new(a.Num("eps"), a.Bool("affine"));
    public override ShapeResult Shape(Config c, Operand x) => ShapeResult.Of(x.Shape);
    public override long Parameters(Config c, Operand x) => c.Affine ? 2 * Layers.Shape.Count(x.Shape) : 0;
    public override OpIr Lower(Config c, Operand x) => new LayerNormOp([.. x.Shape], c.Eps, c.Affine);
}
