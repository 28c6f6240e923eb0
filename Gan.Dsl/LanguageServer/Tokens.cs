using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary>The tokens of a text (the lexer's, comments dropped) and the identifier at an offset.</summary>
internal static class Tokens
{
    public static List<Token> Of(SourceText source) => new Lexer(source, new DiagnosticBag()).Lex();

    /// <summary>The identifier under the cursor: one whose span holds the offset or ends at it.</summary>
    public static Token? IdentifierAt(IReadOnlyList<Token> tokens, int offset)
    {
        int lo = 0, hi = tokens.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            var t = tokens[mid];
            if (t.Span.End < offset) lo = mid + 1;
            else if (t.Span.Start > offset) hi = mid - 1;
            else
            {
                // Touching two tokens (`a|(`): prefer the identifier.
                if (t.Kind == TokenKind.Identifier) return t;
                if (mid > 0 && tokens[mid - 1].Kind == TokenKind.Identifier && tokens[mid - 1].Span.End == offset) return tokens[mid - 1];
                if (mid + 1 < tokens.Count && tokens[mid + 1].Kind == TokenKind.Identifier && tokens[mid + 1].Span.Start == offset)
                    return tokens[mid + 1];
                return null;
            }
        }
        return null;
    }

    public static int IndexOf(IReadOnlyList<Token> tokens, Token t)
    {
        int lo = 0, hi = tokens.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (tokens[mid].Span.Start < t.Span.Start) lo = mid + 1;
            else if (tokens[mid].Span.Start > t.Span.Start) hi = mid - 1;
            else return mid;
        }
        return -1;
    }

    /// <summary>Whether a name is used as a keyword argument or setting key (<c>kernel: 4</c>) or an output member (<c>.cat</c>).</summary>
    public static bool IsKeyOrMember(IReadOnlyList<Token> tokens, int index) =>
        (index + 1 < tokens.Count && tokens[index + 1].Kind == TokenKind.Colon)
        || (index > 0 && tokens[index - 1].Kind == TokenKind.Dot);
}
