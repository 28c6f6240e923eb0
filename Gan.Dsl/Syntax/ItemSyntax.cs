using Gan.Dsl.Text;

namespace Gan.Dsl.Syntax;

/// <summary>A top-level item of a spec.</summary>
internal abstract record ItemSyntax(TextSpan Span);

/// <summary><c>gan name "description"</c></summary>
internal sealed record HeaderSyntax(Token Name, Token? Description, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>source "citation"</c></summary>
internal sealed record SourceSyntax(Token Text, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>use "file.gan"</c></summary>
internal sealed record UseSyntax(Token Path, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>param name[: type] = value</c></summary>
internal sealed record ParamSyntax(Token Name, Token? Type, ExpressionSyntax Value, TextSpan Span) : ItemSyntax(Span)
{
    /// <summary>The file this param was written in (a `use`d file's params keep their own).</summary>
    public SourceText? Source { get; init; }
}

/// <summary><c>data mnist(split: train, scale: [-1, 1])</c></summary>
internal sealed record DataSyntax(CallSyntax Source, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>latent z = normal(100)</c></summary>
internal sealed record LatentSyntax(Token Name, CallSyntax Distribution, TextSpan Span) : ItemSyntax(Span);

/// <summary>A block or network parameter / input: <c>name[: type-or-shape][= default]</c>.</summary>
internal sealed record ParameterSyntax(Token Name, ExpressionSyntax? Type, ExpressionSyntax? Default)
{
    public TextSpan Span => TextSpan.FromBounds(Name.Span.Start, (Default ?? Type)?.Span.End ?? Name.Span.End);
}

/// <summary><c>block name(params) { statements }</c></summary>
internal sealed record BlockSyntax(Token Name, IReadOnlyList<ParameterSyntax> Parameters, IReadOnlyList<StatementSyntax> Body,
                                   TextSpan Span) : ItemSyntax(Span)
{
    /// <summary>The file this block was written in: diagnostics inside it point there.</summary>
    public SourceText? Source { get; init; }
}

/// <summary><c>network name(inputs) { statements }</c></summary>
internal sealed record NetworkSyntax(Token Name, IReadOnlyList<ParameterSyntax> Inputs, IReadOnlyList<StatementSyntax> Body,
                                     TextSpan Span) : ItemSyntax(Span);

/// <summary><c>loss name = expression</c></summary>
internal sealed record LossSyntax(Token Name, ExpressionSyntax Value, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>optimizer name = adam(G, lr: 2e-4) minimize g_loss</c></summary>
internal sealed record OptimizerSyntax(Token Name, CallSyntax Kind, Token Loss, TextSpan Span) : ItemSyntax(Span);

/// <summary><c>schedule { key: value ... }</c> or <c>sample { key: value ... }</c></summary>
internal sealed record SettingsSyntax(Token Keyword, IReadOnlyList<SettingSyntax> Settings, TextSpan Span) : ItemSyntax(Span);

internal sealed record SettingSyntax(Token Key, ExpressionSyntax Value)
{
    public TextSpan Span => TextSpan.FromBounds(Key.Span.Start, Value.Span.End);
}

/// <summary>A parsed file.</summary>
internal sealed record SpecSyntax(SourceText Source, IReadOnlyList<ItemSyntax> Items)
{
    /// <summary>The file's comments (offset, text after '#'), which the formatter keeps.</summary>
    public IReadOnlyList<(int Start, string Text)> Comments { get; init; } = [];
}
