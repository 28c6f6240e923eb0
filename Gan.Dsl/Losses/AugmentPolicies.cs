using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Text;

namespace Gan.Dsl.Losses;

/// <summary>
/// The augmentation policies of <c>augment(x, ...)</c> and the schedule's <c>augment: [D, ...]</c>: their names, default
/// ratios and valid ranges, and the one reading of evaluated policy values (a name, or a name with <c>ratio:</c>).
/// </summary>
internal static class AugmentPolicies
{
    /// <summary>Each policy: its kind, default ratio (null: it takes none) and what its ratio must satisfy.</summary>
    sealed record Policy(AugmentKind Kind, double? DefaultRatio, Func<double, bool> Valid, string Range);

    static readonly IReadOnlyDictionary<string, Policy> ByName = new Dictionary<string, Policy>
    {
        ["color"] = new(AugmentKind.Color, null, _ => true, ""),
        ["translation"] = new(AugmentKind.Translation, 0.125, r => r is > 0 and <= 1, "in (0, 1]"),
        ["cutout"] = new(AugmentKind.Cutout, 0.5, r => r is > 0 and <= 1, "in (0, 1]"),
        ["flip"] = new(AugmentKind.Flip, null, _ => true, ""),
        // Reflect padding needs a pad smaller than the side: ⌊ratio·H⌋ < H.
        ["translation_reflect"] = new(AugmentKind.TranslationReflect, 0.125, r => r is > 0 and < 1, "in (0, 1)"),
    };

    /// <summary>The policy names, in the order the manual lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByName.Keys];

    /// <summary>
    /// Reads evaluated policies (<c>color</c>, <c>translation(ratio: 0.25)</c>, ...), reporting each bad one: an unknown
    /// name (GAN0203 with a suggestion), a keyword other than ratio (GAN0205), a ratio out of range (GAN0213). Null on error.
    /// </summary>
    public static ImmutableArray<AugmentPolicyIr>? Read(IEnumerable<Value> items, string what, SourceText source, DiagnosticBag d)
    {
        var policies = ImmutableArray.CreateBuilder<AugmentPolicyIr>();
        foreach (var item in items)
        {
            var (name, args) = item switch
            {
                SymbolValue s => (s.Name, (IReadOnlyList<(string? Keyword, Value Value)>)[]),
                CallValue c => (c.Name, c.Args),
                _ => ((string?)null, []),
            };
            if (name is null || !ByName.TryGetValue(name, out var p))
            {
                d.ReportBadChoice(source, item.Span, what, Names, name ?? item.Show());
                return null;
            }
            double ratio = p.DefaultRatio ?? 0;
            bool given = false;
            foreach (var (keyword, value) in args)
            {
                if (p.DefaultRatio is null || keyword != "ratio")
                {
                    d.ReportUnknownKeyword(source, value.Span, name, keyword ?? "(positional)", p.DefaultRatio is null ? [] : ["ratio"]);
                    return null;
                }
                if (value is not NumberValue n)
                {
                    d.ReportWrongType(source, value.Span, $"{name}: 'ratio'", "a number", value.TypeName);
                    return null;
                }
                if (!p.Valid(n.Number))
                {
                    d.ReportOutOfRange(source, value.Span, $"{name}: 'ratio'", $"must be {p.Range}, got {n.Number}");
                    return null;
                }
                if (given) { d.ReportArgumentTwice(source, value.Span, name, "ratio"); return null; }
                (ratio, given) = (n.Number, true);
            }
            policies.Add(new AugmentPolicyIr(p.Kind, ratio));
        }
        return policies.ToImmutable();
    }
}
