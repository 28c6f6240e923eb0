namespace Gan.Dsl.Text;

/// <summary>
/// The text of one spec file with its path. Positions are offsets; <see cref="LineCol"/> turns an
/// offset into a 1-based line and column only when a diagnostic is printed.
/// </summary>
public sealed class SourceText
{
    readonly int[] lineStarts;

    public string Path { get; }
    public string Text { get; }

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text;
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        lineStarts = starts.ToArray();
    }

    /// <summary>0-based line index containing <paramref name="offset"/>.</summary>
    public int LineIndex(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        int lo = 0, hi = lineStarts.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>1-based line and column of an offset.</summary>
    public (int Line, int Col) LineCol(int offset)
    {
        int line = LineIndex(offset);
        return (line + 1, Math.Clamp(offset, 0, Text.Length) - lineStarts[line] + 1);
    }

    /// <summary>The text of a 0-based line, without its line break.</summary>
    public string LineText(int lineIndex)
    {
        int start = lineStarts[lineIndex];
        int end = lineIndex + 1 < lineStarts.Length ? lineStarts[lineIndex + 1] : Text.Length;
        return Text[start..end].TrimEnd('\n', '\r');
    }

    public int LineStart(int lineIndex) => lineStarts[lineIndex];

    public string this[TextSpan span] => Text.Substring(span.Start, Math.Min(span.Length, Text.Length - span.Start));
}
