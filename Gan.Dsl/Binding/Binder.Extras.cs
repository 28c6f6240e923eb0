using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Binding;

/// <summary>
/// The binder's training constructs of modern GANs: <c>lr_decay:</c> on optimisers, optimiser aliases that share a state
/// (lazy regularisation), <c>every N</c> in the step order, and <c>ema:</c> in the schedule with its sampled copy.
/// </summary>
internal sealed partial class Binder
{
    static readonly Signature LinearDecay = new("linear", [new("to", ArgType.Float, Num(0)), new("start", ArgType.Int, Int(0)),
                                                          new("end", ArgType.Int)]);

    static readonly Signature EmaSettings = new("ema", [new("decay", ArgType.Float), new("start", ArgType.Int, Int(0)),
                                                       new("half_life", ArgType.Float), new("rampup", ArgType.Float)]);

    /// <summary>An alias names an optimiser, not a kind: <c>optimizer opt_dreg = opt_d minimize r1_reg</c>.</summary>
    static bool IsAlias(OptimizerSyntax o) => !o.Kind.HasParens && !Sources.Optimizers.ContainsKey(o.Kind.Name.Text);

    /// <summary>
    /// <c>lr_decay: linear(to: 0, start: 0, end: N)</c>; null after reporting an error. <c>end</c> defaults to the run's
    /// total iterations (resolved when it trains).
    /// </summary>
    LrDecayIr? BindLrDecay(Value v, string optimizer)
    {
        if (v is not CallValue { Name: "linear" } call)
        {
            d.ReportWrongType(source, v.Span, $"{optimizer}: 'lr_decay'", "linear(to: 0, start: 0, end: N)", v.Show());
            return null;
        }
        var a = LinearDecay.Bind(source, d, call.Span, [.. call.Args.Select(x => new Argument(x.Keyword, x.Value, x.Value.Span))]);
        if (a is null) return null;
        if (a.Num("to") < 0)
        {
            d.ReportOutOfRange(source, a.SpanOf("to"), "lr_decay: 'to'", $"must not be negative, got {a.Num("to")}");
            return null;
        }
        if (a.Int("start") < 0)
        {
            d.ReportOutOfRange(source, a.SpanOf("start"), "lr_decay: 'start'", $"must not be negative, got {a.Int("start")}");
            return null;
        }
        if (a.Has("end") && a.Int("end") <= a.Int("start"))
        {
            d.ReportOutOfRange(source, a.SpanOf("end"), "lr_decay: 'end'",
                               $"must be after start ({a.Int("start")}), got {a.Int("end")}; the decay runs over iterations start..end");
            return null;
        }
        return new LrDecayIr(a.Num("to"), a.Int("start"), a.Has("end") ? a.Int("end") : null);
    }

    /// <summary>
    /// <c>optimizer opt_dreg = opt_d minimize r1_reg</c>: the same networks and hyper-parameters, and the same state object,
    /// minimising another loss. The aliased optimiser must have its own state (not be an alias itself).
    /// </summary>
    OptimizerIr? BindAlias(OptimizerSyntax o, IReadOnlyList<BoundOptimizer> bound, IReadOnlySet<string> lossNames,
                           IReadOnlySet<string> boundLosses, IReadOnlyList<OptimizerSyntax> all)
    {
        var target = o.Kind.Name;
        if (!lossNames.Contains(o.Loss.Text)) { d.ReportUnknownName(source, o.Loss.Span, "loss", o.Loss.Text, lossNames); return null; }
        if (bound.FirstOrDefault(b => b.Name == target.Text) is not { } shared)
        {
            var other = all.FirstOrDefault(x => x.Name.Text == target.Text);
            if (other is not null && IsAlias(other))
                d.ReportWrongType(source, target.Span, $"optimiser {o.Name.Text}: the optimiser it shares",
                                  "an optimiser with its own state, e.g. opt_d", $"the alias '{target.Text}'");
            else if (other is null)
                d.ReportUnknownName(source, target.Span, "optimiser kind or optimiser", target.Text,
                                    Sources.Optimizers.Keys.Concat(all.Where(x => !IsAlias(x)).Select(x => x.Name.Text)));
            return null;   // else: that optimiser had an error, reported already
        }
        if (!boundLosses.Contains(o.Loss.Text)) return null;
        return shared.Ir with { Name = o.Name.Text, Loss = o.Loss.Text, SharesStateOf = shared.Name };
    }

    /// <summary><c>every N</c> in the step order: a whole N ≥ 1 (null after reporting).</summary>
    int? EveryCount(EveryItemSyntax e)
    {
        var v = eval.Evaluate(e.Count, parameters);
        if (v is null) return null;
        if (v is NumberValue { IsInteger: true, Number: >= 1 } n) return (int)n.Number;
        d.ReportOutOfRange(source, e.Count.Span, "schedule: 'every' in an 'order' entry",
                           $"must be a whole number of iterations ≥ 1, got {v.Show()}; "
                           + "'opt every N' runs the entry on iterations 0, N, 2N, ...");
        return null;
    }

    /// <summary>
    /// <c>ema: [G, decay: 0.9999, start: 1000]</c> or <c>ema: [G, half_life: 500000, rampup: 0.05]</c>: the network must be
    /// trained by an optimiser; exactly one of decay (in [0, 1)) and half_life (positive, in images).
    /// </summary>
    ImmutableArray<EmaIr>? BindEmas(BoundArgs a, IReadOnlyList<BoundOptimizer> optimizers, IReadOnlySet<string> networks)
    {
        if (a.Get("ema") is not ListValue l) return [];
        var rest = l.Items.Skip(1).ToList();
        if (l.Items is not [SymbolValue net, ..] || rest.Any(x => x is not KeywordValue))
        {
            d.ReportWrongType(source, l.Span, "schedule: 'ema'",
                              "[network, decay: β, start: N] or [network, half_life: images, rampup: r]", l.Show());
            return null;
        }
        if (!networks.Contains(net.Name))
        {
            NotA("network", "network", net.Name, net.Span, "schedule: 'ema'", networks);
            return null;
        }
        var s = EmaSettings.Bind(source, d, l.Span, [.. rest.Cast<KeywordValue>().Select(k => new Argument(k.Keyword, k.Value, k.Span))]);
        if (s is null) return null;
        if (optimizers.All(o => !o.Ir.Networks.Contains(net.Name)))
        {
            d.ReportEma(source, net.Span, $"no optimiser trains {net.Name}, so its average would never move; "
                                          + $"average a trained network (the generator)");
            return null;
        }
        if (s.Has("decay") == s.Has("half_life"))
        {
            d.ReportEma(source, l.Span, s.Has("decay")
                ? "give decay (BigGAN: β after start) or half_life (StyleGAN2: in images), not both"
                : "say how fast it averages: decay: 0.9999 (with start: N) or half_life: 500000 (with rampup: r)");
            return null;
        }
        if (s.Has("decay") && s.Num("decay") is var decay and (< 0 or >= 1))
        {
            d.ReportOutOfRange(source, s.SpanOf("decay"), "ema: 'decay'", $"must be in [0, 1), got {decay}");
            return null;
        }
        foreach (var (key, ok, rule) in new[] { ("start", s.Int("start") >= 0, "must not be negative"),
                                                 ("half_life", !s.Has("half_life") || s.Num("half_life") > 0, "must be positive"),
                                                 ("rampup", !s.Has("rampup") || s.Num("rampup") > 0, "must be positive") })
            if (!ok)
            {
                d.ReportOutOfRange(source, s.SpanOf(key), $"ema: '{key}'", $"{rule}, got {s.Get(key)!.Show()}");
                return null;
            }
        if (s.Has("half_life") ? s.Given("start") : s.Has("rampup"))
        {
            var stray = s.Has("half_life") ? "start" : "rampup";
            d.ReportEma(source, s.SpanOf(stray), s.Has("half_life")
                ? "start goes with decay (BigGAN); with half_life the average ramps up through rampup: r"
                : "rampup goes with half_life (StyleGAN2); with decay the average starts at start: N");
            return null;
        }
        var name = net.Name + "_ema";
        if (defined.TryGetValue(name, out var clash))
        {
            d.ReportEma(source, net.Span, $"its copy would be named {name}, which is already the {clash.Kind} '{name}'; rename that");
            return null;
        }
        return [new EmaIr(net.Name, s.Has("decay") ? s.Num("decay") : 0, s.Int("start"),
                          s.Has("half_life") ? s.Num("half_life") : null, s.Has("rampup") ? s.Num("rampup") : null)];
    }

    /// <summary>
    /// <c>generator: G_ema</c> samples the EMA copy of G: the name of the trained network it copies, and true; a network name
    /// given explicitly: itself and false (the raw network); the default: itself and null (its EMA copy when there is one).
    /// Null after reporting an error. <paramref name="emas"/> is null when the schedule had an error (reported): a copy's
    /// name is then taken on trust, not reported again.
    /// </summary>
    (string Generator, bool? Ema)? SampledNetwork(BoundArgs a, IReadOnlySet<string> networks, ImmutableArray<EmaIr>? known)
    {
        var gen = a.Str("generator");
        var emas = known ?? [];
        if (networks.Contains(gen)) return (gen, a.Given("generator") ? false : null);
        if (emas.FirstOrDefault(e => e.Name == gen) is { } ema) return (ema.Network, true);
        if (gen.EndsWith("_ema", StringComparison.Ordinal) && networks.Contains(gen[..^4]))
        {
            if (known is null) return (gen[..^4], true);
            d.ReportSampling(source, a.SpanOf("generator"),
                             $"{gen} is the EMA copy of {gen[..^4]}, which the schedule does not keep; "
                             + $"add ema: [{gen[..^4]}, decay: 0.999] "
                             + "to the schedule, or sample " + gen[..^4]);
            return null;
        }
        NotA("network", "network", gen, a.SpanOf("generator"), "sample: 'generator'", networks.Concat(emas.Select(e => e.Name)));
        return null;
    }
}
