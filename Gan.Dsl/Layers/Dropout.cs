using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Zeroes each element with probability P in training (scaling the rest by 1/(1−P)); the identity in eval.</summary>
internal sealed record DropoutOp(double P) : OpIr("dropout");

internal sealed class Dropout() : OpLayerKind<DropoutOp>("dropout", "dropout with probability p in training; shape unchanged",
    [new("p", ArgType.Float, Num(0.5), Positional: true)])
{
    public static readonly Dropout Instance = new();

    public override DropoutOp? Configure(LayerArgs a) =>
        a.Require(a.Num("p") is >= 0 and < 1, "p", "dropout: 'p'", $"must lie in [0, 1), got {a.Num("p")}")
            ? new DropoutOp(a.Num("p"))
            : null;

    public override ShapeResult Shape(DropoutOp c, Operand x) => ShapeResult.Of(x.Shape);
}
