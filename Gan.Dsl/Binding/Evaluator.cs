using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// Evaluates constant expressions (arguments, params, settings) in a scope of named values.
/// Unknown bare words become <see cref="SymbolValue"/>s for the consumer to interpret. Returns null
/// after reporting an error.
/// </summary>
internal sealed class Evaluator(SourceText source, DiagnosticBag diagnostics)
{
    /// <summary>Every argument of a call, evaluated (each error reported); null when any had an error.</summary>
    public List<Argument>? Arguments(IReadOnlyList<ArgumentSyntax> arguments, IReadOnlyDictionary<string, Value> scope)
    {
        var list = new List<Argument>();
        bool ok = true;
        foreach (var a in arguments)
        {
            var v = Evaluate(a.Value, scope);
            if (v is null) ok = false; else list.Add(new Argument(a.Keyword?.Text, v, a.Span));
        }
        return ok ? list : null;
    }

    public Value? Evaluate(ExpressionSyntax e, IReadOnlyDictionary<string, Value> scope)
    {
        switch (e)
        {
            case NumberSyntax n: return new NumberValue(n.Value, n.Span);
            case StringSyntax s: return new StringValue(s.Value, s.Span);
            case NameSyntax n:
                if (scope.TryGetValue(n.Name.Text, out var v)) return v is ErrorValue ? null : v with { Span = n.Span };
                return n.Name.Text switch
                {
                    "true" => new BoolValue(true, n.Span),
                    "false" => new BoolValue(false, n.Span),
                    _ => new SymbolValue(n.Name.Text, n.Span),
                };
            case ParenthesizedSyntax p: return Evaluate(p.Inner, scope) is { } inner ? inner with { Span = p.Span } : null;
            case ListSyntax l:
            {
                var items = new List<Value>();
                foreach (var item in l.Items)
                {
                    var iv = Evaluate(item, scope);
                    if (iv is null) return null;
                    items.Add(iv);
                }
                return new ListValue(items, l.Span);
            }
            case UnarySyntax u:
            {
                var operand = Evaluate(u.Operand, scope);
                if (operand is null) return null;
                if (operand is SymbolValue us) { UnknownNumber(us, scope); return null; }
                if (operand is not NumberValue num)
                {
                    diagnostics.ReportWrongType(source, u.Operand.Span, $"the operand of '{u.Operator.Text}'", "a number",
                                                operand.TypeName);
                    return null;
                }
                return new NumberValue(u.Operator.Kind == TokenKind.Minus ? -num.Number : num.Number, u.Span);
            }
            case BinarySyntax b:
            {
                var l = Evaluate(b.Left, scope);
                var r = Evaluate(b.Right, scope);
                if (l is null || r is null) return null;
                if (l is SymbolValue ls) { UnknownNumber(ls, scope); return null; }
                if (r is SymbolValue rs) { UnknownNumber(rs, scope); return null; }
                if (l is not NumberValue ln)
                {
                    diagnostics.ReportWrongType(source, b.Left.Span, $"the left side of '{b.Operator.Text}'", "a number", l.TypeName);
                    return null;
                }
                if (r is not NumberValue rn)
                {
                    diagnostics.ReportWrongType(source, b.Right.Span, $"the right side of '{b.Operator.Text}'", "a number", r.TypeName);
                    return null;
                }
                if (b.Operator.Kind == TokenKind.Slash && rn.Number == 0)
                {
                    diagnostics.ReportOutOfRange(source, b.Right.Span, "a divisor", "is zero");
                    return null;
                }
                double result = b.Operator.Kind switch
                {
                    TokenKind.Plus => ln.Number + rn.Number,
                    TokenKind.Minus => ln.Number - rn.Number,
                    TokenKind.Star => ln.Number * rn.Number,
                    _ => ln.Number / rn.Number,
                };
                return new NumberValue(result, b.Span);
            }
            case CallSyntax c:
            {
                if (c.Name.Text is "sqrt" or "log" or "exp" && c.Arguments.Count == 1 && c.Arguments[0].Keyword is null)
                {
                    var a = Evaluate(c.Arguments[0].Value, scope);
                    if (a is null) return null;
                    if (a is not NumberValue an)
                    {
                        diagnostics.ReportWrongType(source, c.Arguments[0].Value.Span, $"the argument of {c.Name.Text}", "a number",
                                                    a.TypeName);
                        return null;
                    }
                    return new NumberValue(c.Name.Text switch
                    {
                        "sqrt" => Math.Sqrt(an.Number),
                        "log" => Math.Log(an.Number),
                        _ => Math.Exp(an.Number)
                    }, c.Span);
                }
                if (c.Name.Text == "pow" && c.Arguments.Count == 2 && c.Arguments.All(x => x.Keyword is null)) return Pow(c, scope);
                var args = new List<(string?, Value)>();
                foreach (var arg in c.Arguments)
                {
                    // sqrt(k / fan_in) inside an initialiser is kept as a formula, not evaluated.
                    if (arg.Value is CallSyntax { Name.Text: "sqrt" } f && FanInGain(f) is double gain)
                    {
                        args.Add((arg.Keyword?.Text, new CallValue("sqrt_fan_in", [(null, new NumberValue(gain, f.Span))], f.Span)));
                        continue;
                    }
                    var av = Evaluate(arg.Value, scope);
                    if (av is null) return null;
                    args.Add((arg.Keyword?.Text, av));
                }
                return new CallValue(c.Name.Text, args, c.Span);
            }
            case KeywordItemSyntax k:
            {
                var kv = Evaluate(k.Value, scope);
                return kv is null ? null : new KeywordValue(k.Keyword.Text, kv, k.Span);
            }
            case EveryItemSyntax ev:
                diagnostics.ReportWrongType(source, ev.Span, "this value", "a constant",
                                            "an 'every N' entry, which belongs only in the schedule's order");
                return null;
            case MemberSyntax m:
                diagnostics.ReportWrongType(source, m.Span, "this value", "a constant", "a network output");
                return null;
            default:
                return null;
        }
    }

    /// <summary><c>pow(a, b)</c> = a^b: both numbers, and a finite result (a negative base needs a whole exponent).</summary>
    NumberValue? Pow(CallSyntax c, IReadOnlyDictionary<string, Value> scope)
    {
        var nums = new double[2];
        for (int i = 0; i < 2; i++)
        {
            var v = Evaluate(c.Arguments[i].Value, scope);
            if (v is null) return null;
            if (v is SymbolValue s) { UnknownNumber(s, scope); return null; }
            if (v is not NumberValue n)
            {
                diagnostics.ReportWrongType(source, c.Arguments[i].Value.Span, $"the {(i == 0 ? "base" : "exponent")} of pow",
                                            "a number", v.TypeName);
                return null;
            }
            nums[i] = n.Number;
        }
        double r = Math.Pow(nums[0], nums[1]);
        if (!double.IsFinite(r))
        {
            diagnostics.ReportOutOfRange(source, c.Span, "pow(a, b)",
                                         $"is {Show(r)} for a = {Show(nums[0])}, b = {Show(nums[1])}; "
                                         + "use a positive base, or a whole exponent with a negative one");
            return null;
        }
        return new NumberValue(r, c.Span);
    }

    static string Show(double x) => x.ToString("G", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A bare word in arithmetic names no number: an unknown or not-yet-defined param.</summary>
    void UnknownNumber(SymbolValue s, IReadOnlyDictionary<string, Value> scope)
    {
        if (s.Name is "fan_in")
            diagnostics.ReportWrongType(source, s.Span, "fan_in",
                                        "used as sqrt(k / fan_in) with a number k, "
                                        + "inside an initialiser such as normal(std: sqrt(2 / fan_in))",
                                        "another expression");
        else
            diagnostics.ReportUnknownName(source, s.Span, "param", s.Name, scope.Where(kv => kv.Value is NumberValue).Select(kv => kv.Key));
    }

    /// <summary>Recognises <c>sqrt(k / fan_in)</c> and returns k.</summary>
    static double? FanInGain(CallSyntax f) =>
        f.Arguments is [{ Keyword: null,
                          Value: BinarySyntax { Operator.Kind: TokenKind.Slash, Left: var left,
                                                Right: NameSyntax { Name.Text: "fan_in" } } }]
            ? left switch
            {
                NumberSyntax k => k.Value,
                UnarySyntax { Operator.Kind: TokenKind.Minus, Operand: NumberSyntax k } => -k.Value,
                _ => null,
            }
            : null;
}
