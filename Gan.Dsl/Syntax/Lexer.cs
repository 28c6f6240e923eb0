using System.Globalization;
using System.Text;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>
/// Turns spec text into tokens. Comments run from <c>#</c> to the end of the line. Keywords are
/// ordinary identifiers; the parser gives them meaning by position. Never throws.
/// </summary>
internal sealed class Lexer
{
    readonly SourceText source;
    readonly DiagnosticBag diagnostics;
    readonly string text;
    int pos;

    /// <summary>Comments met while lexing (offset and text without '#'), kept for the formatter.</summary>
    public List<(int Start, string Text)> Comments { get; } = [];

    public Lexer(SourceText source, DiagnosticBag diagnostics)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        text = source.Text;
        spellings = names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public List<Token> Lex()
    {
        var tokens = new List<Token>();
        while (true)
        {
            bool newline = SkipTrivia();
            var t = Next(newline);
            if (t.Kind == TokenKind.Bad) continue;     // reported; skip it so the parser sees clean input
            tokens.Add(t);
            if (t.Kind == TokenKind.EndOfFile) return tokens;
        }
    }

    bool SkipTrivia()
    {
        bool newline = pos == 0;
        while (pos < text.Length)
        {
            char c = text[pos];
            if (SourceText.IsLineBreak(c)) { newline = true; pos++; }
            else if (char.IsWhiteSpace(c)) pos++;
            else if (c == '#')
            {
                int start = pos;
                while (pos < text.Length && !SourceText.IsLineBreak(text[pos])) pos++;
                Comments.Add((start, text[(start + 1)..pos].TrimEnd()));
            }
            else break;
        }
        return newline;
    }

    Token Next(bool newline)
    {
        int start = pos;
        if (pos >= text.Length) return new Token(TokenKind.EndOfFile, new TextSpan(text.Length, 0), "", 0, true);
        char c = text[pos];
        if (char.IsLetter(c) || c == '_')
        {
            while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
            return new Token(TokenKind.Identifier, Span(start), Intern(start), 0, newline);
        }
        if (char.IsDigit(c) || (c == '.' && pos + 1 < text.Length && char.IsDigit(text[pos + 1])))
            return LexNumber(start, newline);
        if (c == '"') return LexString(start, newline);
        pos++;
        TokenKind kind = c switch
        {
            '(' => TokenKind.OpenParen, ')' => TokenKind.CloseParen,
            '{' => TokenKind.OpenBrace, '}' => TokenKind.CloseBrace,
            '[' => TokenKind.OpenBracket, ']' => TokenKind.CloseBracket,
            ',' => TokenKind.Comma, ':' => TokenKind.Colon, ';' => TokenKind.Semicolon,
            '.' => TokenKind.Dot, '=' => TokenKind.Equals,
            '+' => TokenKind.Plus, '-' => TokenKind.Minus, '*' => TokenKind.Star, '/' => TokenKind.Slash,
            _ => TokenKind.Bad,
        };
        if (kind == TokenKind.Bad)
        {
            // Swallow a run of bad characters so one typo gives one diagnostic.
            while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && !char.IsLetterOrDigit(text[pos])
                   && "(){}[],:;.=+-*/\"#".IndexOf(text[pos]) < 0)
                pos++;
            diagnostics.ReportBadCharacter(source, Span(start), text[start..pos]);
        }
        // One shared string per punctuation mark: a generated or hostile file holds millions of them.
        var tokenText = kind == TokenKind.Bad ? text[start..pos] : Punctuation[c];
        return new Token(kind, Span(start), tokenText, 0, newline);
    }

    /// <summary>
    /// The text from <paramref name="start"/> to here as one shared string per spelling: a generated spec names `linear`
    /// and `16` hundreds of thousands of times, and each token and syntax node keeps its text.
    /// </summary>
    string Intern(int start)
    {
        var span = text.AsSpan(start, pos - start);
        if (span.Length > 64) return span.ToString();
        if (spellings.TryGetValue(span, out var known)) return known;
        var s = span.ToString();
        if (names.Count < 100_000) names.Add(s);
        return s;
    }

    readonly HashSet<string> names = [];
    HashSet<string>.AlternateLookup<ReadOnlySpan<char>> spellings;

    static readonly Dictionary<char, string> Punctuation = "(){}[],:;.=+-*/".ToDictionary(c => c, c => c.ToString());

    Token LexNumber(int start, bool newline)
    {
        while (pos < text.Length && (char.IsDigit(text[pos]) || text[pos] == '_')) pos++;
        if (pos < text.Length && text[pos] == '.' && !(pos + 1 < text.Length && char.IsLetter(text[pos + 1])))
        {
            pos++;
            while (pos < text.Length && char.IsDigit(text[pos])) pos++;
        }
        if (pos < text.Length && (text[pos] == 'e' || text[pos] == 'E'))
        {
            int save = pos;
            pos++;
            if (pos < text.Length && (text[pos] == '+' || text[pos] == '-')) pos++;
            if (pos < text.Length && char.IsDigit(text[pos])) { while (pos < text.Length && char.IsDigit(text[pos])) pos++; }
            else pos = save;
        }
        // A number runs into letters (5x5, 784x, 2e-4f): the whole run is one malformed number.
        bool glued = pos < text.Length && (char.IsLetter(text[pos]) || text[pos] == '_');
        while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
        var raw = Intern(start);
        if (glued)
        {
            diagnostics.ReportBadNumber(source, Span(start), raw, "a number cannot run into letters; put a space or comma between them");
            return new Token(TokenKind.Number, Span(start), raw, 0, newline);
        }
        if (!double.TryParse(raw.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            diagnostics.ReportBadNumber(source, Span(start), raw, "it is too large for a 64-bit float");
            value = 0;
        }
        return new Token(TokenKind.Number, Span(start), raw, value, newline);
    }

    Token LexString(int start, bool newline)
    {
        pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length || SourceText.IsLineBreak(text[pos]))
            {
                diagnostics.ReportUnterminatedString(source, Span(start));
                break;
            }
            char c = text[pos++];
            if (c == '"') break;
            if (c == '\\' && pos < text.Length) { char e = text[pos++]; sb.Append(e switch { 'n' => '\n', 't' => '\t', _ => e }); }
            else sb.Append(c);
        }
        return new Token(TokenKind.String, Span(start), sb.ToString(), 0, newline);
    }

    TextSpan Span(int start) => TextSpan.FromBounds(start, pos);
}
