using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>Initialisers, each named by its formula.</summary>
public static class Inits
{
    public static readonly IReadOnlyList<string> Names =
        ["default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "normal", "zeros"];

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
                    _ => null,
                };
                if (kind is null) { diagnostics.ReportUnknownName(source, s.Span, "initialiser", s.Name, Names); return null; }
                return new InitIr(kind.Value);
            case CallValue { Name: "normal" } c:
            {
                double mean = 0, std = 0.02;
                double? gain = null;
                foreach (var (k, a) in c.Args)
                {
                    var key = k ?? (c.Args.Count == 1 ? "std" : null);
                    if (key is not ("mean" or "std")) { diagnostics.ReportUnknownKeyword(source, a.Span, "normal", key ?? "(positional)", ["mean", "std"]); return null; }
                    if (key == "std" && a is CallValue { Name: "sqrt_fan_in" } f) { gain = ((NumberValue)f.Args[0].Value).Number; continue; }
                    if (a is not NumberValue n) { diagnostics.ReportWrongType(source, a.Span, $"normal: '{key}'", "a number or sqrt(k / fan_in)", a.TypeName); return null; }
                    if (key == "mean") mean = n.Number; else std = n.Number;
                }
                return gain is double g ? new InitIr(InitKind.NormalFanIn, Mean: mean, Gain: g) : new InitIr(InitKind.Normal, mean, std);
            }
            case CallValue c:
                diagnostics.ReportUnknownName(source, c.Span, "initialiser", c.Name, Names);
                return null;
            default:
                diagnostics.ReportWrongType(source, v.Span, "an initialiser", "a name such as xavier_uniform or normal(std: 0.02)", v.TypeName);
                return null;
        }
    }
}
