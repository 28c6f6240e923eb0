using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>An expression: numbers, names, calls, lists and arithmetic.</summary>
public abstract record ExpressionSyntax(TextSpan Span);

public sealed record NumberSyntax(Token Token) : ExpressionSyntax(Token.Span)
{
    public double Value => Token.Value;
}

public sealed record StringSyntax(Token Token) : ExpressionSyntax(Token.Span)
{
    public string Value => Token.Text;
}

public sealed record NameSyntax(Token Name) : ExpressionSyntax(Name.Span);

/// <summary>An argument, positional or by keyword (<c>eps: 0.8</c>).</summary>
public sealed record ArgumentSyntax(Token? Keyword, ExpressionSyntax Value)
{
    public TextSpan Span => Keyword is null ? Value.Span : TextSpan.FromBounds(Keyword.Span.Start, Value.Span.End);
}

/// <summary><c>name(args)</c>; a bare name in layer position is a call without parentheses.</summary>
public sealed record CallSyntax(Token Name, IReadOnlyList<ArgumentSyntax> Arguments, bool HasParens, TextSpan Span) : ExpressionSyntax(Span);

public sealed record ListSyntax(IReadOnlyList<ExpressionSyntax> Items, TextSpan Span) : ExpressionSyntax(Span);

public sealed record UnarySyntax(Token Operator, ExpressionSyntax Operand) : ExpressionSyntax(TextSpan.FromBounds(Operator.Span.Start, Operand.Span.End));

public sealed record BinarySyntax(ExpressionSyntax Left, Token Operator, ExpressionSyntax Right)
    : ExpressionSyntax(TextSpan.FromBounds(Left.Span.Start, Right.Span.End));

public sealed record ParenthesizedSyntax(ExpressionSyntax Inner, TextSpan Span) : ExpressionSyntax(Span);

/// <summary><c>D(x).cat</c>: a named output (head) of a network application.</summary>
public sealed record MemberSyntax(ExpressionSyntax Target, Token Member) : ExpressionSyntax(TextSpan.FromBounds(Target.Span.Start, Member.Span.End));
