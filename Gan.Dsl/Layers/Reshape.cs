using System.Collections.Immutable;
using System.Globalization;
using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Reshape to Shape (without batch); row-major, as PyTorch's view.</summary>
internal sealed record ReshapeOp(ImmutableArray<int> Shape) : OpIr("reshape");

internal sealed class Reshape() : LayerKind<Reshape.Config>("reshape",
    "reshape(d0, d1, …) to N×d0×d1×… (one -1 is inferred); the element count must not change",
    Params.Variadic("d", ArgType.Int, Int(0)))
{
    public static readonly Reshape Instance = new();
    internal sealed record Config(int[] Target);

    /// <summary>Any number of positional sizes: d0, d1, …</summary>
    public override Signature SignatureFor(IReadOnlyList<Argument> args) => Params.WidenVariadic(Signature, "d", ArgType.Int, args);

    public override Config? Configure(LayerArgs a) =>
        new([.. Enumerable.Range(0, 64).TakeWhile(i => a.Has($"d{i}")).Select(i => a.Int($"d{i}")).Where(x => x != 0)]);

    /// <summary>Reshape to the target (one −1 is inferred); the element count must not change.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        var target = c.Target;
        long count = Layers.Shape.Count(x.Shape);
        int unknown = Array.IndexOf(target, -1);
        if (target.Count(d => d == -1) > 1 || target.Any(d => d == 0 || d < -1))
            return new RangeError("sizes must be positive, with at most one -1");
        if (unknown >= 0)
        {
            long known = target.Where(d => d != -1).Aggregate(1L, (acc, d) => acc * d);
            if (count % known != 0)
                return new SpatialError($"{count} elements of {Layers.Shape.Show(x.Shape)} are not a whole multiple of {known}, "
                                        + "so -1 cannot be inferred");
            target = (int[])target.Clone();
            target[unknown] = (int)(count / known);
        }
        var targetCount = target.Aggregate(1.0, (acc, d) => acc * d);
        if (targetCount != count) return new CountMismatch(target, targetCount);
        return ShapeResult.Of(target);
    }

    public override long Parameters(Config c, Operand x) => 0;
    public override OpIr Lower(Config c, Operand x) => new ReshapeOp([.. Shape(c, x).Shape!]);
}
