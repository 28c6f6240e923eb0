using Gan.Dsl.Diagnostics;
using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>The parser's statements: bodies of networks, blocks, ifs and residual branches.</summary>
internal sealed partial class Parser
{
    (List<StatementSyntax>, Token) ParseBody()
    {
        Enter(Expect(TokenKind.OpenBrace, "'{'"));
        var body = new List<StatementSyntax>();
        while (!At(TokenKind.CloseBrace) && !At(TokenKind.EndOfFile))
        {
            if (At(TokenKind.Semicolon)) { Advance(); continue; }
            // A missing '}' shows as an item keyword at the start of a line: stop the body there. A keyword followed by '('
            // is a call of that name (no item is written so), which binding reports as an unknown layer.
            if (AtItemStart() && Current.Text is not ("sample") && Peek(1).Kind != TokenKind.OpenParen)
                break;
            int start = pos, saved = depth;
            try { body.Add(ParseStatement()); }
            catch (ParseError) { depth = saved; SkipToNextLine(start); }
        }
        var close = Expect(TokenKind.CloseBrace, "'}' to close the body");
        Leave();
        return (body, close);
    }

    StatementSyntax ParseStatement()
    {
        var t = Current;
        if (t.Kind == TokenKind.Identifier)
        {
            switch (t.Text)
            {
                case "let": Advance(); return new LetSyntax(t, ExpectIdentifier("a name after 'let'"));
                case "from": Advance(); return new FromSyntax(t, ExpectIdentifier("a name after 'from'"));
                case "output": Advance(); return new OutputSyntax(t, ExpectIdentifier("the output's name after 'output'"));
                case "init": Advance(); return new InitSyntax(t, ParseCall("an initialiser such as xavier_uniform"));
                case "if":
                {
                    Advance();
                    var cond = ParseExpression();
                    var (then, close) = ParseBody();
                    IReadOnlyList<StatementSyntax>? els = null;
                    if (AtWord("else")) { Advance(); (var e, close) = ParseBody(); els = e; }
                    return new IfSyntax(t, cond, then, els, To(t, close));
                }
                case "residual" when Peek(1).Kind == TokenKind.OpenBrace:
                {
                    Advance();
                    var (main, close) = ParseBody();
                    Token? shortcut = null;
                    IReadOnlyList<StatementSyntax>? sc = null;
                    if (AtWord("shortcut")) { shortcut = Advance(); (var b, close) = ParseBody(); sc = b; }
                    return new ResidualSyntax(t, main, shortcut, sc, To(t, close));
                }
            }
        }
        var call = ParseCall("a layer such as linear(128)");
        Token? quirk = null;
        if (AtWord("quirk"))
        {
            Advance();
            quirk = Expect(TokenKind.String, "a quoted reason after 'quirk'");
        }
        return new LayerSyntax(call, quirk);
    }
}
