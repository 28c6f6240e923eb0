using System.Collections.Immutable;
using System.Globalization;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// Binds a parsed spec: defines every name (params with --set overrides, blocks, latents, networks, losses,
/// optimisers), evaluates arguments and binds them to their signatures, and builds the bound tree. Networks are
/// bound by <see cref="NetworkBinder"/>, losses by <see cref="LossBinder"/>. Nothing here knows a shape.
/// </summary>
internal sealed class Binder
{
    readonly SpecSyntax spec;
    readonly SourceText source;
    readonly DiagnosticBag d;
    readonly Evaluator eval;
    readonly Dictionary<string, Value> parameters = [];
    readonly Dictionary<string, (string Kind, SourceText Source, TextSpan Span)> defined = [];
    readonly HashSet<(string Kind, string Name)> declared = [];     // every definition tried, duplicates included

    public Binder(SpecSyntax spec, DiagnosticBag diagnostics)
    {
        this.spec = spec;
        source = spec.Source;
        d = diagnostics;
        eval = new Evaluator(source, diagnostics);
    }

    /// <summary>
    /// A name that should be of <paramref name="kind"/> but is not one that bound: quiet when it was declared as that kind
    /// (its definition had an error, or clashed with another: reported), GAN0203 when it names something else only, GAN0201
    /// when unknown.
    /// </summary>
    void NotA(string kind, string noun, string name, TextSpan span, string what, IEnumerable<string> candidates)
    {
        if (!defined.TryGetValue(name, out var def)) d.ReportUnknownName(source, span, noun, name, candidates);
        else if (def.Kind != kind && !declared.Contains((kind, name))) d.ReportWrongType(source, span, what, $"a{(noun[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "n" : "")} {noun}", $"the {def.Kind} '{name}'");
    }

    bool Define(string kind, Token name, SourceText? where = null)
    {
        where ??= source;
        declared.Add((kind, name.Text));
        if (defined.TryGetValue(name.Text, out var first))
        {
            d.ReportDuplicate(where, name.Span, kind, name.Text, first.Source, first.Span);
            return false;
        }
        defined[name.Text] = (kind, where, name.Span);
        return true;
    }

    public BoundSpec Bind(IReadOnlyDictionary<string, string> overrides, IReadOnlyList<BlockSyntax> usedBlocks, IReadOnlyList<ParamSyntax> usedParams,
                          ImmutableArray<UsedFileIr> usedFiles)
    {
        var items = spec.Items;
        var header = items.OfType<HeaderSyntax>().FirstOrDefault();
        if (header is null) d.ReportMissingItem(source, "header", "gan my_gan \"what it is\"");
        ReportRepeated(items.OfType<HeaderSyntax>().Select(h => h.Span), "header (gan name \"...\")");
        ReportRepeated(items.OfType<SourceSyntax>().Select(x => x.Span), "source");
        ReportRepeated(items.OfType<SettingsSyntax>().Where(x => x.Keyword.Text == "schedule").Select(x => x.Keyword.Span), "schedule");
        ReportRepeated(items.OfType<SettingsSyntax>().Where(x => x.Keyword.Text == "sample").Select(x => x.Keyword.Span), "sample block");

        // Params, in order; a used file's params come first and the spec may not redefine them.
        foreach (var p in usedParams.Concat(items.OfType<ParamSyntax>())) BindParam(p, overrides);
        var paramNames = usedParams.Concat(items.OfType<ParamSyntax>()).Select(p => p.Name.Text).ToHashSet();
        foreach (var name in overrides.Keys.Where(k => !paramNames.Contains(k)))
            d.ReportUnknownOverride(source, name, paramNames);

        var blocks = new Dictionary<string, BlockSyntax>();
        foreach (var b in usedBlocks.Concat(items.OfType<BlockSyntax>()))
        {
            var where = b.Source ?? source;
            if (LayerRegistry.Kinds.ContainsKey(b.Name.Text)) { d.ReportBlockNamedLikeLayer(where, b.Name.Span, b.Name.Text); continue; }
            CheckBlockParameters(b, where);
            if (Define("block", b.Name, b.Source)) blocks[b.Name.Text] = b;
        }

        var data = BindData(items.OfType<DataSyntax>().ToList());
        var latents = new List<BoundLatent>();
        foreach (var l in items.OfType<LatentSyntax>())
            if (Define("latent part", l.Name) && BindLatent(l, data?.Ir) is { } li) latents.Add(new BoundLatent(l, li));

        var networks = new List<BoundNetwork>();
        foreach (var n in items.OfType<NetworkSyntax>())
            if (Define("network", n.Name)) networks.Add(new NetworkBinder(source, d, blocks).Bind(n, parameters));
        if (!items.OfType<NetworkSyntax>().Any()) d.ReportMissingItem(source, "network", "network G(z: [100]) { linear(784) tanh }");

        // Losses: names first, so losses may refer to each other in any order.
        var lossItems = items.OfType<LossSyntax>().Where(l => Define("loss", l.Name)).ToList();
        var symbols = new LossBinder.Symbols(
            networks.Select(n => n.Name).ToHashSet(), latents.ToDictionary(l => l.Name, l => l.Ir), parameters,
            lossItems.Select(l => l.Name.Text).ToHashSet(), data?.Ir,
            // Names whose definitions failed (latent parts with errors, networks named like something defined before): references
            // to them are not reported again.
            defined.Where(kv => kv.Value.Kind == "latent part" && latents.All(l => l.Name != kv.Key)).Select(kv => kv.Key)
                .Concat(items.OfType<NetworkSyntax>().Select(n => n.Name.Text).Where(n => networks.All(b => b.Name != n)))
                .ToHashSet());
        var lb = new LossBinder(source, d, symbols);
        var losses = lossItems.Select(l => new BoundLoss(l, lb.BindLoss(l.Value))).ToList();
        var boundLosses = losses.Where(l => !l.Failed).Select(l => l.Name).ToHashSet();

        var optimizers = new List<BoundOptimizer>();
        foreach (var o in items.OfType<OptimizerSyntax>())
            if (Define("optimizer", o.Name) && BindOptimizer(o, symbols.Networks, symbols.Losses, boundLosses) is { } oi) optimizers.Add(new BoundOptimizer(o, oi));
        if (!items.OfType<OptimizerSyntax>().Any()) d.ReportMissingItem(source, "optimizer", "optimizer opt_g = adam(G, lr: 2e-4) minimize g_loss");

        var schedule = BindSchedule(items.OfType<SettingsSyntax>().FirstOrDefault(s => s.Keyword.Text == "schedule"), optimizers, symbols.Networks);
        var sampling = BindSampling(items.OfType<SettingsSyntax>().FirstOrDefault(s => s.Keyword.Text == "sample"), symbols.Networks,
                                    latents.ToDictionary(l => l.Name, l => l.Ir));
        return new BoundSpec(spec, header, parameters, data, [.. latents], [.. networks], [.. losses], [.. optimizers], schedule, sampling, usedFiles);
    }

    /// <summary>Items that may appear once: every repeat after the first is a duplicate.</summary>
    void ReportRepeated(IEnumerable<TextSpan> occurrences, string item)
    {
        var list = occurrences.ToList();
        foreach (var span in list.Skip(1)) d.ReportRepeatedItem(source, span, item, list[0]);
    }

    static readonly string[] ParameterTypes = ["int", "float", "bool", "string"];

    /// <summary>A block parameter's type, when written, is one of int, float, bool, string.</summary>
    void CheckBlockParameters(BlockSyntax b, SourceText where)
    {
        foreach (var p in b.Parameters)
        {
            if (p.Type is null) continue;
            if (p.Type is NameSyntax t)
            {
                if (!ParameterTypes.Contains(t.Name.Text)) d.ReportUnknownName(where, t.Span, "type", t.Name.Text, ParameterTypes);
            }
            else d.ReportWrongType(where, p.Type.Span, $"the type of block parameter '{p.Name.Text}'", "int, float, bool or string", where[p.Type.Span]);
        }
    }

    void BindParam(ParamSyntax p, IReadOnlyDictionary<string, string> overrides)
    {
        var where = p.Source ?? source;       // a used file's param reports into that file
        if (!Define("param", p.Name, where)) return;
        // A param with an error still gets a value, an ErrorValue, so that its uses stay quiet.
        parameters[p.Name.Text] = ParamValue(p, where, overrides) ?? new ErrorValue(p.Name.Span);
    }

    Value? ParamValue(ParamSyntax p, SourceText where, IReadOnlyDictionary<string, string> overrides)
    {
        var evaluator = where == source ? eval : new Evaluator(where, d);
        var v = evaluator.Evaluate(p.Value, parameters);
        if (v is null) return null;
        string? declared = p.Type?.Text;
        if (declared is not null and not ("int" or "float" or "bool" or "string"))
        {
            d.ReportUnknownName(where, p.Type!.Span, "type", declared, ParameterTypes);
            return null;
        }
        string actual = v.TypeName;
        string type = declared ?? (actual is "int" or "float" or "bool" or "string" ? actual : "");
        if (type == "") { d.ReportWrongType(where, p.Value.Span, $"param '{p.Name.Text}'", "a number, true/false or a string", v.TypeName); return null; }
        if (!(type == actual || (type == "float" && actual == "int")))
        {
            d.ReportWrongType(where, p.Value.Span, $"param '{p.Name.Text}'", type, $"{actual} {v.Show()}");
            return null;
        }
        if (overrides.TryGetValue(p.Name.Text, out var text))
        {
            Value? o = type switch
            {
                "int" => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? new NumberValue(i, p.Value.Span) : null,
                "float" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? new NumberValue(f, p.Value.Span) : null,
                "bool" => text is "true" or "false" ? new BoolValue(text == "true", p.Value.Span) : null,
                _ => new StringValue(text, p.Value.Span),
            };
            if (o is null) { d.ReportOverrideType(where, p.Name.Span, p.Name.Text, type, text); return null; }
            v = o;
        }
        return v;
    }

    List<Argument>? Args(CallSyntax c)
    {
        var list = new List<Argument>();
        bool ok = true;
        foreach (var a in c.Arguments)
        {
            var v = eval.Evaluate(a.Value, parameters);
            if (v is null) ok = false; else list.Add(new Argument(a.Keyword?.Text, v, a.Span));
        }
        return ok ? list : null;
    }

    /// <summary>Evaluates and binds a call against one of <paramref name="signatures"/> (GAN0201 for an unknown name).</summary>
    BoundArgs? BindCall(CallSyntax c, IReadOnlyDictionary<string, Signature> signatures, string kind)
    {
        if (!signatures.TryGetValue(c.Name.Text, out var sig)) { d.ReportUnknownName(source, c.Name.Span, kind, c.Name.Text, signatures.Keys); return null; }
        var args = Args(c);
        return args is null ? null : sig.Bind(source, d, c.Span, args);
    }

    BoundData? BindData(List<DataSyntax> items)
    {
        if (items.Count == 0) { d.ReportMissingItem(source, "data", "data mnist(split: train, scale: [-1, 1])"); return null; }
        foreach (var extra in items.Skip(1)) d.ReportRepeatedItem(source, extra.Source.Name.Span, "data source", items[0].Source.Name.Span);
        var c = items[0].Source;
        var a = BindCall(c, Sources.Data, "data source");
        return a is not null && DataIr(c.Name.Text, a) is { } ir ? new BoundData(items[0], ir) : null;
    }

    DataIr? DataIr(string name, BoundArgs a)
    {
        (double, double)? Scale()
        {
            var r = Sources.Range(a.Get("scale"));
            if (r is null) d.ReportWrongType(source, a.SpanOf("scale"), $"{name}: 'scale'", "[low, high] with low < high, e.g. [-1, 1]", a.Get("scale")!.Show());
            return r;
        }
        switch (name)
        {
            case "mnist":
            {
                var split = a.Str("split");
                if (split is not ("train" or "test")) { d.ReportBadChoice(source, a.SpanOf("split"), "mnist: 'split'", ["train", "test"], split); return null; }
                var resize = a.Str("resize");
                if (resize is not ("pad" or "resize")) { d.ReportBadChoice(source, a.SpanOf("resize"), "mnist: 'resize'", ["pad", "resize"], resize); return null; }
                int size = a.Int("size");
                if (size < 28 && resize == "pad") { d.ReportOutOfRange(source, a.SpanOf("size"), "mnist: 'size'", $"must be at least 28 to pad, got {size}"); return null; }
                if (size <= 0) { d.ReportOutOfRange(source, a.SpanOf("size"), "mnist: 'size'", $"must be positive, got {size}"); return null; }
                return Scale() is var (lo, hi) ? new MnistDataIr(split, lo, hi, size, resize) : null;
            }
            case "gaussian2d":
            {
                var mean = Sources.Numbers(a.Get("mean"), 2);
                var t = a.Get("transform") as ListValue;
                var rows = t?.Items.Select(r => Sources.Numbers(r, 2)).ToList();
                if (mean is null) { d.ReportWrongType(source, a.SpanOf("mean"), "gaussian2d: 'mean'", "two numbers [b1, b2]", a.Get("mean")!.Show()); return null; }
                if (rows is null || rows.Count != 2 || rows.Any(r => r is null))
                {
                    d.ReportWrongType(source, a.SpanOf("transform"), "gaussian2d: 'transform'", "a 2×2 matrix [[a, b], [c, d]]", a.Get("transform")!.Show());
                    return null;
                }
                if (a.Int("count") <= 0) { d.ReportOutOfRange(source, a.SpanOf("count"), "gaussian2d: 'count'", "must be positive"); return null; }
                return new Gaussian2dDataIr(mean.Value, [.. rows.Select(r => r!.Value)], a.Int("count"));
            }
            default:    // images, emoji
            {
                int size = a.Int("size");
                int channels = name == "emoji" ? 3 : a.Int("channels");
                if (size <= 0) { d.ReportOutOfRange(source, a.SpanOf("size"), $"{name}: 'size'", "must be positive"); return null; }
                if (channels is not (1 or 3)) { d.ReportOutOfRange(source, a.SpanOf("channels"), "images: 'channels'", $"must be 1 or 3, got {channels}"); return null; }
                if (Scale() is not var (lo, hi)) return null;
                return name == "emoji" ? new EmojiDataIr(size, lo, hi) : new ImageFolderDataIr(a.Str("path"), size, channels, lo, hi);
            }
        }
    }

    LatentIr? BindLatent(LatentSyntax l, DataIr? data)
    {
        var c = l.Distribution;
        var a = BindCall(c, Sources.Latents, "distribution");
        if (a is null) return null;
        string name = l.Name.Text;
        switch (c.Name.Text)
        {
            case "normal":
                if (a.Int("dim") <= 0 || a.Num("std") <= 0) { d.ReportOutOfRange(source, c.Span, "normal:", "needs dim > 0 and std > 0"); return null; }
                return new LatentIr(name, LatentKind.Normal, a.Int("dim"), a.Num("mean"), a.Num("std"), 0, false);
            case "uniform":
                if (a.Int("dim") <= 0 || a.Num("low") >= a.Num("high")) { d.ReportOutOfRange(source, c.Span, "uniform:", "needs dim > 0 and low < high"); return null; }
                return new LatentIr(name, LatentKind.Uniform, a.Int("dim"), a.Num("low"), a.Num("high"), 0, false);
            default:
            {
                int k = a.Int("classes");
                if (k < 2) { d.ReportOutOfRange(source, a.SpanOf("classes"), $"{c.Name.Text}: 'classes'", $"must be at least 2, got {k}"); return null; }
                var from = a.Str("from");
                if (from is not ("labels" or "sampled")) { d.ReportBadChoice(source, a.SpanOf("from"), $"{c.Name.Text}: 'from'", ["labels", "sampled"], from); return null; }
                if (from == "labels" && data is not null && data.Classes != k)
                {
                    d.ReportOutOfRange(source, a.SpanOf("from"), $"{c.Name.Text}(from: labels):",
                                       data.Classes == 0 ? "this dataset has no labels; use from: sampled" : $"the dataset has {data.Classes} classes, not {k}");
                    return null;
                }
                var kind = c.Name.Text == "onehot" ? LatentKind.OneHot : LatentKind.Label;
                return new LatentIr(name, kind, kind == LatentKind.OneHot ? k : 1, 0, 0, k, from == "labels");
            }
        }
    }

    OptimizerIr? BindOptimizer(OptimizerSyntax o, IReadOnlySet<string> networks, IReadOnlySet<string> lossNames, IReadOnlySet<string> boundLosses)
    {
        var c = o.Kind;
        if (!Sources.Optimizers.TryGetValue(c.Name.Text, out var sig)) { d.ReportUnknownName(source, c.Name.Span, "optimiser", c.Name.Text, Sources.Optimizers.Keys); return null; }
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
        if (nets.Count == 0) { d.ReportArity(source, c.Span, c.Name.Text, "name the network(s) it updates first, e.g. adam(G, lr: 2e-4)"); return null; }
        var a = sig.Bind(source, d, c.Span, args);
        if (a is null) return null;
        if (!boundLosses.Contains(o.Loss.Text)) return null;     // the loss had errors: already reported
        if (a.Num("lr") <= 0) { d.ReportOutOfRange(source, a.SpanOf("lr"), $"{c.Name.Text}: 'lr'", $"must be positive, got {a.Num("lr")}"); return null; }
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
                return new OptimizerIr(o.Name.Text, OptimizerKind.Adam, [.. nets], o.Loss.Text, a.Num("lr"), betas.Value[0], betas.Value[1], a.Num("eps"),
                                       a.Num("weight_decay"), 0, 0);
            }
            case "rmsprop":
                return new OptimizerIr(o.Name.Text, OptimizerKind.RmsProp, [.. nets], o.Loss.Text, a.Num("lr"), 0, 0, a.Num("eps"), a.Num("weight_decay"),
                                       a.Num("momentum"), a.Num("alpha"));
            default:
                return new OptimizerIr(o.Name.Text, OptimizerKind.Sgd, [.. nets], o.Loss.Text, a.Num("lr"), 0, 0, 0, a.Num("weight_decay"), a.Num("momentum"), 0);
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
        if (e is not ListSyntax l) { d.ReportWrongType(source, e.Span, "schedule: 'order'", "a list of optimisers, e.g. [opt_d * 5, opt_g]", source[e.Span]); return null; }
        var items = new List<Value>();
        foreach (var item in l.Items)
        {
            if (item is NameSyntax n) items.Add(new CallValue(n.Name.Text, [(null, new NumberValue(1, n.Span))], n.Span));
            else if (item is BinarySyntax { Operator.Kind: TokenKind.Star, Left: NameSyntax bn } b
                     && eval.Evaluate(b.Right, parameters) is NumberValue { IsInteger: true, Number: >= 1 } times)
                items.Add(new CallValue(bn.Name.Text, [(null, times)], b.Span));
            else
            {
                d.ReportWrongType(source, item.Span, "schedule: an 'order' entry", "an optimiser name, or name * count with a whole count ≥ 1", source[item.Span]);
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
        if (hasEpochs == hasSteps) { d.ReportSchedule(source, s.Keyword.Span, hasEpochs ? "give epochs or steps, not both" : "say how long to train: epochs: N or steps: N"); return null; }
        int epochs = hasEpochs ? a.Int("epochs") : 0, steps = hasSteps ? a.Int("steps") : 0;
        if (epochs < 0 || steps < 0 || epochs + steps == 0) { d.ReportSchedule(source, a.SpanOf(hasEpochs ? "epochs" : "steps"), "must be positive"); return null; }
        var order = new List<StepIr>();
        foreach (var entry in ((ListValue)a.Get("order")!).Items.Cast<CallValue>())
        {
            if (optimizers.All(o => o.Name != entry.Name))
            {
                NotA("optimizer", "optimiser", entry.Name, entry.Span, "schedule: an 'order' entry", optimizers.Select(o => o.Name));
                return null;
            }
            order.Add(new StepIr(entry.Name, (int)((NumberValue)entry.Args[0].Value).Number));
        }
        if (order.Count == 0) { d.ReportSchedule(source, a.SpanOf("order"), "order is empty, so no optimiser would ever step; list them, e.g. [opt_d, opt_g]"); return null; }
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
            else { d.ReportWrongType(source, cl.Span, "schedule: 'clip'", "[network, value] with value > 0, e.g. [D, 0.01]", cl.Show()); return null; }
        }
        foreach (var k in new[] { "sample_every", "checkpoint_every", "seed" })
            if (a.Int(k) < 0) { d.ReportSchedule(source, a.SpanOf(k), $"{k} must not be negative"); return null; }
        var bnStats = a.Str("bn_stats");
        if (bnStats is not ("all" or "own")) { d.ReportBadChoice(source, a.SpanOf("bn_stats"), "schedule: 'bn_stats'", ["all", "own"], bnStats); return null; }
        var fakes = a.Str("fakes");
        if (fakes is not ("per_step" or "per_iteration")) { d.ReportBadChoice(source, a.SpanOf("fakes"), "schedule: 'fakes'", ["per_step", "per_iteration"], fakes); return null; }
        var ir = new ScheduleIr(batch, epochs, steps, [.. order], [.. clips], a.Int("sample_every"), a.Int("checkpoint_every"), a.Int("seed"), a.Bool("drop_last"),
                                OwnBatchNormStats: bnStats == "own", FakesPerIteration: fakes == "per_iteration");
        return new BoundSchedule(s, ir, quirks);
    }

    /// <summary>
    /// The sample block (shape checks are the checker's); with none, the checker picks the generator. Its generator is
    /// kept when a later setting is wrong (the IR is then null), so the checker still checks what it makes.
    /// </summary>
    BoundSampling? BindSampling(SettingsSyntax? s, IReadOnlySet<string> networks, Dictionary<string, LatentIr> latents)
    {
        if (s is null) return new BoundSampling(null, new SamplingIr(SamplingMode.FixedNoise, 8, 8, "G", null, null, 0), null, default);
        var a = Settings(s);
        if (a is null) return null;
        var bn = a.Str("bn");
        if (bn is not ("running" or "batch")) { d.ReportBadChoice(source, a.SpanOf("bn"), "sample: 'bn'", ["running", "batch"], bn); return null; }
        var gen = a.Str("generator");
        if (!networks.Contains(gen))
        {
            NotA("network", "network", gen, a.SpanOf("generator"), "sample: 'generator'", networks);
            return null;
        }
        var ir = SamplingSettings(s, a, gen, latents);
        return new BoundSampling(s, ir is null ? null : ir with { BatchStats = bn == "batch" }, gen, a.SpanOf("generator"));
    }

    SamplingIr? SamplingSettings(SettingsSyntax s, BoundArgs a, string gen, Dictionary<string, LatentIr> latents)
    {
        int cols = a.Int("cols");
        if (cols < 1) { d.ReportSampling(source, a.SpanOf("cols"), $"cols must be at least 1, got {cols}"); return null; }
        if (a.Get("grid") is ListValue g)
        {
            var extra = new[] { "class", "sweep", "index", "cols" }.FirstOrDefault(a.Given);
            if (extra is not null)
            {
                d.ReportSampling(source, a.SpanOf(extra), $"'{extra}' belongs to per-class sampling, but grid: {g.Show()} asks for a plain grid; give one or the other");
                return null;
            }
            if (g.Items is [NumberValue { IsInteger: true, Number: > 0 } r, NumberValue { IsInteger: true, Number: > 0 } c])
                return new SamplingIr(SamplingMode.FixedNoise, (int)r.Number, (int)c.Number, gen, null, null, 0);
            d.ReportWrongType(source, g.Span, "sample: 'grid'", "[rows, cols]", g.Show());
            return null;
        }
        if (!a.Has("class")) { d.ReportSampling(source, s.Keyword.Span, "give grid: [rows, cols], or class: <label latent> for one row per class"); return null; }
        var cls = a.Str("class");
        if (!latents.TryGetValue(cls, out var cl) || cl.Kind is not (LatentKind.OneHot or LatentKind.Label))
        {
            d.ReportSampling(source, a.SpanOf("class"), $"'{cls}' is not a one-hot or label latent part");
            return null;
        }
        if (a.Given("index") && !a.Has("sweep")) { d.ReportSampling(source, a.SpanOf("index"), "'index' chooses the swept code dimension; add sweep: <continuous latent>"); return null; }
        if (a.Has("sweep"))
        {
            var code = a.Str("sweep");
            if (!latents.TryGetValue(code, out var cd) || cd.Kind is not (LatentKind.Normal or LatentKind.Uniform) || a.Int("index") >= cd.Dim || a.Int("index") < 0)
            {
                d.ReportSampling(source, a.SpanOf("sweep"), $"'{code}' with index {a.Int("index")} is not a continuous latent code dimension");
                return null;
            }
            return new SamplingIr(SamplingMode.CodeSweep, cl.Classes, cols, gen, cls, code, a.Int("index"));
        }
        return new SamplingIr(SamplingMode.PerClassRows, cl.Classes, cols, gen, cls, null, 0);
    }
}
