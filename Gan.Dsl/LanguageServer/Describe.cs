using System.Globalization;
using System.Text;
using Gan.Dsl.Binding;
using Gan.Dsl.Checking;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;

namespace Gan.Dsl.LanguageServer;

/// <summary>Markdown for a defined name: what hovers show, from the checked spec where it has one.</summary>
internal static class Describe
{
    public static string Signature(Signature s) =>
        $"{s.Name}({string.Join(", ", s.Params.Select(Param))})";

    public static string Param(Binding.Param p) =>
        p.Positional ? p.Name : p.Default is { } d ? $"{p.Name}: {d.Show()}" : $"{p.Name}: {p.Type.ToString().ToLowerInvariant()}";

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Symbol(Symbol s, CheckedSpec? check, IReadOnlyDictionary<string, string> overrides)
    {
        string Code(Syntax.ItemSyntax item) => $"```gan\n{FirstLines(s.Source[item.Span])}\n```";
        switch (s.Kind)
        {
            case SymbolKind.Network when check?.Networks.GetValueOrDefault(s.Name) is { } net:
                return Network(net);
            case SymbolKind.Loss when check?.Bound.Losses.FirstOrDefault(l => l.Name == s.Name) is { } loss:
                return Loss(loss, check);
            case SymbolKind.Param when check?.Bound.Params.GetValueOrDefault(s.Name) is { } value:
                var how = overrides.ContainsKey(s.Name) ? " (set by the workspace's `gan.set`)" : "";
                return $"**param {s.Name}** = `{value.Show()}`{how}\n\n{Code(s.Item)}";
            case SymbolKind.Latent when check?.Bound.Latents.FirstOrDefault(l => l.Name == s.Name) is { } latent:
                var shape = latent.Ir.Kind == LatentKind.Label ? $"labels of {latent.Ir.Classes} classes"
                          : Shape.Show([latent.Ir.Dim]);
                return $"**latent {s.Name}**: `{shape}` ({latent.Ir.Kind.ToString().ToLowerInvariant()})\n\n{Code(s.Item)}";
            case SymbolKind.Input when s.Item is NetworkSyntax n && check?.Networks.GetValueOrDefault(n.Name.Text) is { } net
                                     && net.Inputs.FirstOrDefault(i => i.Ir.Name == s.Name) is { } input:
                return $"**input {s.Name}** of network {n.Name.Text}: `{InputShape(input.Ir)}`";
            case SymbolKind.Input:
                return $"**{(s.Item is BlockSyntax ? "block parameter" : "input")} {s.Name}**";
            case SymbolKind.Let:
                return $"**let {s.Name}**: the value at this point of {Owner(s.Item)}";
            default:
                return $"**{s.Kind.ToString().ToLowerInvariant()} {s.Name}** ({Path.GetFileName(s.Source.Path)})\n\n{Code(s.Item)}";
        }
    }

    static string Owner(Syntax.ItemSyntax item) => item switch
    {
        NetworkSyntax n => $"network {n.Name.Text}",
        BlockSyntax b => $"block {b.Name.Text}",
        _ => "its item",
    };

    static string FirstLines(string text)
    {
        var lines = text.Split('\n');
        return lines.Length <= 12 ? text : string.Join('\n', lines.Take(12)) + "\n…";
    }

    static string InputShape(InputIr i) => i.Kind == InputKind.Label ? $"label({i.Classes})" : Shape.Show(i.Shape);

    static string Network(CheckedNetwork net)
    {
        var sb = new StringBuilder($"**network {net.Name}**");
        if (net.Failed) return sb.Append(": did not check (see its diagnostics)").ToString();
        sb.Append($": {Count(net.Parameters)} trainable params\n\n");
        sb.Append("inputs: ").Append(string.Join(", ", net.Inputs.Select(i => $"`{i.Ir.Name}: {InputShape(i.Ir)}`"))).Append("  \n");
        sb.Append("outputs: ").Append(string.Join(", ", net.OutputOrder.Select(o => $"`{o}: {Shape.Show(net.OutputShape(o))}`")));
        sb.Append($"  \n{net.Nodes.Length} nodes");
        return sb.ToString();
    }

    static string Loss(BoundLoss loss, CheckedSpec check)
    {
        var source = loss.Syntax.Value;
        var text = check.Bound.Source[source.Span];
        var sb = new StringBuilder($"**loss {loss.Name}** = `{text}`");
        var primitives = loss.Expr.PreOrder().OfType<BoundPrimitive>().Select(p => p.Primitive).Distinct().ToList();
        if (primitives.Count > 0)
            sb.Append("\n\n").AppendJoin("  \n", primitives.Select(p => $"`{p.Formula}`"));
        var reads = new List<string>();
        foreach (var e in loss.Expr.PreOrder())
        {
            var shape = e switch
            {
                BoundApply a when check.Networks.GetValueOrDefault(a.Network) is { Failed: false } n
                                  && n.Outputs.ContainsKey(n.OutputOf(a.Output)) => Shape.Show(n.OutputShape(n.OutputOf(a.Output))),
                BoundReal r => Shape.Show(r.Shape),
                BoundLatentRef l => l.Latent.Kind == LatentKind.Label ? $"label({l.Latent.Classes})" : Shape.Show([l.Latent.Dim]),
                BoundLabels l => $"label({l.Classes})",
                BoundLossRef r => $"loss {r.Name}",
                _ => null,
            };
            if (shape is not null) reads.Add($"`{check.Bound.Source[e.Span]}`: {shape}");
        }
        if (reads.Count > 0) sb.Append("\n\nreads: ").AppendJoin(", ", reads.Distinct());
        return sb.ToString();
    }
}
