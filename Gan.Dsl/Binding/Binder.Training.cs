using System.Collections.Immutable;
using System.Globalization;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>The binder's optimisers, schedule and sample block.</summary>
internal sealed partial class Binder
{
    OptimizerIr? BindOptimizer(OptimizerSyntax o, IReadOnlySet<string> networks, IReadOnlySet<string> lossNames,
                               IReadOnlySet<string> boundLosses)
    {
        var c = o.Kind;
        if (!Sources.Optimizers.TryGetValue(c.Name.Text, out var sig))
        {
            d.ReportUnknownName(source, c.Name.Span, "optimiser", c.Name.Text, Sources.Optimizers.Keys);
            return null;
        }
        var args = Args(c);
        if (args is null) return null;
        if (!lossNames.Contains(o.Loss.Text)) { d.ReportUnknownName(source, o.Loss.Span, "loss", o.Loss.Text, lossNames); return null; }
        // Leading bare names are the networks it updates: adam(G, lr: ...) or adam(G, Q, lr: ...).
        var nets = new List<string>();
        while (args.Count > 0 && args[0].Keyword is null && args[0].Value is SymbolValue s)
        {
            if (!networks.Contains(s.Name))
            {
                NotA("network", "network", s.Name, args[0].Span, $"{c.Name.Text}: the networks it updates", networks);
                return null;
            }
            if (nets.Contains(s.Name)) { d.ReportArgumentTwice(source, args[0].Span, c.Name.Text, $"network {s.Name}"); return null; }
            nets.Add(s.Name);
            args.RemoveAt(0);
        }
        if (nets.Count == 0)
        {
            d.ReportArity(source, c.Span, c.Name.Text, "name the network(s) it updates first, e.g. adam(G, lr: 2e-4)");
            return null;
        }
        var a = sig.Bind(source, d, c.Span, args);
        if (a is null) return null;
        if (!boundLosses.Contains(o.Loss.Text)) return null;     // the loss had errors: already reported
        if (a.Num("lr") <= 0)
        {
            d.ReportOutOfRange(source, a.SpanOf("lr"), $"{c.Name.Text}: 'lr'", $"must be positive, got {a.Num("lr")}");
            return null;
        }
        LrDecayIr? decay = null;
        if (a.Given("lr_decay") && (decay = BindLrDecay(a.Get("lr_decay")!, c.Name.Text)) is null) return null;
        return OptimizerOfKind(o, c, a, nets) is { } ir ? ir with { LrDecay = decay } : null;
    }

    OptimizerIr? OptimizerOfKind(OptimizerSyntax o, CallSyntax c, BoundArgs a, List<string> nets)
    {
        switch (c.Name.Text)
        {
            case "adam":
            {
                var betas = Sources.Numbers(a.Get("betas"), 2);
                if (betas is null || betas.Value.Any(b => b is < 0 or >= 1))
                {
                    d.ReportWrongType(source, a.SpanOf("betas"), "adam: 'betas'", "[β1, β2] with each in [0, 1)", a.Get("betas")!.Show());
                    return null;
                }
                return new OptimizerIr(o.Name.Text, OptimizerKind.Adam, [.. nets], o.Loss.Text, a.Num("lr"), betas.Value[0], betas.Value[1],
                                       a.Num("eps"), a.Num("weight_decay"), 0, 0);
            }
            case "rmsprop":
                return new OptimizerIr(o.Name.Text, OptimizerKind.RmsProp, [.. nets], o.Loss.Text, a.Num("lr"), 0, 0, a.Num("eps"),
                                       a.Num("weight_decay"), a.Num("momentum"), a.Num("alpha"));
            default:
                return new OptimizerIr(o.Name.Text, OptimizerKind.Sgd, [.. nets], o.Loss.Text, a.Num("lr"), 0, 0, 0, a.Num("weight_decay"),
                                       a.Num("momentum"), 0);
        }
    }

    BoundArgs? Settings(SettingsSyntax s)
    {
        var sig = Sources.Schedule[s.Keyword.Text];
        var args = new List<Argument>();
        foreach (var setting in s.Settings)
        {
            // order: [opt_d * 5, opt_g] is kept as syntax-level pairs: evaluate names as symbols.
            var v = setting.Key.Text == "order" ? OrderValue(setting.Value) : eval.Evaluate(setting.Value, parameters);
            if (v is null) return null;
            args.Add(new Argument(setting.Key.Text, v, setting.Value.Span));
        }
        return sig.Bind(source, d, s.Keyword.Span, args);
    }

    Value? OrderValue(ExpressionSyntax e)
    {
        if (e is not ListSyntax l)
        {
            d.ReportWrongType(source, e.Span, "schedule: 'order'", "a list of optimisers, e.g. [opt_d * 5, opt_g]", source[e.Span]);
            return null;
        }
        var items = new List<Value>();
        foreach (var written in l.Items)
        {
            // opt_dreg every 16: the entry runs on iterations t ≡ 0 (mod 16).
            var item = written is EveryItemSyntax ev ? ev.Item : written;
            int? every = written is EveryItemSyntax everyItem ? EveryCount(everyItem) : 1;
            if (every is null) return null;
            var everyArg = ("every", (Value)new NumberValue(every.Value, written.Span));
            if (item is NameSyntax n) items.Add(new CallValue(n.Name.Text, [(null, new NumberValue(1, n.Span)), everyArg], n.Span));
            else if (item is BinarySyntax { Operator.Kind: TokenKind.Star, Left: NameSyntax bn } b
                     && eval.Evaluate(b.Right, parameters) is NumberValue { IsInteger: true, Number: >= 1 } times)
                items.Add(new CallValue(bn.Name.Text, [(null, times), everyArg], b.Span));
            else
            {
                d.ReportWrongType(source, item.Span, "schedule: an 'order' entry",
                                  "an optimiser name, or name * count with a whole count ≥ 1", source[item.Span]);
                return null;
            }
        }
        return new ListValue(items, l.Span);
    }

    BoundSchedule? BindSchedule(SettingsSyntax? s, List<BoundOptimizer> optimizers, IReadOnlySet<string> networks)
    {
        if (s is null) { d.ReportMissingItem(source, "schedule", "schedule { batch: 64  epochs: 5  order: [opt_d, opt_g] }"); return null; }
        var a = Settings(s);
        if (a is null) return null;
        var quirks = new HashSet<string>();
        if (a.Get("quirks") is ListValue ql)
            foreach (var q in ql.Items)
            {
                if (q is SymbolValue { Name: "bce_gp" or "bn_gp" } qs) quirks.Add(qs.Name);
                else d.ReportBadChoice(source, q.Span, "schedule: a 'quirks' entry", ["bce_gp", "bn_gp"], q.Show());
            }
        int batch = a.Int("batch");
        if (batch <= 0) { d.ReportSchedule(source, a.SpanOf("batch"), $"batch must be positive, got {batch}"); return null; }
        bool hasEpochs = a.Has("epochs"), hasSteps = a.Has("steps");
        if (hasEpochs == hasSteps)
        {
            d.ReportSchedule(source, s.Keyword.Span,
                             hasEpochs ? "give epochs or steps, not both" : "say how long to train: epochs: N or steps: N");
            return null;
        }
        int epochs = hasEpochs ? a.Int("epochs") : 0, steps = hasSteps ? a.Int("steps") : 0;
        if (epochs < 0 || steps < 0 || epochs + steps == 0)
        {
            d.ReportSchedule(source, a.SpanOf(hasEpochs ? "epochs" : "steps"), "must be positive");
            return null;
        }
        var order = new List<StepIr>();
        foreach (var entry in ((ListValue)a.Get("order")!).Items.Cast<CallValue>())
        {
            if (optimizers.All(o => o.Name != entry.Name))
            {
                NotA("optimizer", "optimiser", entry.Name, entry.Span, "schedule: an 'order' entry", optimizers.Select(o => o.Name));
                return null;
            }
            order.Add(new StepIr(entry.Name, (int)((NumberValue)entry.Args[0].Value).Number,
                                 (int)((NumberValue)entry.Args[1].Value).Number));
        }
        if (order.Count == 0)
        {
            d.ReportSchedule(source, a.SpanOf("order"), "order is empty, so no optimiser would ever step; list them, e.g. [opt_d, opt_g]");
            return null;
        }
        foreach (var o in optimizers.Where(o => order.All(st => st.Optimizer != o.Name)))
            d.ReportNeverStepped(source, a.SpanOf("order"), o.Name);
        var clips = new List<ClipIr>();
        if (a.Get("clip") is ListValue cl)
        {
            // clip: [D, 0.01]
            if (cl.Items is [SymbolValue unknown, NumberValue] && !networks.Contains(unknown.Name))
            {
                NotA("network", "network", unknown.Name, unknown.Span, "schedule: 'clip'", networks);
                return null;
            }
            if (cl.Items is [SymbolValue net, NumberValue { Number: > 0 } c]) clips.Add(new ClipIr(net.Name, c.Number));
            else
            {
                d.ReportWrongType(source, cl.Span, "schedule: 'clip'", "[network, value] with value > 0, e.g. [D, 0.01]", cl.Show());
                return null;
            }
        }
        foreach (var k in new[] { "sample_every", "checkpoint_every", "seed" })
            if (a.Int(k) < 0) { d.ReportSchedule(source, a.SpanOf(k), $"{k} must not be negative"); return null; }
        if (Choice(a, "bn_stats", "all", "own") is not { } bnStats) return null;
        if (Choice(a, "fakes", "per_step", "per_iteration") is not { } fakes) return null;
        var ir = new ScheduleIr(batch, epochs, steps, [.. order], [.. clips], a.Int("sample_every"), a.Int("checkpoint_every"),
                                a.Int("seed"), a.Bool("drop_last"),
                                OwnBatchNormStats: bnStats == "own", FakesPerIteration: fakes == "per_iteration");
        if (BindEmas(a, optimizers, networks) is not { } emas) return null;
        return new BoundSchedule(s, ir with { Emas = emas }, quirks);
    }

    /// <summary>
    /// The sample block (shape checks are the checker's); with none, the checker picks the generator. Its generator is
    /// kept when a later setting is wrong (the IR is then null), so the checker still checks what it makes.
    /// </summary>
    BoundSampling? BindSampling(SettingsSyntax? s, IReadOnlySet<string> networks,
                                  IReadOnlyDictionary<string, LatentIr> latents, ImmutableArray<EmaIr>? emas)
    {
        if (s is null) return new BoundSampling(null, new SamplingIr(SamplingMode.FixedNoise, 8, 8, "G", null, null, 0), null, default);
        var a = Settings(s);
        if (a is null) return null;
        if (Choice(a, "bn", "running", "batch") is not { } bn) return null;
        if (SampledNetwork(a, networks, emas) is not var (gen, ema)) return null;
        var ir = SamplingSettings(s, a, gen, latents);
        var bound = ir is null ? null : ir with { BatchStats = bn == "batch", PreferEma = ema };
        return new BoundSampling(s, bound, gen, a.SpanOf("generator"));
    }

    SamplingIr? SamplingSettings(SettingsSyntax s, BoundArgs a, string gen, IReadOnlyDictionary<string, LatentIr> latents)
    {
        int cols = a.Int("cols");
        if (cols < 1) { d.ReportSampling(source, a.SpanOf("cols"), $"cols must be at least 1, got {cols}"); return null; }
        if (a.Get("grid") is ListValue g)
        {
            var extra = new[] { "class", "sweep", "index", "cols" }.FirstOrDefault(a.Given);
            if (extra is not null)
            {
                d.ReportSampling(source, a.SpanOf(extra),
                                 $"'{extra}' belongs to per-class sampling, but grid: {g.Show()} asks for a plain grid; "
                                 + "give one or the other");
                return null;
            }
            if (g.Items is [NumberValue { IsInteger: true, Number: > 0 } r, NumberValue { IsInteger: true, Number: > 0 } c])
                return new SamplingIr(SamplingMode.FixedNoise, (int)r.Number, (int)c.Number, gen, null, null, 0);
            d.ReportWrongType(source, g.Span, "sample: 'grid'", "[rows, cols]", g.Show());
            return null;
        }
        if (!a.Has("class"))
        {
            d.ReportSampling(source, s.Keyword.Span, "give grid: [rows, cols], or class: <label latent> for one row per class");
            return null;
        }
        var cls = a.Str("class");
        if (!latents.TryGetValue(cls, out var cl) || cl.Kind is not (LatentKind.OneHot or LatentKind.Label))
        {
            d.ReportSampling(source, a.SpanOf("class"), $"'{cls}' is not a one-hot or label latent part");
            return null;
        }
        if (a.Given("index") && !a.Has("sweep"))
        {
            d.ReportSampling(source, a.SpanOf("index"), "'index' chooses the swept code dimension; add sweep: <continuous latent>");
            return null;
        }
        if (a.Has("sweep"))
        {
            var code = a.Str("sweep");
            if (!latents.TryGetValue(code, out var cd) || cd.Kind is not (LatentKind.Normal or LatentKind.Uniform)
                || a.Int("index") >= cd.Dim || a.Int("index") < 0)
            {
                d.ReportSampling(source, a.SpanOf("sweep"),
                                 $"'{code}' with index {a.Int("index")} is not a continuous latent code dimension");
                return null;
            }
            return new SamplingIr(SamplingMode.CodeSweep, cl.Classes, cols, gen, cls, code, a.Int("index"));
        }
        return new SamplingIr(SamplingMode.PerClassRows, cl.Classes, cols, gen, cls, null, 0);
    }
}
