using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

internal enum ArgType { Int, Float, Bool, String, Symbol, List, Any }

/// <summary>An evaluated call argument: its keyword (null when positional), value and span.</summary>
internal readonly record struct Argument(string? Keyword, Value Value, TextSpan Span);

/// <summary>One parameter of a callee. Positional parameters come first; the rest must be named.</summary>
internal sealed record Param(string Name, ArgType Type, Value? Default = null, bool Positional = false, string? NamedWhy = null,
                             bool Required = false);

/// <summary>
/// The bound arguments of one call: every parameter has a value (given or default) unless it was optional and absent.
/// Held in arrays by parameter position (a network of 400,000 layers holds 400,000 of these): a default is read from
/// the signature, with the call's span, when asked for.
/// </summary>
internal sealed class BoundArgs(Signature signature, TextSpan callSpan, Value?[] given, TextSpan[] spans)
{
    public string Callee => signature.Name;

    Value? Raw(string name) => signature.IndexOf(name) is var i and >= 0 ? given[i] ?? signature.Params[i].Default : null;
    public bool Has(string name) => Raw(name) is not null;
    public Value? Get(string name)
    {
        int i = signature.IndexOf(name);
        if (i < 0) return null;
        return given[i] ?? (signature.Params[i].Default is { } d ? d with { Span = callSpan } : null);
    }
    public TextSpan SpanOf(string name) => signature.IndexOf(name) is var i and >= 0 && given[i] is not null ? spans[i] : callSpan;
    public bool Given(string name) => signature.IndexOf(name) is var i and >= 0 && given[i] is not null;
    public double Num(string name) => Value(name) is NumberValue n ? n.Number : 0;
    public int Int(string name) => (int)Math.Round(Num(name));
    public bool Bool(string name) => Value(name) is BoolValue b && b.Bool;
    public string Str(string name) => Value(name) switch { StringValue s => s.Text, SymbolValue y => y.Name, var v => v.Show() };

    /// <summary>The value of a parameter that has one (given or default); throws like a dictionary otherwise.</summary>
    Value Value(string name) => Raw(name) ?? throw new KeyNotFoundException(name);

    /// <summary>A symbol argument that must be one of <paramref name="choices"/>: GAN0203 with a suggestion, and null, otherwise.</summary>
    public string? Choice(SourceText source, DiagnosticBag diagnostics, string name, params string[] choices)
    {
        var value = Str(name);
        if (choices.Contains(value)) return value;
        diagnostics.ReportBadChoice(source, SpanOf(name), $"{Callee}: '{name}'", choices, value);
        return null;
    }
}

/// <summary>A callee's parameter list, and the binding of call arguments against it.</summary>
internal sealed record Signature(string Name, IReadOnlyList<Param> Params)
{
    public static Value Int(int v) => new NumberValue(v, default);
    public static Value Num(double v) => new NumberValue(v, default);
    public static Value Bool(bool v) => new BoolValue(v, default);
    public static Value Sym(string v) => new SymbolValue(v, default);

    // Worked out once per signature, not per call: a parameter's slot (the first parameter of its name, so that a name
    // given twice is caught even when a block declares it twice), the positional parameters, and a name index for long lists.
    int[]? slots;
    Param[]? positionals;
    Dictionary<string, int>? index;

    int[] Slots => slots ??= [.. Params.Select(p => IndexOf(p.Name))];
    Param[] Positionals => positionals ??= [.. Params.Where(p => p.Positional)];

    /// <summary>The slot of the first parameter named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        if (Params.Count > 8)
        {
            index ??= Params.Select((p, i) => (p.Name, i)).DistinctBy(x => x.Name).ToDictionary(x => x.Name, x => x.i);
            return index.TryGetValue(name, out var at) ? at : -1;
        }
        for (int i = 0; i < Params.Count; i++) if (Params[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// Binds evaluated arguments; reports unknown, duplicate, missing, mistyped and must-be-named arguments. Null on error.
    /// </summary>
    public BoundArgs? Bind(SourceText source, DiagnosticBag diagnostics, TextSpan callSpan,
                           IReadOnlyList<Argument> args)
    {
        var values = new Value?[Params.Count];
        var spans = new TextSpan[Params.Count];
        bool ok = true;
        int positional = 0;
        var positionals = Positionals;
        var slots = Slots;
        foreach (var (keyword, value, span) in args)
        {
            Param? p;
            int slot;
            if (keyword is null)
            {
                if (positional >= positionals.Length)
                {
                    // Too many positional values: say which named parameter it would have been, if that is the trap.
                    var next = Params.Where((q, i) => !q.Positional && values[slots[i]] is null).FirstOrDefault();
                    if (next?.NamedWhy is not null) diagnostics.ReportMustBeNamed(source, span, Name, next.Name, next.NamedWhy);
                    else diagnostics.ReportArity(source, span, Name,
                        Params.Count == 0 ? $"takes no arguments; write {Name} alone"
                        : positionals.Length == 0 ? "takes no positional arguments; name them (e.g. name: value)"
                        : $"takes at most {positionals.Length} positional argument(s) "
                          + $"({string.Join(", ", positionals.Select(q => q.Name))}); name the others");
                    ok = false;
                    continue;
                }
                p = positionals[positional++];
                slot = IndexOf(p.Name);
            }
            else
            {
                slot = IndexOf(keyword);
                if (slot < 0)
                {
                    diagnostics.ReportUnknownKeyword(source, span, Name, keyword, Params.Select(q => q.Name));
                    ok = false;
                    continue;
                }
                p = Params[slot];
            }
            if (values[slot] is not null)
            {
                diagnostics.ReportArgumentTwice(source, span, Name, p.Name);
                ok = false;
                continue;
            }
            if (!TypeOk(p.Type, value))
            {
                diagnostics.ReportWrongType(source, value.Span, $"{Name}: '{p.Name}'", Describe(p.Type),
                                            value.TypeName + (value is NumberValue or BoolValue ? $" {value.Show()}" : ""));
                ok = false;
                continue;
            }
            values[slot] = value;
            spans[slot] = span;
        }
        for (int i = 0; i < Params.Count; i++)
        {
            var p = Params[i];
            if (slots[i] != i || values[i] is not null) continue;
            // A default is not stored: BoundArgs reads it from here (a parameter declared twice keeps its first default).
            if (p.Default is null && ok && (p.Positional || p.Required))
            {
                diagnostics.ReportArity(source, callSpan, Name, $"missing argument '{p.Name}' ({Describe(p.Type)})");
                ok = false;
            }
        }
        return ok ? new BoundArgs(this, callSpan, values, spans) : null;
    }

    static bool TypeOk(ArgType t, Value v) => t switch
    {
        ArgType.Int => v is NumberValue n && n.IsInteger,
        ArgType.Float => v is NumberValue,
        ArgType.Bool => v is BoolValue,
        ArgType.String => v is StringValue,
        ArgType.Symbol => v is SymbolValue or StringValue,
        ArgType.List => v is ListValue,
        _ => true,
    };

    public static string Describe(ArgType t) => t switch
    {
        ArgType.Int => "an integer",
        ArgType.Float => "a number",
        ArgType.Bool => "true or false",
        ArgType.String => "a quoted string",
        ArgType.Symbol => "a name",
        ArgType.List => "a list [...]",
        _ => "a value",
    };
}
