using System.Runtime.CompilerServices;

namespace Gan.Dsl.Syntax;

/// <summary>
/// The parser's depth guard. Each opening bracket or brace, sign, '.' and operator in a chain is one level; past
/// <see cref="Nesting.MaxDepth"/> the parser reports GAN0106 once and abandons the item, skipping to its matching
/// close, so nothing after it recurses deeper and no cascade follows. The cap bounds every later pass too: each
/// recurses at most once per level (a chain of n operators is a tree n deep, which is why a chain counts).
/// </summary>
internal sealed partial class Parser
{
    /// <summary>Open levels at the current token; reset at each item.</summary>
    int depth;

    /// <summary>Thrown past the limit; unlike <see cref="ParseError"/>, only the item loop catches it.</summary>
    sealed class TooDeep : Exception { }

    /// <summary>
    /// One more level, opened by <paramref name="at"/>. A thread with a small stack stops earlier, with the same message:
    /// the guard is there to keep the process alive, wherever the limit falls.
    /// </summary>
    void Enter(Token at)
    {
        if (++depth <= Nesting.MaxDepth && RuntimeHelpers.TryEnsureSufficientExecutionStack()) return;
        diagnostics.ReportTooDeep(source, at.Span, at.Kind == TokenKind.OpenBrace ? "this body" : "this expression", Nesting.MaxDepth,
                                  Nesting.SyntaxLevels, Nesting.SyntaxFix);
        throw new TooDeep();
    }

    void Leave(int levels = 1) => depth -= levels;

    static int Balance(TokenKind kind) => kind switch
    {
        TokenKind.OpenParen or TokenKind.OpenBracket or TokenKind.OpenBrace => 1,
        TokenKind.CloseParen or TokenKind.CloseBracket or TokenKind.CloseBrace => -1,
        _ => 0,
    };

    /// <summary>
    /// After GAN0106: skips past the close that matches the brackets still open since the item began at
    /// <paramref name="start"/>, or to the next item keyword at the start of a line when they never close.
    /// </summary>
    void SkipNested(int start)
    {
        int open = 0;
        for (int i = start; i < pos; i++) open += Balance(tokens[i].Kind);
        while (open > 0 && !At(TokenKind.EndOfFile) && !AtItemStart())
            open += Balance(Advance().Kind);
    }

    /// <summary>An item keyword at the start of a line: where the parser resumes after an error.</summary>
    bool AtItemStart() => Current.NewlineBefore && Current.Kind == TokenKind.Identifier && ItemKeywords.Contains(Current.Text);
}
