using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>Initialisers, each named by its formula.</summary>
internal static class Inits
{
    public static readonly IReadOnlyList<string> Names =
        ["default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "normal", "zeros", "orthogonal"];

    /// <summary>The initialisers that take a gain: xavier_uniform(gain: sqrt(2)), orthogonal(gain: 1), …</summary>
    static readonly Dictionary<string, InitKind> Gained = new()
    {
        ["xavier_uniform"] = InitKind.XavierUniform, ["xavier_normal"] = InitKind.XavierNormal, ["orthogonal"] = InitKind.Orthogonal,
    };

    /// <summary>xavier_uniform, normal(std: 0.02), normal(mean: 0, std: sqrt(2 / fan_in)), ...; null after reporting.</summary>
    public static InitIr? Bind(Value v, SourceText source, DiagnosticBag diagnostics)
    {
        switch (v)
        {
            case SymbolValue s:
                InitKind? kind = s.Name switch
                {
                    "default" => InitKind.Default,
                    "xavier_uniform" => InitKind.XavierUniform,
                    "xavier_normal" => InitKind.XavierNormal,
                    "kaiming_uniform" => InitKind.KaimingUniform,
                    "kaiming_normal" => InitKind.KaimingNormal,
                    "zeros" => InitKind.Zeros,
                    "orthogonal" => InitKind.Orthogonal,
                    _ => null,
                };
                if (kind is null) { diagnostics.ReportUnknownName(source, s.Span, "initialiser", s.Name, Names); return null; }
                return Gained.ContainsValue(kind.Value) ? new InitIr(kind.Value, Gain: 1) : new InitIr(kind.Value);
            case CallValue c when Gained.TryGetValue(c.Name, out var gainedKind):
                return WithGain(c, gainedKind, source, diagnostics);
            case CallValue { Name: "normal" } c:
            {
                double mean = 0, std = 0.02;
                double? gain = null;
                if (c.Args.Count(a => a.Keyword is null) > 2 || (c.Args.Count(a => a.Keyword is null) == 2 && c.Args.Count > 2))
                {
                    diagnostics.ReportArity(source, c.Span, "normal", "takes normal(std), normal(mean, std) or keywords mean: and std:");
                    return null;
                }
                int position = 0;
                foreach (var (k, a) in c.Args)
                {
                    // normal(0.02) is the std; normal(0, 0.02) is N(mean, std), as written in papers.
                    var key = k ?? (c.Args.Count == 1 ? "std" : position++ == 0 ? "mean" : "std");
                    if (key is not ("mean" or "std"))
                    {
                        diagnostics.ReportUnknownKeyword(source, a.Span, "normal", key ?? "(positional)", ["mean", "std"]);
                        return null;
                    }
                    if (key == "std" && a is CallValue { Name: "sqrt_fan_in" } f)
                    {
                        gain = ((NumberValue)f.Args[0].Value).Number;
                        if (gain <= 0)
                        {
                            diagnostics.ReportOutOfRange(source, f.Span, "normal: 'std'", $"sqrt({gain} / fan_in) needs a positive gain");
                            return null;
                        }
                        continue;
                    }
                    if (a is not NumberValue n)
                    {
                        diagnostics.ReportWrongType(source, a.Span, $"normal: '{key}'", "a number or sqrt(k / fan_in)", a.TypeName);
                        return null;
                    }
                    if (key == "std" && n.Number < 0)
                    {
                        diagnostics.ReportOutOfRange(source, a.Span, "normal: 'std'", $"must not be negative, got {n.Show()}");
                        return null;
                    }
                    if (key == "mean") mean = n.Number; else std = n.Number;
                }
                return gain is double g ? new InitIr(InitKind.NormalFanIn, Mean: mean, Gain: g) : new InitIr(InitKind.Normal, mean, std);
            }
            case CallValue c:
                diagnostics.ReportUnknownName(source, c.Span, "initialiser", c.Name, Names);
                return null;
            default:
                diagnostics.ReportWrongType(source, v.Span, "an initialiser", "a name such as xavier_uniform or normal(std: 0.02)",
                                            v.TypeName);
                return null;
        }
    }

    /// <summary>xavier_uniform(gain: g), xavier_uniform(g): one positive, finite number; null after reporting.</summary>
    static InitIr? WithGain(CallValue c, InitKind kind, SourceText source, DiagnosticBag diagnostics)
    {
        if (c.Args.Count != 1)
        {
            diagnostics.ReportArity(source, c.Span, c.Name, $"takes one gain: {c.Name}(gain: g), e.g. {c.Name}(gain: sqrt(2))");
            return null;
        }
        var (key, v) = c.Args[0];
        if (key is not (null or "gain"))
        {
            diagnostics.ReportUnknownKeyword(source, v.Span, c.Name, key, ["gain"]);
            return null;
        }
        if (v is not NumberValue n)
        {
            diagnostics.ReportWrongType(source, v.Span, $"{c.Name}: 'gain'", "a number, e.g. sqrt(2)", v.TypeName);
            return null;
        }
        if (!(n.Number > 0) || !double.IsFinite(n.Number))
        {
            diagnostics.ReportOutOfRange(source, v.Span, $"{c.Name}: 'gain'", $"must be a positive number, got {n.Show()}");
            return null;
        }
        return new InitIr(kind, Gain: n.Number);
    }
}
