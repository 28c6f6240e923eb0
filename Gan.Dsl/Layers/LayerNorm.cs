using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>Layer normalisation over all non-batch dimensions (Shape), with an elementwise affine when Affine.</summary>
internal sealed record LayerNormOp(ImmutableArray<int> Shape, double Eps, bool Affine) : OpIr("layernorm");

internal sealed class LayerNorm() : LayerKind<Params.Norm>("layernorm",
    "layer normalisation over all non-batch dimensions; shape unchanged; parameters 2·elements if affine",
    Params.Normalisation(affine: true))
{
    public static readonly LayerNorm Instance = new();

    public override Params.Norm? Configure(LayerArgs a) => Params.NormOf(a);
    public override ShapeResult Shape(Params.Norm c, Operand x) => ShapeResult.Of(x.Shape);
    public override long Parameters(Params.Norm c, Operand x) => c.Affine ? 2 * Layers.Shape.Count(x.Shape) : 0;
    public override OpIr Lower(Params.Norm c, Operand x) => new LayerNormOp([.. x.Shape], c.Eps, c.Affine);
}
