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
        return $"{head}\n  {text}\n  {new string(' ', col - 1)}{new string('^', underline)}";
    }

    public override string ToString() => Format(false);
}
