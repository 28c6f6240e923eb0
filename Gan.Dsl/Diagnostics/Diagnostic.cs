using Gan.Dsl.Text;

namespace Gan.Dsl.Diagnostics;

public enum Severity { Error, Warning }

/// <summary>One finding of the compiler: a stable code, a severity, a place and a message.</summary>
public sealed record Diagnostic(string Code, Severity Severity, SourceText Source, TextSpan Span, string Message)
{
    public bool IsError => Severity == Severity.Error;

    public (int Line, int Col) Position => Source.LineCol(Span.Start);

    /// <summary><c>path:line:col: error GAN0301: message</c>, then the source line and a caret underline.</summary>
    public string Format(bool withSource = true)
    {
        var (line, col) = Position;
        var head = $"{Source.Path}:{line}:{col}: {(IsError ? "error" : "warning")} {Code}: {Message}";
        if (!withSource || Source.Text.Length == 0) return head;
        var text = Source.LineText(line - 1).Replace('\t', ' ');
        int lineEnd = Source.LineStart(line - 1) + text.Length;
        int underline = Math.Max(1, Math.Min(Span.End, lineEnd) - Span.Start);
        var (shown, caret, marks) = Clip(text, col - 1, underline);
        return $"{head}\n  {shown}\n  {new string(' ', caret)}{new string('^', marks)}";
    }

    /// <summary>Longest source line shown whole; a longer one (a generated or hostile file) shows a window at the span.</summary>
    const int ShownWidth = 160;

    /// <summary>The part of a long line around the caret, with '…' where text is cut, and the caret and underline in it.</summary>
    static (string Text, int Caret, int Underline) Clip(string text, int caret, int underline)
    {
        if (text.Length <= ShownWidth) return (text, caret, underline);
        int from = Math.Clamp(caret - ShownWidth / 2, 0, text.Length - ShownWidth);
        var window = text.Substring(from, ShownWidth);
        var prefix = from > 0 ? "…" : "";
        var suffix = from + ShownWidth < text.Length ? "…" : "";
        int start = caret - from + prefix.Length;
        return (prefix + window + suffix, start, Math.Max(1, Math.Min(underline, ShownWidth - (caret - from))));
    }

    public override string ToString() => Format(false);
}
