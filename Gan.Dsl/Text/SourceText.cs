namespace Gan.Dsl.Text;

/// <summary>
/// The text of one spec file with its path. Positions are offsets; <see cref="LineCol"/> turns an
/// offset into a 1-based line and column only when a diagnostic is printed. Lines end at LF, CRLF or a lone CR
/// (old Mac files), so line:col is right whichever an editor wrote. A leading byte-order mark is dropped: it is
/// no character of the spec, and kept it would shift every column of the first line.
/// </summary>
public sealed class SourceText
{
    readonly int[] lineStarts;

    public string Path { get; }
    public string Text { get; }

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text.StartsWith('\uFEFF') ? text[1..] : text;
        lineStarts = LineStarts(Text);
    }

    /// <summary>Where each line starts: after every LF, and after every CR not followed by LF.</summary>
    static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n'))) starts.Add(i + 1);
        return [.. starts];
    }

    /// <summary>True for the characters that end a line: LF, and CR alone or before LF.</summary>
    public static bool IsLineBreak(char c) => c is '\n' or '\r';

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
