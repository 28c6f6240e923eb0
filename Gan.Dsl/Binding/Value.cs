using System.Globalization;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>A compile-time value: arguments of layers, data, latents, optimisers and settings.</summary>
internal abstract record Value(TextSpan Span)
{
    public abstract string TypeName { get; }
    public abstract string Show();
}

internal sealed record NumberValue(double Number, TextSpan Span) : Value(Span)
{
    public bool IsInteger => Math.Abs(Number - Math.Round(Number)) < 1e-12 && Math.Abs(Number) < int.MaxValue;
    public override string TypeName => IsInteger ? "int" : "float";
    public override string Show() => Number.ToString("G", CultureInfo.InvariantCulture);
}

internal sealed record BoolValue(bool Bool, TextSpan Span) : Value(Span)
{
    public override string TypeName => "bool";
    public override string Show() => Bool ? "true" : "false";
}

/// <param name="FromCommandLine">given by <c>--set</c>: a path the user chose, not one a (possibly untrusted) spec names.</param>
internal sealed record StringValue(string Text, TextSpan Span, bool FromCommandLine = false) : Value(Span)
{
    public override string TypeName => "string";
    public override string Show() => $"\"{Text}\"";
}

/// <summary>A bare word such as <c>same</c>, <c>train</c> or a network name.</summary>
internal sealed record SymbolValue(string Name, TextSpan Span) : Value(Span)
{
    public override string TypeName => $"the name '{Name}'";
    public override string Show() => Name;
}

internal sealed record ListValue(IReadOnlyList<Value> Items, TextSpan Span) : Value(Span)
{
    public override string TypeName => "a list";
    public override string Show() => "[" + string.Join(", ", Items.Select(i => i.Show())) + "]";
}

/// <summary>
/// The value of a param whose definition had an error (already reported). Evaluating a reference to
/// it fails silently, so one bad param gives one diagnostic, not one per use.
/// </summary>
internal sealed record ErrorValue(TextSpan Span) : Value(Span)
{
    public override string TypeName => "an erroneous value";
    public override string Show() => "?";
}

/// <summary>A call kept as data, e.g. the initialiser <c>normal(std: 0.02)</c>.</summary>
internal sealed record CallValue(string Name, IReadOnlyList<(string? Keyword, Value Value)> Args, TextSpan Span) : Value(Span)
{
    public override string TypeName => $"'{Name}(...)'";
    public override string Show() =>
        Name + "(" + string.Join(", ", Args.Select(a => (a.Keyword is null ? "" : a.Keyword + ": ") + a.Value.Show())) + ")";
}

/// <summary><c>decay: 0.9999</c> inside a list (ema's settings): a keyword and its value.</summary>
internal sealed record KeywordValue(string Keyword, Value Value, TextSpan Span) : Value(Span)
{
    public override string TypeName => $"the setting '{Keyword}: ...'";
    public override string Show() => $"{Keyword}: {Value.Show()}";
}
