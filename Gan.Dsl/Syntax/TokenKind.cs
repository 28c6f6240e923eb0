namespace Gan.Dsl.Syntax;

internal enum TokenKind
{
    EndOfFile,
    Bad,
    Identifier,
    Number,
    String,
    OpenParen, CloseParen, OpenBrace, CloseBrace, OpenBracket, CloseBracket,
    Comma, Colon, Semicolon, Dot, Equals,
    Plus, Minus, Star, Slash,
}
