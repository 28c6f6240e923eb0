using Gan.Dsl.Ir;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;

namespace Gan.Dsl.Binding;

/// <summary>The schedule's <c>augment: [D, policy, ...]</c> shorthand, bound (lowering applies it).</summary>
internal sealed partial class Binder
{
    /// <summary>
    /// Reads <c>augment: [D, color, translation, cutout]</c>: a network with an image input (C×H×W), then one or more
    /// policies. Null when absent or wrong (reported).
    /// </summary>
    ScheduleAugmentIr? BindScheduleAugment(SettingsSyntax s, IReadOnlyList<BoundNetwork> networks)
    {
        if (s.Settings.FirstOrDefault(x => x.Key.Text == "augment") is not { } setting) return null;
        const string Example = "[D, policy, ...], e.g. [D, color, translation, cutout]";
        if (eval.Evaluate(setting.Value, parameters) is not ListValue { Items: [var first, _, ..] } list)
        {
            d.ReportWrongType(source, setting.Value.Span, "schedule: 'augment'", Example, source[setting.Value.Span]);
            return null;
        }
        if (first is not SymbolValue net || networks.FirstOrDefault(n => n.Name == net.Name) is not { } bound)
        {
            if (first is SymbolValue unknown)
                NotA("network", "network", unknown.Name, unknown.Span, "schedule: 'augment'", networks.Select(n => n.Name));
            else d.ReportWrongType(source, first.Span, "schedule: 'augment'", "a network first: " + Example, first.Show());
            return null;
        }
        if (!bound.Failed && !bound.Inputs.Any(i => i.Ir is { Kind: InputKind.Tensor, Shape.Length: 3 }))
        {
            d.ReportRank(source, first.Span, "schedule: 'augment'",
                         $"a network with an image input (C×H×W) to augment, but {net.Name}'s inputs are "
                         + string.Join(", ", bound.Inputs.Select(i => i.Ir.Kind == InputKind.Label
                                                                     ? $"{i.Ir.Name}: label({i.Ir.Classes})"
                                                                     : $"{i.Ir.Name}: {string.Join("×", i.Ir.Shape)}")));
            return null;
        }
        var policies = AugmentPolicies.Read(list.Items.Skip(1), "schedule: an 'augment' policy", source, d);
        return policies is { } ps ? new ScheduleAugmentIr(net.Name, ps) : null;
    }
}
