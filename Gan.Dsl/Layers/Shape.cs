using System.Globalization;

namespace Gan.Dsl.Layers;

/// <summary>Shape helpers. Shapes exclude the (symbolic) batch dimension N.</summary>
internal static class Shape
{
    /// <summary>"N×1×28×28".</summary>
    public static string Show(IReadOnlyList<int> shape) => "N×" + Dims(shape);

    /// <summary>"1×28×28".</summary>
    public static string Dims(IReadOnlyList<int> shape) => shape.Count == 0 ? "1" : string.Join("×", shape);

    public static long Count(IReadOnlyList<int> shape) => shape.Aggregate(1L, (a, d) => a * d);

    public static bool Same(IReadOnlyList<int> a, IReadOnlyList<int> b) => a.SequenceEqual(b);

    /// <summary>The error for a layer that needs an image batch (N×C×H×W), or null when it is one.</summary>
    public static RankError? NotImage(IReadOnlyList<int> shape) =>
        shape.Count == 3 ? null : new RankError($"N×C×H×W, got {Show(shape)}");

    /// <summary>Largest number of elements one sample may have at any point of a network (2³¹ − 1).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>
    /// The output shape <paramref name="dims"/>, computed in 64 bits, or a <see cref="SizeError"/> when a dimension or
    /// the per-sample element count exceeds <see cref="MaxElements"/> (the int shapes would wrap around).
    /// </summary>
    public static ShapeResult Sized(params long[] dims)
    {
        long count = 1;
        foreach (var d in dims)
        {
            count = d > 0 && count > MaxElements / d ? MaxElements + 1 : count * d;
            if (d > MaxElements || count > MaxElements)
                return new SizeError($"N×{string.Join("×", dims)} has more than "
                                     + $"{MaxElements.ToString("N0", CultureInfo.InvariantCulture)} elements per sample; check the sizes");
        }
        return ShapeResult.Of([.. dims.Select(d => (int)d)]);
    }
}

/// <summary>A value flowing into a layer: a float tensor of a shape, or an integer label with <c>Classes</c> classes (shape []).</summary>
internal readonly record struct Operand(int[] Shape, int Classes = 0)
{
    public bool IsLabel => Classes > 0;
}

/// <summary>Why a shape rule refuses its input. The checker turns each kind into its diagnostic.</summary>
internal abstract record ShapeError;

/// <summary>GAN0302: the layer expects another rank or channel count; <c>Expected</c> reads "N×F (a flat vector), got …".</summary>
internal sealed record RankError(string Expected) : ShapeError;

/// <summary>GAN0301: a stated input feature count differs from the one the layer gets.</summary>
internal sealed record FeatureMismatch(int Expected, int Got) : ShapeError;

/// <summary>GAN0303: a reshape to <c>Target</c> (<c>TargetCount</c> elements) would change the element count.</summary>
internal sealed record CountMismatch(int[] Target, double TargetCount) : ShapeError;

/// <summary>GAN0304: values that cannot be joined (concatenated or combined).</summary>
internal sealed record JoinError(string Detail) : ShapeError;

/// <summary>GAN0305: a spatial size reaches zero, is not whole, or does not suit the layer.</summary>
internal sealed record SpatialError(string Detail) : ShapeError;

/// <summary>GAN0309: more elements per sample than fit in 32 bits.</summary>
internal sealed record SizeError(string Detail) : ShapeError;

/// <summary>GAN0213: an argument that the input makes invalid (a reshape size, an embedding table too small).</summary>
internal sealed record RangeError(string Detail) : ShapeError;

/// <summary>The outcome of a shape rule: the output shape, or a typed error.</summary>
internal readonly record struct ShapeResult(int[]? Shape, ShapeError? Error)
{
    public bool Ok => Shape is not null;
    public static ShapeResult Of(params int[] shape) => new(shape, null);
    public static implicit operator ShapeResult(ShapeError error) => new(null, error);
}
