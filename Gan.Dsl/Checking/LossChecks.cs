using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// Checks that need the whole training picture, on a spec without errors: which network each optimiser's loss
/// reaches, missing detach, a generator loss updating the discriminator, the double-sigmoid bug, BCE with a
/// gradient penalty, BatchNorm in a penalised critic, latent parts in different orders, and unused networks,
/// latent parts and losses. Positions come from the bound nodes' syntax.
/// </summary>
internal sealed class LossChecks(SourceText source, DiagnosticBag d, IReadOnlyDictionary<string, CheckedNetwork> networks,
                                 IReadOnlyDictionary<string, BoundLoss> losses, IReadOnlySet<string> quirks)
{
    /// <summary>A network applied in a loss (a penalty's critic has no arguments): which output, on what.</summary>
    sealed record Application(string Network, string Output, ImmutableArray<BoundExpr> Args);

    /// <summary>One application inside a loss, with its context.</summary>
    sealed record Use(Application Apply, bool Detached, Application? Consumer, TextSpan Span);

    Application Resolve(BoundApply a) => new(a.Network, networks[a.Network].OutputOf(a.Output), a.Args);

    /// <summary>Walks a loss through loss references (cycles reported once), collecting applications and terms.</summary>
    void Walk(BoundExpr e, bool detached, Application? consumer, List<Use> uses, List<BoundExpr> terms, HashSet<string> visiting,
              HashSet<string> cycles)
    {
        switch (e)
        {
            case BoundLossRef r:
                if (!losses.TryGetValue(r.Name, out var l)) return;
                if (!visiting.Add(r.Name)) { if (cycles.Count == 0) d.ReportLossCycle(source, r.Span, r.Name); cycles.Add(r.Name); return; }
                Walk(l.Expr, detached, consumer, uses, terms, visiting, cycles);
                visiting.Remove(r.Name);
                return;
            case BoundApply a:
            {
                var app = Resolve(a);
                uses.Add(new Use(app, detached, consumer, a.Span));
                foreach (var arg in a.Args) Walk(arg, detached, app, uses, terms, visiting, cycles);
                return;
            }
            case BoundDetach dt: Walk(dt.Operand, true, consumer, uses, terms, visiting, cycles); return;
            case BoundPenalty p:
            {
                terms.Add(p);
                // The critic is applied to interpolates of real and fake (or to real): those feed it like arguments.
                var critic = new Application(p.Network, networks[p.Network].OutputOf(p), []);
                uses.Add(new Use(critic, detached, null, p.Span));
                foreach (var c in p.Children) Walk(c, detached, critic, uses, terms, visiting, cycles);
                return;
            }
            case BoundPrimitive: terms.Add(e); break;
        }
        foreach (var c in e.Children) Walk(c, detached, consumer, uses, terms, visiting, cycles);
    }

    bool EndsInSigmoid(Application a) => networks.TryGetValue(a.Network, out var n) && n.EndsInSigmoid(a.Output);

    /// <summary>What an argument is, looking through detach (and a unary plus).</summary>
    static BoundExpr Through(BoundExpr e) => e switch
    {
        BoundDetach dt => Through(dt.Operand),
        BoundUnary { Negates: false } u => Through(u.Operand),
        _ => e,
    };

    /// <summary>The application an argument is, through detach (and a unary plus).</summary>
    Application? Applied(BoundExpr e) => Through(e) is BoundApply a ? Resolve(a) : null;

    static string? LatentName(BoundExpr e) => (Through(e) as BoundLatentRef)?.Latent.Name;

    /// <summary>
    /// Latent parts concatenated into one input must come in one order: G(c, code, noise) here and G(code, c, noise)
    /// there feed the same weights differently arranged inputs (and sampling cannot know which order is meant).
    /// </summary>
    void PartOrders(List<Use> uses)
    {
        var first = new Dictionary<(string Network, string Parts), string[]>();
        foreach (var u in uses)
        {
            if (u.Apply.Args.Length < 2) continue;
            var names = u.Apply.Args.Select(LatentName).ToArray();
            if (names.Any(n => n is null)) continue;
            var parts = names.Select(n => n!).ToArray();
            var key = (u.Apply.Network, string.Join(",", parts.Order(StringComparer.Ordinal)));
            if (!first.TryGetValue(key, out var order)) first[key] = parts;
            else if (!order.SequenceEqual(parts))
                d.ReportPartOrder(source, u.Span, u.Apply.Network, string.Join(", ", parts), string.Join(", ", order));
        }
    }

    public void Run(IReadOnlyList<BoundOptimizer> optimizers, IReadOnlyList<BoundLatent> latents)
    {
        var cycles = new HashSet<string>();
        // Every loss once, through the losses it refers to: the per-term checks, the optimisers' checks and the lints read it.
        var walked = new Dictionary<string, (List<Use> Uses, List<BoundExpr> Terms)>();
        foreach (var l in losses.Values)
        {
            var lossUses = new List<Use>(); var lossTerms = new List<BoundExpr>();
            Walk(l.Expr, false, null, lossUses, lossTerms, [l.Name], cycles);
            walked[l.Name] = (lossUses, lossTerms);
        }
        if (cycles.Count > 0) return;
        var allUses = walked.Values.SelectMany(w => w.Uses).ToList();
        var allTerms = walked.Values.SelectMany(w => w.Terms);
        foreach (var p in allTerms.OfType<BoundPrimitive>().Distinct(ReferenceEqualityComparer.Instance).Cast<BoundPrimitive>())
        {
            if (p.Primitive.ReadsRawScores)
            {
                // These read the critic's raw score: a sigmoid squashes it into (0, 1).
                foreach (var squashed in p.Args.Select(Applied).OfType<Application>().Where(EndsInSigmoid).Take(1))
                    d.ReportCriticSigmoid(source, p.Span, p.Primitive.Name, squashed.Network, squashed.Output);
                continue;
            }
            if (p.Primitive.Name is not ("bce_logits" or "bce") || Applied(p.Args[0]) is not { } a) continue;
            bool sigmoid = EndsInSigmoid(a);
            if (p.Primitive.Name == "bce_logits" && sigmoid) d.ReportDoubleSigmoid(source, p.Span, a.Network, a.Output);
            if (p.Primitive.Name == "bce" && !sigmoid) d.ReportBceOnLogits(source, p.Span, a.Network, a.Output);
        }

        foreach (var o in optimizers)
        {
            var (ir, syntax) = (o.Ir, o.Syntax);
            if (!walked.TryGetValue(ir.Loss, out var w)) continue;
            var (uses, terms) = w;
            var updated = ir.Networks.ToHashSet();
            foreach (var net in ir.Networks)
                if (!uses.Any(u => u.Apply.Network == net && !u.Detached))
                    d.ReportUnreachable(source, syntax.Loss.Span, ir.Name, net, ir.Loss);
            foreach (var u in uses.Where(u => !u.Detached && u.Consumer is not null))
            {
                bool innerUpdated = updated.Contains(u.Apply.Network), outerUpdated = updated.Contains(u.Consumer!.Network);
                if (innerUpdated && outerUpdated && u.Apply.Network != u.Consumer.Network)
                    d.ReportGeneratorUpdatesD(source, syntax.Kind.Span, ir.Name, u.Consumer.Network, u.Apply.Network);
                else if (!innerUpdated && outerUpdated)
                    d.ReportMissingDetach(source, u.Span, ir.Name, u.Apply.Network);
            }
            var penalties = terms.OfType<BoundPenalty>().ToList();
            bool hasGradientPenalty = penalties.Any(p => !p.IsR1);
            if (hasGradientPenalty && !quirks.Contains("bce_gp")
                && terms.Any(t => t is BoundPrimitive { Primitive.Name: "bce_logits" or "bce" }))
                d.ReportBceWithPenalty(source, syntax.Loss.Span, ir.Name);
            if (!quirks.Contains("bn_gp"))
                foreach (var gp in penalties.Where(p => !p.IsR1 && networks[p.Network].HasBatchNorm).Select(p => p.Network).Distinct())
                    d.ReportBatchNormInCritic(source, syntax.Loss.Span, gp);
        }

        PartOrders(allUses);

        var usedNetworks = allUses.Select(u => u.Apply.Network).ToHashSet();
        foreach (var net in networks.Values)
            if (!usedNetworks.Contains(net.Name)) d.ReportUnusedNetwork(source, net.Bound.Syntax.Name.Span, net.Name);
        var nodes = losses.Values.SelectMany(l => l.Expr.PreOrder()).ToList();
        var usedLatents = nodes.OfType<BoundLatentRef>().Select(r => r.Latent.Name).ToHashSet();
        foreach (var l in latents)
            if (!usedLatents.Contains(l.Name)) d.ReportUnusedLatent(source, l.Syntax.Name.Span, l.Name);
        var referenced = optimizers.Select(o => o.Ir.Loss).Concat(nodes.OfType<BoundLossRef>().Select(r => r.Name)).ToHashSet();
        foreach (var l in losses.Values)
            if (!referenced.Contains(l.Name)) d.ReportUnusedLoss(source, l.Syntax.Name.Span, l.Name);
    }
}
