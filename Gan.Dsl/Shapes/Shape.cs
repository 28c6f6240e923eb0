namespace Gan.Dsl.Shapes;

/// <summary>Shape helpers. Shapes exclude the (symbolic) batch dimension N.</summary>
public static class Shape
{
    /// <summary>"N×1×28×28".</summary>
    public static string Show(IReadOnlyList<int> shape) => "N×" + Dims(shape);

    /// <summary>"1×28×28".</summary>
    public static string Dims(IReadOnlyList<int> shape) => shape.Count == 0 ? "1" : string.Join("×", shape);

    public static long Count(IReadOnlyList<int> shape) => shape.Aggregate(1L, (a, d) => a * d);

    public static bool Same(IReadOnlyList<int> a, IReadOnlyList<int> b) => a.SequenceEqual(b);
}

/// <summary>The outcome of a shape rule: the output shape, or a diagnostic code and message.</summary>
public readonly record struct ShapeResult(int[]? Shape, string? Code, string? Message)
{
    public bool Ok => Shape is not null;
    public static ShapeResult Of(params int[] shape) => new(shape, null, null);
    public static ShapeResult Fail(string code, string message) => new(null, code, message);
}
