using Gan.Dsl.Diagnostics;
using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>
/// Hand-written recursive-descent parser. On an error it reports once, then skips to the next item
/// keyword at the start of a line (or, inside a body, to the next line), so independent errors are
/// each reported and none cascades. Never throws.
/// </summary>
internal sealed partial class Parser
{
    public static readonly IReadOnlySet<string> ItemKeywords = new HashSet<string>
    { "gan", "source", "use", "param", "data", "latent", "block", "network", "loss", "optimizer", "schedule", "sample" };

    readonly SourceText source;
    readonly DiagnosticBag diagnostics;
    readonly List<Token> tokens;
    readonly List<(int Start, string Text)> comments;
    int pos;

    sealed class ParseError : Exception { }

    public Parser(SourceText source, DiagnosticBag diagnostics)
    {
        this.source = source;
        this.diagnostics = diagnostics;
        var lexer = new Lexer(source, diagnostics);
        tokens = lexer.Lex();
        comments = lexer.Comments;
    }

    public static SpecSyntax Parse(SourceText source, DiagnosticBag diagnostics) => new Parser(source, diagnostics).ParseSpec();

    Token Current => tokens[pos];
    Token Peek(int k) => tokens[Math.Min(pos + k, tokens.Count - 1)];
    Token Advance() { var t = tokens[pos]; if (pos < tokens.Count - 1) pos++; return t; }
    bool At(TokenKind kind) => Current.Kind == kind;
    bool AtWord(string w) => Current.IsIdent(w);

    Token Expect(TokenKind kind, string what)
    {
        if (At(kind)) return Advance();
        ReportExpectedHere(what);
        throw new ParseError();
    }

    /// <summary>
    /// Reports what was expected. When the current token starts a new line (or is the end of the file),
    /// the missing piece belongs at the end of the previous line: point there, not at the next line.
    /// </summary>
    void ReportExpectedHere(string what)
    {
        var t = Current;
        if (pos > 0 && (t.NewlineBefore || t.Kind == TokenKind.EndOfFile))
        {
            var end = tokens[pos - 1].Span.End;
            var found = t.Kind == TokenKind.EndOfFile ? Describe(t) : $"the end of the line (next comes {Describe(t)})";
            diagnostics.ReportExpected(source, new TextSpan(end, 0), what, found);
        }
        else diagnostics.ReportExpected(source, t.Span, what, Describe(t));
    }

    Token ExpectIdentifier(string what) => Expect(TokenKind.Identifier, what);

    static string Describe(Token t) => t.Kind switch
    {
        TokenKind.EndOfFile => "the end of the file",
        TokenKind.String => $"the string \"{t.Text}\"",
        _ => $"'{t.Text}'",
    };

    public SpecSyntax ParseSpec()
    {
        var items = new List<ItemSyntax>();
        while (!At(TokenKind.EndOfFile))
        {
            int start = pos;
            depth = 0;
            try
            {
                items.Add(ParseItem());
            }
            catch (ParseError)
            {
                SkipToNextItem(start);
            }
            catch (TooDeep)
            {
                SkipNested(start);
                SkipToNextItem(start);
            }
        }
        return new SpecSyntax(source, items) { Comments = comments };
    }

    void SkipToNextItem(int start)
    {
        if (pos == start) Advance();
        while (!At(TokenKind.EndOfFile) && !AtItemStart()) Advance();
    }

    ItemSyntax ParseItem()
    {
        var kw = Current;
        if (kw.Kind != TokenKind.Identifier || !ItemKeywords.Contains(kw.Text))
        {
            diagnostics.ReportExpectedItem(source, kw.Span, Describe(kw), ItemKeywords);
            throw new ParseError();
        }
        Advance();
        switch (kw.Text)
        {
            case "gan":
            {
                var name = ExpectIdentifier("the spec's name after 'gan'");
                Token? desc = At(TokenKind.String) && !Current.NewlineBefore ? Advance() : null;
                return new HeaderSyntax(name, desc, To(kw, desc ?? name));
            }
            case "source":
            {
                var s = Expect(TokenKind.String, "a quoted citation after 'source'");
                return new SourceSyntax(s, To(kw, s));
            }
            case "use":
            {
                var s = Expect(TokenKind.String, "a quoted file name after 'use'");
                return new UseSyntax(s, To(kw, s));
            }
            case "param":
            {
                var name = ExpectIdentifier("a parameter name after 'param'");
                Token? type = null;
                if (At(TokenKind.Colon)) { Advance(); type = ExpectIdentifier("a type (int, float, bool, string)"); }
                Expect(TokenKind.Equals, "'=' and a default value");
                var value = ParseExpression();
                return new ParamSyntax(name, type, value, TextSpan.FromBounds(kw.Span.Start, value.Span.End)) { Source = source };
            }
            case "data":
            {
                var call = ParseCall("a data source such as mnist(...)");
                return new DataSyntax(call, TextSpan.FromBounds(kw.Span.Start, call.Span.End));
            }
            case "latent":
            {
                var name = ExpectIdentifier("the latent part's name after 'latent'");
                Expect(TokenKind.Equals, "'=' and a distribution such as normal(100)");
                var call = ParseCall("a distribution such as normal(100)");
                return new LatentSyntax(name, call, TextSpan.FromBounds(kw.Span.Start, call.Span.End));
            }
            case "block":
            case "network":
            {
                var name = ExpectIdentifier($"the {kw.Text}'s name");
                Expect(TokenKind.OpenParen, kw.Text == "block" ? "'(' and the block's parameters" : "'(' and the network's inputs");
                var ps = new List<ParameterSyntax>();
                while (!At(TokenKind.CloseParen))
                {
                    var pn = ExpectIdentifier(kw.Text == "block" ? "a parameter name" : "an input name");
                    ExpressionSyntax? type = null, def = null;
                    if (At(TokenKind.Colon)) { Advance(); type = ParseExpression(); }
                    if (At(TokenKind.Equals)) { Advance(); def = ParseExpression(); }
                    ps.Add(new ParameterSyntax(pn, type, def));
                    if (!At(TokenKind.Comma)) break;
                    Advance();
                }
                Expect(TokenKind.CloseParen, "')'");
                var (body, close) = ParseBody();
                var span = TextSpan.FromBounds(kw.Span.Start, close.Span.End);
                return kw.Text == "block"
                    ? new BlockSyntax(name, ps, body, span) { Source = source }
                    : new NetworkSyntax(name, ps, body, span);
            }
            case "loss":
            {
                var name = ExpectIdentifier("the loss's name after 'loss'");
                Expect(TokenKind.Equals, "'=' and the loss expression");
                var value = ParseExpression();
                return new LossSyntax(name, value, TextSpan.FromBounds(kw.Span.Start, value.Span.End));
            }
            case "optimizer":
            {
                var name = ExpectIdentifier("the optimiser's name after 'optimizer'");
                Expect(TokenKind.Equals, "'=' and an optimiser such as adam(G, lr: 2e-4)");
                var call = ParseCall("an optimiser such as adam(G, lr: 2e-4)");
                if (!AtWord("minimize"))
                {
                    ReportExpectedHere("'minimize' and the name of the loss this optimiser minimises");
                    throw new ParseError();
                }
                Advance();
                var loss = ExpectIdentifier("the name of a loss after 'minimize'");
                return new OptimizerSyntax(name, call, loss, To(kw, loss));
            }
            default: // schedule, sample
            {
                Enter(Expect(TokenKind.OpenBrace, $"'{{' after '{kw.Text}'"));
                var settings = new List<SettingSyntax>();
                while (!At(TokenKind.CloseBrace) && !At(TokenKind.EndOfFile))
                {
                    int start = pos, saved = depth;
                    try
                    {
                        var key = ExpectIdentifier("a setting name");
                        Expect(TokenKind.Colon, $"':' after '{key.Text}'");
                        settings.Add(new SettingSyntax(key, ParseExpression()));
                        while (At(TokenKind.Semicolon) || At(TokenKind.Comma)) Advance();
                    }
                    catch (ParseError) { depth = saved; SkipToNextLine(start); }
                }
                var close = Expect(TokenKind.CloseBrace, "'}'");
                Leave();
                return new SettingsSyntax(kw, settings, To(kw, close));
            }
        }
    }

    static TextSpan To(Token a, Token b) => TextSpan.FromBounds(a.Span.Start, b.Span.End);

    void SkipToNextLine(int start)
    {
        if (pos == start) Advance();
        while (!At(TokenKind.EndOfFile) && !At(TokenKind.CloseBrace) && !Current.NewlineBefore) Advance();
    }

    CallSyntax ParseCall(string what)
    {
        var name = ExpectIdentifier(what);
        if (!At(TokenKind.OpenParen)) return new CallSyntax(name, [], false, name.Span);
        Enter(Advance());
        var args = ParseArguments();
        var close = Expect(TokenKind.CloseParen, "')' or ','");
        Leave();
        return new CallSyntax(name, args, true, To(name, close));
    }

    List<ArgumentSyntax> ParseArguments()
    {
        var args = new List<ArgumentSyntax>();
        while (!At(TokenKind.CloseParen) && !At(TokenKind.EndOfFile))
        {
            Token? keyword = null;
            if (At(TokenKind.Identifier) && Peek(1).Kind == TokenKind.Colon) { keyword = Advance(); Advance(); }
            args.Add(new ArgumentSyntax(keyword, ParseExpression()));
            if (!At(TokenKind.Comma)) break;
            Advance();
        }
        return args;
    }

    public ExpressionSyntax ParseExpression() => ParseAdditive();

    /// <summary>A list item: an expression, <c>key: value</c> (ema's settings), or <c>item every N</c> (the schedule's order).</summary>
    ExpressionSyntax ParseListItem()
    {
        if (At(TokenKind.Identifier) && Peek(1).Kind == TokenKind.Colon)
        {
            var keyword = Advance();
            Advance();
            return new KeywordItemSyntax(keyword, ParseExpression());
        }
        var item = ParseExpression();
        if (!AtWord("every")) return item;
        var every = Advance();
        return new EveryItemSyntax(item, every, ParseExpression());
    }

    ExpressionSyntax ParseAdditive() => ParseLeftAssociative(ParseMultiplicative, TokenKind.Plus, TokenKind.Minus);

    ExpressionSyntax ParseMultiplicative() => ParseLeftAssociative(ParseUnary, TokenKind.Star, TokenKind.Slash);

    /// <summary>
    /// operand (op operand)*, grouped to the left, for one precedence level of binary operators. Each operator is a
    /// level: the tree it builds is as deep as the chain is long, and every later pass walks that depth.
    /// </summary>
    ExpressionSyntax ParseLeftAssociative(Func<ExpressionSyntax> operand, TokenKind first, TokenKind second)
    {
        var left = operand();
        int levels = 0;
        while (At(first) || At(second))
        {
            var op = Advance();
            Enter(op);
            levels++;
            left = new BinarySyntax(left, op, operand());
        }
        Leave(levels);
        return left;
    }

    /// <summary>Signs, read in a loop (a level each), then applied innermost first.</summary>
    ExpressionSyntax ParseUnary()
    {
        var signs = new List<Token>();
        while (At(TokenKind.Minus) || At(TokenKind.Plus))
        {
            var op = Advance();
            Enter(op);
            signs.Add(op);
        }
        var e = ParsePostfix();
        for (int i = signs.Count - 1; i >= 0; i--) e = new UnarySyntax(signs[i], e);
        Leave(signs.Count);
        return e;
    }

    ExpressionSyntax ParsePostfix()
    {
        var e = ParsePrimary();
        int levels = 0;
        while (At(TokenKind.Dot))
        {
            Enter(Advance());
            levels++;
            e = new MemberSyntax(e, ExpectIdentifier("an output name after '.'"));
        }
        Leave(levels);
        return e;
    }

    ExpressionSyntax ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number: Advance(); return new NumberSyntax(t);
            case TokenKind.String: Advance(); return new StringSyntax(t);
            case TokenKind.Identifier:
                if (Peek(1).Kind == TokenKind.OpenParen && !Peek(1).NewlineBefore) return ParseCall("a name");
                Advance();
                return new NameSyntax(t);
            case TokenKind.OpenBracket:
            {
                Enter(Advance());
                var items = new List<ExpressionSyntax>();
                while (!At(TokenKind.CloseBracket) && !At(TokenKind.EndOfFile))
                {
                    items.Add(ParseListItem());
                    if (!At(TokenKind.Comma)) break;
                    Advance();
                }
                var close = Expect(TokenKind.CloseBracket, "']' or ','");
                Leave();
                return new ListSyntax(items, To(t, close));
            }
            case TokenKind.OpenParen:
            {
                Enter(Advance());
                var inner = ParseExpression();
                var close = Expect(TokenKind.CloseParen, "')'");
                Leave();
                return new ParenthesizedSyntax(inner, To(t, close));
            }
            default:
                ReportExpectedHere("an expression");
                throw new ParseError();
        }
    }
}
