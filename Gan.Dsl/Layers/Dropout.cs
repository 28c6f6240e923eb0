using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Zeroes each element with probability P in training (scaling the rest by 1/(1−P)); the identity in eval.</summary>
internal sealed record DropoutOp(double P) : OpIr
{ public override string OpName => "dropout"; }

internal sealed class Dropout : LayerKind<DropoutOp>
{
    public static readonly Dropout Instance = new();

    public override string Name => "dropout";
    public override string Summary => "dropout with probability p in training; shape unchanged";
    public override Signature Signature { get; } = new("dropout", [new("p", ArgType.Float, Num(0.5), Positional: true)]);

    public override DropoutOp? Configure(LayerArgs a, Operand input)
    {
        double p = a.Num("p");
        return a.Require(p is >= 0 and < 1, "p", "dropout: 'p'", $"must lie in [0, 1), got {p}") ? new DropoutOp(p) : null;
    }

    public override ShapeResult Shape(DropoutOp c, Operand x) => ShapeResult.Of(x.Shape);
    public override long Parameters(DropoutOp c, Operand x) => 0;
    public override OpIr Lower(DropoutOp c, Operand x) => c;
}
