using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>A token. <see cref="NewlineBefore"/> records a line break before it (statements may end at one).</summary>
internal sealed record Token(TokenKind Kind, TextSpan Span, string Text, double Value = 0, bool NewlineBefore = false)
{
    public bool IsIdent(string word) => Kind == TokenKind.Identifier && Text == word;
}
