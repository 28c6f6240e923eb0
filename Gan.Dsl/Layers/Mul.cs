using Gan.Dsl.Binding;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Layers;

/// <summary>x ⊙ v; <c>Broadcast</c>: v is a C vector scaling each channel of a C×H×W x.</summary>
internal sealed record MulOp(bool Broadcast) : OpIr("mul");

/// <summary>mul(v): the current value times a named value, elementwise; a C vector also scales a C×H×W value per channel.</summary>
internal sealed class Mul() : LayerKind("mul",
    "the current value times a named value, elementwise (equal shapes, or a C vector over C×H×W); no parameters",
    [new("v", ArgType.Symbol, Positional: true)])
{
    public static readonly Mul Instance = new();

    public override bool NamesInputs => true;
    public override ShapeError LabelError =>
        new JoinError("an integer label cannot be multiplied; embed it first (embedding(K, dim))");
    public override object? Configure(LayerArgs a) => this;

    /// <summary>x and v of one shape → that shape; x C×H×W and v C → C×H×W.</summary>
    public override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs)
    {
        var (x, v) = (inputs[0].Shape, inputs[1].Shape);
        if (Layers.Shape.Same(x, v) || Broadcasts(x, v)) return ShapeResult.Of(x);
        return new JoinError($"cannot multiply {Layers.Shape.Show(x)} by {Layers.Shape.Show(v)}: the shapes must be equal, "
                             + (x.Length == 3 ? $"or the value a vector of the {x[0]} channels (N×{x[0]})"
                                              : "or x C×H×W and the value C"));
    }

    static bool Broadcasts(int[] x, int[] v) => x.Length == 3 && v.Length == 1 && v[0] == x[0];

    public override long Parameters(object config, IReadOnlyList<Operand> inputs) => 0;
    public override OpIr Lower(object config, IReadOnlyList<Operand> inputs) =>
        new MulOp(!Layers.Shape.Same(inputs[0].Shape, inputs[1].Shape));
}
