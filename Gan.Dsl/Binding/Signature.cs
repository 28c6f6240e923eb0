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

/// <summary>The bound arguments of one call: every parameter has a value (given or default) unless it was optional and absent.</summary>
internal sealed class BoundArgs(string callee, TextSpan callSpan, Dictionary<string, Value> values, Dictionary<string, TextSpan> spans)
{
    public string Callee => callee;
    public bool Has(string name) => values.ContainsKey(name);
    public Value? Get(string name) => values.GetValueOrDefault(name);
    public TextSpan SpanOf(string name) => spans.TryGetValue(name, out var s) ? s : callSpan;
    public bool Given(string name) => spans.ContainsKey(name);
    public double Num(string name) => values[name] is NumberValue n ? n.Number : 0;
    public int Int(string name) => (int)Math.Round(Num(name));
    public bool Bool(string name) => values[name] is BoolValue b && b.Bool;
    public string Str(string name) => values[name] switch { StringValue s => s.Text, SymbolValue y => y.Name, var v => v.Show() };

    /// <summary>A symbol argument that must be one of <paramref name="choices"/>: GAN0203 with a suggestion, and null, otherwise.</summary>
    public string? Choice(SourceText source, DiagnosticBag diagnostics, string name, params string[] choices)
    {
        var value = Str(name);
        if (choices.Contains(value)) return value;
        diagnostics.ReportBadChoice(source, SpanOf(name), $"{callee}: '{name}'", choices, value);
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

    /// <summary>
    /// Binds evaluated arguments; reports unknown, duplicate, missing, mistyped and must-be-named arguments. Null on error.
    /// </summary>
    public BoundArgs? Bind(SourceText source, DiagnosticBag diagnostics, TextSpan callSpan,
                           IReadOnlyList<Argument> args)
    {
        var values = new Dictionary<string, Value>();
        var spans = new Dictionary<string, TextSpan>();
        bool ok = true;
        int positional = 0;
        var positionals = Params.Where(p => p.Positional).ToList();
        foreach (var (keyword, value, span) in args)
        {
            Param? p;
            if (keyword is null)
            {
                if (positional >= positionals.Count)
                {
                    // Too many positional values: say which named parameter it would have been, if that is the trap.
                    var next = Params.Where(q => !q.Positional && !values.ContainsKey(q.Name)).FirstOrDefault();
                    if (next?.NamedWhy is not null) diagnostics.ReportMustBeNamed(source, span, Name, next.Name, next.NamedWhy);
                    else diagnostics.ReportArity(source, span, Name,
                        Params.Count == 0 ? $"takes no arguments; write {Name} alone"
                        : positionals.Count == 0 ? "takes no positional arguments; name them (e.g. name: value)"
                        : $"takes at most {positionals.Count} positional argument(s) "
                          + $"({string.Join(", ", positionals.Select(q => q.Name))}); name the others");
                    ok = false;
                    continue;
                }
                p = positionals[positional++];
            }
            else
            {
                p = Params.FirstOrDefault(q => q.Name == keyword);
                if (p is null)
                {
                    diagnostics.ReportUnknownKeyword(source, span, Name, keyword, Params.Select(q => q.Name));
                    ok = false;
                    continue;
                }
            }
            if (values.ContainsKey(p.Name))
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
            values[p.Name] = value;
            spans[p.Name] = span;
        }
        foreach (var p in Params)
        {
            if (values.ContainsKey(p.Name)) continue;
            if (p.Default is not null) values[p.Name] = p.Default with { Span = callSpan };
            else if (ok && (p.Positional || p.Required))
            {
                diagnostics.ReportArity(source, callSpan, Name, $"missing argument '{p.Name}' ({Describe(p.Type)})");
                ok = false;
            }
        }
        return ok ? new BoundArgs(Name, callSpan, values, spans) : null;
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
