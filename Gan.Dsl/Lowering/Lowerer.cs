using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Checking;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;

namespace Gan.Dsl.Lowering;

/// <summary>
/// Lowers a checked spec without errors to <see cref="ModelIr"/>: every op resolved by its layer kind, every loss
/// as an expression over network applications, and what the runtime would otherwise have to work out again (the
/// generator's latent parts, D on real data, the log columns, the used files).
/// </summary>
internal static class Lowerer
{
    public static ModelIr Lower(CheckedSpec spec)
    {
        var b = spec.Bound;
        var networks = spec.Valid.Select(Network).ToImmutableArray();
        var byName = spec.Networks;
        var written = b.Losses.Select(l => new LossIr(l.Name, Expr(l.Expr, byName))).ToImmutableArray();
        var losses = AugmentRewrite.Apply(written, b.Schedule!.Augment, byName);
        var generator = spec.GeneratorApplication!;
        var sampling = b.Sampling!.Ir! with
        {
            Generator = spec.Generator,
            Latents = [.. generator.Args.Cast<BoundLatentRef>().Select(r => r.Latent.Name)],
            Output = byName[spec.Generator].OutputOf(generator.Output),
        };
        // The EMA copy is sampled unless the sample block names the raw network (generator: G).
        var ema = b.Schedule!.Ir.Emas.FirstOrDefault(e => e.Network == spec.Generator);
        sampling = sampling with { Ema = sampling.PreferEma != false ? ema?.Name : null };
        // D's accuracy (DAccuracy) reads an unconditional critic; a conditional D(real, labels) is logged, not scored.
        var critic = losses.SelectMany(l => LossExpr.PreOrder(l.Expr)).OfType<ApplyIr>()
                           .FirstOrDefault(a => a.Args is [var x] && Bare(x) is RealIr);
        var header = b.Header!;
        return new ModelIr(
            header.Name.Text, header.Description?.Text ?? "", b.Syntax.Items.OfType<SourceSyntax>().FirstOrDefault()?.Text.Text ?? "",
            b.Source.Path, b.Source.Text,
            b.Params.ToImmutableDictionary(kv => kv.Key, kv => (object)(kv.Value switch
            {
                NumberValue n => n.Number, BoolValue v => v.Bool, StringValue s => s.Text, var v => v.Show(),
            })),
            b.Data!.Ir, [.. b.Latents.Select(l => l.Ir)], networks, losses, [.. b.Optimizers.Select(o => o.Ir)], b.Schedule!.Ir, sampling,
            b.UsedFiles,
            critic is null ? null : new CriticIr(critic.Network, critic.Output, critic.EndsInSigmoid));
    }

    static NetworkIr Network(CheckedNetwork n) =>
        new(n.Name, [.. n.Inputs.Select(i => i.Ir)],
            [.. n.Nodes.Select(x => new NodeIr(x.Id, x.Name, x.Kind.Lower(x.Config, x.Operands), x.Inputs, [.. x.Shape], x.Parameters,
                                               x.Quirk))],
            n.Outputs, n.DefaultOutput);

    static LossExprIr Expr(BoundExpr e, IReadOnlyDictionary<string, CheckedNetwork> networks) => e switch
    {
        BoundNumber n => new ConstIr(n.Value),
        BoundUnary u => u.Negates ? new NegIr(Expr(u.Operand, networks)) : Expr(u.Operand, networks),
        BoundBinary x => new BinaryIr(x.Op, Expr(x.Left, networks), Expr(x.Right, networks)),
        BoundReal => new RealIr(),
        BoundLabels => new LabelsIr(),
        BoundLatentRef r => new LatentRefIr(r.Latent.Name),
        BoundLossRef r => new LossRefIr(r.Name),
        BoundDetach dt => new DetachIr(Expr(dt.Operand, networks)),
        BoundAugment g => new AugmentIr(Expr(g.Operand, networks), g.Policies),
        BoundApply a => Apply(a, networks[a.Network], [.. a.Args.Select(x => Expr(x, networks))]),
        BoundPrimitive p => new PrimitiveIr(p.Primitive.Name, [.. p.Args.Select(x => Expr(x, networks))]),
        BoundPenalty { IsR1: true } p => new R1Ir(p.Network, Output(p, networks), Expr(p.Real, networks), p.Gamma),
        BoundPenalty p => new GradientPenaltyIr(p.Network, Output(p, networks), Expr(p.Real, networks), Expr(p.Fake!, networks),
                                                p.Target, p.Weight),
        _ => throw new InvalidOperationException($"no lowering for {e.GetType().Name}"),
    };

    /// <summary>An application to the real batch: D(real), or a conditional D(real, labels), augmented or not.</summary>
    static bool OnReal(ImmutableArray<LossExprIr> args) =>
        args is [var x] && Bare(x) is RealIr || args is [var r, LabelsIr] && Bare(r) is RealIr;

    /// <summary>A value without its augmentation: D(augment(real, ...)) still reads real data.</summary>
    static LossExprIr Bare(LossExprIr x) => x is AugmentIr g ? Bare(g.Operand) : x;

    static string Output(BoundPenalty p, IReadOnlyDictionary<string, CheckedNetwork> networks) => networks[p.Network].OutputOf(p);

    /// <summary>
    /// An application, with the log column its mean feeds: D(x) when applied to the real batch, D(G(z)) when applied to
    /// another network's output; only for one value per sample from the network's default (or only) output.
    /// </summary>
    static ApplyIr Apply(BoundApply a, CheckedNetwork net, ImmutableArray<LossExprIr> args)
    {
        var output = net.OutputOf(a.Output);
        bool logged = (net.Outputs.Count == 1 || output == net.DefaultOutput) && Shape.Count(net.OutputShape(output)) == 1;
        var column = !logged ? LogColumn.None
            : OnReal(args) ? LogColumn.DReal
            : args.Any(x => Bare(x) is ApplyIr or DetachIr { Operand: ApplyIr }) ? LogColumn.DFake : LogColumn.None;
        return new ApplyIr(net.Name, args, output) { Log = column, EndsInSigmoid = net.EndsInSigmoid(output) };
    }
}
