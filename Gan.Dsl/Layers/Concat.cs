using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Concatenation of the node's inputs along Axis (1 = the first non-batch dimension).</summary>
internal sealed record ConcatOp(int Axis) : OpIr("concat");

/// <summary>concat(a, b, …): the current value joined with named values along the first non-batch axis.</summary>
internal sealed class Concat() : LayerKind("concat",
    "join the current value with named values along dimension 1; the other dimensions must agree",
    Params.Variadic("v", ArgType.Symbol, Sym("")))
{
    public static readonly Concat Instance = new();

    public override bool NamesInputs => true;
    public override ShapeError LabelError => new JoinError("an integer label cannot be concatenated; embed it first (embedding(K, dim))");

    /// <summary>Any number of positional values: v0, v1, …</summary>
    public override Signature SignatureFor(IReadOnlyList<Argument> args) => Params.WidenVariadic(Signature, "v", ArgType.Symbol, args);

    static readonly ConcatOp Op = new(1);
    public override object? Configure(LayerArgs a) => Op;

    /// <summary>All dimensions but the first must agree; the first ones add up.</summary>
    public override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs)
    {
        var first = inputs[0].Shape;
        foreach (var x in inputs.Skip(1).Select(i => i.Shape))
            if (x.Length != first.Length || !x.Skip(1).SequenceEqual(first.Skip(1)))
                return new JoinError($"cannot join {Layers.Shape.Show(first)} and {Layers.Shape.Show(x)} along dimension 1: "
                                     + "the other dimensions must agree");
        return Layers.Shape.Sized([inputs.Sum(x => (long)x.Shape[0]), .. first.Skip(1).Select(d => (long)d)]);
    }

    public override long Parameters(object config, IReadOnlyList<Operand> inputs) => 0;
    public override OpIr Lower(object config, IReadOnlyList<Operand> inputs) => Op;
}
