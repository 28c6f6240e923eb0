using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>An expression: numbers, names, calls, lists and arithmetic.</summary>
internal abstract record ExpressionSyntax(TextSpan Span);

internal sealed record NumberSyntax(Token Token) : ExpressionSyntax(Token.Span)
{
    public double Value => Token.Value;
}

internal sealed record StringSyntax(Token Token) : ExpressionSyntax(Token.Span)
{
    public string Value => Token.Text;
}

internal sealed record NameSyntax(Token Name) : ExpressionSyntax(Name.Span);

/// <summary>An argument, positional or by keyword (<c>eps: 0.8</c>).</summary>
internal sealed record ArgumentSyntax(Token? Keyword, ExpressionSyntax Value)
{
    public TextSpan Span => Keyword is null ? Value.Span : TextSpan.FromBounds(Keyword.Span.Start, Value.Span.End);
}

/// <summary><c>name(args)</c>; a bare name in layer position is a call without parentheses.</summary>
internal sealed record CallSyntax(Token Name, IReadOnlyList<ArgumentSyntax> Arguments, bool HasParens, TextSpan Span)
    : ExpressionSyntax(Span);

internal sealed record ListSyntax(IReadOnlyList<ExpressionSyntax> Items, TextSpan Span) : ExpressionSyntax(Span);

internal sealed record UnarySyntax(Token Operator, ExpressionSyntax Operand)
    : ExpressionSyntax(TextSpan.FromBounds(Operator.Span.Start, Operand.Span.End));

internal sealed record BinarySyntax(ExpressionSyntax Left, Token Operator, ExpressionSyntax Right)
    : ExpressionSyntax(TextSpan.FromBounds(Left.Span.Start, Right.Span.End));

internal sealed record ParenthesizedSyntax(ExpressionSyntax Inner, TextSpan Span) : ExpressionSyntax(Span);

/// <summary><c>D(x).cat</c>: a named output (head) of a network application.</summary>
internal sealed record MemberSyntax(ExpressionSyntax Target, Token Member)
    : ExpressionSyntax(TextSpan.FromBounds(Target.Span.Start, Member.Span.End));

/// <summary>
/// <c>decay: 0.9999</c> as an item of a list: a keyword setting inside <c>ema: [G, decay: 0.9999, start: 1000]</c>.
/// </summary>
internal sealed record KeywordItemSyntax(Token Keyword, ExpressionSyntax Value)
    : ExpressionSyntax(TextSpan.FromBounds(Keyword.Span.Start, Value.Span.End));

/// <summary><c>opt_dreg every 16</c> as an item of a list: an entry of the schedule's order run every N-th iteration.</summary>
internal sealed record EveryItemSyntax(ExpressionSyntax Item, Token Every, ExpressionSyntax Count)
    : ExpressionSyntax(TextSpan.FromBounds(Item.Span.Start, Count.Span.End));
