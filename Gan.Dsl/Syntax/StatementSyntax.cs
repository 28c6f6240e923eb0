using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>A statement in a network or block body.</summary>
internal abstract record StatementSyntax(TextSpan Span);

/// <summary>A layer or block call, optionally acknowledged as a deliberate quirk: <c>batchnorm(eps: 0.8) quirk "why"</c>.</summary>
internal sealed record LayerSyntax(CallSyntax Call, Token? Quirk)
    : StatementSyntax(Quirk is null ? Call.Span : TextSpan.FromBounds(Call.Span.Start, Quirk.Span.End));

internal sealed record IfSyntax(Token Keyword, ExpressionSyntax Condition, IReadOnlyList<StatementSyntax> Then,
                              IReadOnlyList<StatementSyntax>? Else, TextSpan Span) : StatementSyntax(Span);

/// <summary><c>let name</c>: names the current value.</summary>
internal sealed record LetSyntax(Token Keyword, Token Name) : StatementSyntax(TextSpan.FromBounds(Keyword.Span.Start, Name.Span.End));

/// <summary><c>from name</c>: continues from a named value (an input or a <c>let</c>).</summary>
internal sealed record FromSyntax(Token Keyword, Token Name) : StatementSyntax(TextSpan.FromBounds(Keyword.Span.Start, Name.Span.End));

/// <summary><c>output name</c>: the current value is a named output (head) of the network.</summary>
internal sealed record OutputSyntax(Token Keyword, Token Name) : StatementSyntax(TextSpan.FromBounds(Keyword.Span.Start, Name.Span.End));

/// <summary><c>init xavier_uniform</c>: the initialiser of the parametric layers that follow.</summary>
internal sealed record InitSyntax(Token Keyword, CallSyntax Init) : StatementSyntax(TextSpan.FromBounds(Keyword.Span.Start, Init.Span.End));

/// <summary>
/// <c>residual { MAIN } shortcut { SC }</c>: y = MAIN(x) + SC(x) for the current value x; without <c>shortcut</c>, SC is the
/// identity. Each branch is a body of its own: names it binds are local to it.
/// </summary>
internal sealed record ResidualSyntax(Token Keyword, IReadOnlyList<StatementSyntax> Main, Token? ShortcutKeyword,
                                      IReadOnlyList<StatementSyntax>? Shortcut, TextSpan Span) : StatementSyntax(Span);
