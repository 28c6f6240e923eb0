using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>The elementwise sum of the node's inputs, all of one shape.</summary>
internal sealed record AddOp() : OpIr("add");

/// <summary>
/// add(a, b, …): the current value plus named values, elementwise, all of one shape (no broadcasting). Also the node
/// that sums a residual's two branches.
/// </summary>
internal sealed class Add() : LayerKind("add",
    "the current value plus named values, elementwise; all shapes must be equal; no parameters",
    Params.Variadic("v", ArgType.Symbol, Sym("")))
{
    public static readonly Add Instance = new();
    public static readonly AddOp Op = new();

    public override bool NamesInputs => true;
    public override ShapeError LabelError => new JoinError("an integer label cannot be added; embed it first (embedding(K, dim))");
    public override Signature SignatureFor(IReadOnlyList<Argument> args) => Params.WidenVariadic(Signature, "v", ArgType.Symbol, args);
    public override object? Configure(LayerArgs a) => Op;

    /// <summary>Every operand has the current value's shape.</summary>
    public override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs)
    {
        var first = inputs[0].Shape;
        foreach (var x in inputs.Skip(1).Select(i => i.Shape))
            if (!Layers.Shape.Same(first, x))
                return new JoinError($"cannot add {Layers.Shape.Show(x)} to {Layers.Shape.Show(first)}: "
                                     + "the shapes must be equal (add does not broadcast)");
        return ShapeResult.Of(first);
    }

    public override long Parameters(object config, IReadOnlyList<Operand> inputs) => 0;
    public override OpIr Lower(object config, IReadOnlyList<Operand> inputs) => Op;
}
