namespace Gan.Dsl.Text;

/// <summary>A range of characters in a source text, stored as offsets.</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
    public static TextSpan FromBounds(int start, int end) => new(start, Math.Max(0, end - start));
    public override string ToString() => $"[{Start}..{End})";
}
