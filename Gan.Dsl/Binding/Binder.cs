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
internal sealed partial class Binder
{
    readonly SpecSyntax spec;
    readonly SourceText source;
    readonly DiagnosticBag d;
    readonly Evaluator eval;
    readonly Dictionary<string, Value> parameters = [];
    readonly Dictionary<string, (string Kind, SourceText Source, TextSpan Span)> defined = [];
    readonly HashSet<(string Kind, string Name)> declared = [];     // every definition tried, duplicates included

    /// <summary>The folder the spec may name files in (see <see cref="ProjectRoot"/>).</summary>
    readonly ProjectRoot project;

    public Binder(SpecSyntax spec, DiagnosticBag diagnostics, ProjectRoot? project = null)
    {
        this.spec = spec;
        this.project = project ?? ProjectRoot.For(spec.Source.Path, null);
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
        else if (def.Kind != kind && !declared.Contains((kind, name)))
            d.ReportWrongType(source, span, what, $"a{(noun[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "n" : "")} {noun}",
                              $"the {def.Kind} '{name}'");
    }

    string? Choice(BoundArgs a, string name, params string[] choices) => a.Choice(source, d, name, choices);

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

    public BoundSpec Bind(IReadOnlyDictionary<string, string> overrides, IReadOnlyList<BlockSyntax> usedBlocks,
                          IReadOnlyList<ParamSyntax> usedParams, ImmutableArray<UsedFileIr> usedFiles)
    {
        var items = spec.Items;
        var header = items.OfType<HeaderSyntax>().FirstOrDefault();
        if (header is null) d.ReportMissingItem(source, "header", "gan my_gan \"what it is\"");
        ReportRepeated(items.OfType<HeaderSyntax>().Select(h => h.Span), "header (gan name \"...\")");
        ReportRepeated(items.OfType<SourceSyntax>().Select(x => x.Span), "source");
        ReportRepeated(items.OfType<SettingsSyntax>().Where(x => x.Keyword.Text == "schedule").Select(x => x.Keyword.Span), "schedule");
        ReportRepeated(items.OfType<SettingsSyntax>().Where(x => x.Keyword.Text == "sample").Select(x => x.Keyword.Span), "sample block");

        // Params, in order; a used file's params come first and the spec may not redefine them.
        var paramItems = usedParams.Concat(items.OfType<ParamSyntax>()).ToList();
        foreach (var p in paramItems) BindParam(p, overrides);
        var paramNames = paramItems.Select(p => p.Name.Text).ToHashSet();
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
        var expansion = new Expansion(blocks);
        foreach (var n in items.OfType<NetworkSyntax>())
            if (Define("network", n.Name)) networks.Add(new NetworkBinder(source, d, blocks, expansion).Bind(n, parameters));
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
        var optimizerItems = items.OfType<OptimizerSyntax>().Where(o => Define("optimizer", o.Name)).ToList();
        foreach (var o in optimizerItems.Where(o => !IsAlias(o)))
            if (BindOptimizer(o, symbols.Networks, symbols.Losses, boundLosses) is { } oi) optimizers.Add(new BoundOptimizer(o, oi));
        // Aliases (lazy regularisation) after the optimisers whose state they share; then all in source order.
        foreach (var o in optimizerItems.Where(IsAlias))
            if (BindAlias(o, optimizers, symbols.Losses, boundLosses, optimizerItems) is { } oi) optimizers.Add(new BoundOptimizer(o, oi));
        optimizers.Sort((x, y) => x.Syntax.Span.Start.CompareTo(y.Syntax.Span.Start));
        if (!items.OfType<OptimizerSyntax>().Any())
            d.ReportMissingItem(source, "optimizer", "optimizer opt_g = adam(G, lr: 2e-4) minimize g_loss");

        var schedule = BindSchedule(items.OfType<SettingsSyntax>().FirstOrDefault(s => s.Keyword.Text == "schedule"), optimizers,
                                    symbols.Networks);
        if (schedule is not null) schedule = schedule with { Augment = BindScheduleAugment(schedule.Syntax, networks) };
        var sampling = BindSampling(items.OfType<SettingsSyntax>().FirstOrDefault(s => s.Keyword.Text == "sample"), symbols.Networks,
                                    symbols.Latents, schedule?.Ir.Emas);
        return new BoundSpec(spec, header, parameters, data, [.. latents], [.. networks], [.. losses], [.. optimizers], schedule, sampling,
                             usedFiles);
    }

    /// <summary>Items that may appear once: every repeat after the first is a duplicate.</summary>
    void ReportRepeated(IEnumerable<TextSpan> occurrences, string item)
    {
        var list = occurrences.ToList();
        foreach (var span in list.Skip(1)) d.ReportRepeatedItem(source, span, item, list[0]);
    }

    static readonly string[] ParameterTypes = ["int", "float", "bool", "string"];

    /// <summary>A block parameter may also be a <c>value</c>: the name of a network value of the caller.</summary>
    static readonly string[] BlockParameterTypes = [.. ParameterTypes, "value"];

    /// <summary>A block parameter's type, when written, is one of int, float, bool, string, value.</summary>
    void CheckBlockParameters(BlockSyntax b, SourceText where)
    {
        foreach (var p in b.Parameters)
        {
            if (p.Type is null) continue;
            if (p.Type is NameSyntax t)
            {
                if (!BlockParameterTypes.Contains(t.Name.Text))
                    d.ReportUnknownName(where, t.Span, "type", t.Name.Text, BlockParameterTypes);
            }
            else
                d.ReportWrongType(where, p.Type.Span, $"the type of block parameter '{p.Name.Text}'",
                                  "int, float, bool, string or value", where[p.Type.Span]);
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
        if (declared is not null && !ParameterTypes.Contains(declared))
        {
            d.ReportUnknownName(where, p.Type!.Span, "type", declared, ParameterTypes);
            return null;
        }
        string actual = v.TypeName;
        string type = declared ?? (ParameterTypes.Contains(actual) ? actual : "");
        if (type == "")
        {
            d.ReportWrongType(where, p.Value.Span, $"param '{p.Name.Text}'", "a number, true/false or a string", v.TypeName);
            return null;
        }
        if (!(type == actual || (type == "float" && actual == "int")))
        {
            d.ReportWrongType(where, p.Value.Span, $"param '{p.Name.Text}'", type, $"{actual} {v.Show()}");
            return null;
        }
        if (overrides.TryGetValue(p.Name.Text, out var text))
        {
            Value? o = type switch
            {
                "int" => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
                    ? new NumberValue(i, p.Value.Span) : null,
                "float" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f)
                    ? new NumberValue(f, p.Value.Span) : null,
                "bool" => text is "true" or "false" ? new BoolValue(text == "true", p.Value.Span) : null,
                _ => new StringValue(text, p.Value.Span, FromCommandLine: true),
            };
            if (o is null) { d.ReportOverrideType(where, p.Name.Span, p.Name.Text, type, text); return null; }
            v = o;
        }
        return v;
    }

    List<Argument>? Args(CallSyntax c) => eval.Arguments(c.Arguments, parameters);

    /// <summary>Evaluates and binds a call against one of <paramref name="signatures"/> (GAN0201 for an unknown name).</summary>
    BoundArgs? BindCall(CallSyntax c, IReadOnlyDictionary<string, Signature> signatures, string kind)
    {
        if (!signatures.TryGetValue(c.Name.Text, out var sig))
        {
            d.ReportUnknownName(source, c.Name.Span, kind, c.Name.Text, signatures.Keys);
            return null;
        }
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
}
