using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// Checks that need the whole training picture: which network each optimiser's loss reaches, missing
/// detach, a generator loss updating the discriminator, the double-sigmoid bug, BCE with a gradient
/// penalty, BatchNorm in a penalised critic, and unused networks, latents and losses.
/// </summary>
public sealed class LossChecks(SourceText source, DiagnosticBag d, IReadOnlyDictionary<string, NetworkIr> networks,
                               IReadOnlyDictionary<string, LossIr> losses, IReadOnlyDictionary<LossExprIr, TextSpan> spans,
                               ISet<string> quirks)
{
    /// <summary>One application of a network inside a loss, with its context.</summary>
    sealed record Use(ApplyIr Apply, bool Detached, ApplyIr? Consumer, TextSpan Span);

    TextSpan SpanOf(LossExprIr e) => spans.TryGetValue(e, out var s) ? s : default;

    /// <summary>Walks a loss through loss references (cycles reported once), collecting applications and primitives.</summary>
    void Walk(LossExprIr e, bool detached, ApplyIr? consumer, List<Use> uses, List<LossExprIr> terms, HashSet<string> visiting, HashSet<string> cycles)
    {
        switch (e)
        {
            case LossRefIr r:
                if (!losses.TryGetValue(r.Name, out var l)) return;
                if (!visiting.Add(r.Name)) { if (cycles.Count == 0) d.ReportLossCycle(source, SpanOf(r), r.Name); cycles.Add(r.Name); return; }
                Walk(l.Expr, detached, consumer, uses, terms, visiting, cycles);
                visiting.Remove(r.Name);
                break;
            case ApplyIr a:
                uses.Add(new Use(a, detached, consumer, SpanOf(a)));
                foreach (var arg in a.Args) Walk(arg, detached, a, uses, terms, visiting, cycles);
                break;
            case DetachIr dt: Walk(dt.Operand, true, consumer, uses, terms, visiting, cycles); break;
            case BinaryIr b: Walk(b.Left, detached, consumer, uses, terms, visiting, cycles); Walk(b.Right, detached, consumer, uses, terms, visiting, cycles); break;
            case NegIr n: Walk(n.Operand, detached, consumer, uses, terms, visiting, cycles); break;
            case PrimitiveIr p:
                terms.Add(p);
                foreach (var arg in p.Args) Walk(arg, detached, consumer, uses, terms, visiting, cycles);
                break;
            case GradientPenaltyIr gp:
                terms.Add(gp);
            {
                // The critic is applied to interpolates of real and fake: those feed it like arguments.
                var critic = new ApplyIr(gp.Network, [], gp.Output);
                uses.Add(new Use(critic, detached, null, SpanOf(gp)));
                Walk(gp.Real, detached, critic, uses, terms, visiting, cycles);
                Walk(gp.Fake, detached, critic, uses, terms, visiting, cycles);
                break;
            }
            case R1Ir r1:
                terms.Add(r1);
            {
                var critic = new ApplyIr(r1.Network, [], r1.Output);
                uses.Add(new Use(critic, detached, null, SpanOf(r1)));
                Walk(r1.Real, detached, critic, uses, terms, visiting, cycles);
                break;
            }
        }
    }

    bool EndsInSigmoid(ApplyIr a) =>
        networks.TryGetValue(a.Network, out var n) && n.Nodes[n.Outputs[a.Output]].Op is ActivationOp { Kind: ActivationKind.Sigmoid };

    static ApplyIr? Applied(LossExprIr e) => e switch { ApplyIr a => a, DetachIr d => Applied(d.Operand), _ => null };

    static string? LatentName(LossExprIr e) => e switch { LatentRefIr r => r.Name, DetachIr d => LatentName(d.Operand), _ => null };

    /// <summary>
    /// Latent parts concatenated into one input must come in one order: G(c, code, noise) here and
    /// G(code, c, noise) there feed the same weights differently arranged inputs (and sampling cannot
    /// know which order is meant).
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

    public void Run(IReadOnlyList<(OptimizerIr Ir, OptimizerSyntax Syntax)> optimizers, IReadOnlyDictionary<string, TextSpan> latentSpans,
                    IReadOnlyDictionary<string, TextSpan> networkSpans, IReadOnlyDictionary<string, TextSpan> lossSpans)
    {
        var cycles = new HashSet<string>();
        var allUses = new List<Use>();
        var allTerms = new List<LossExprIr>();
        // Every loss once, for the per-term checks (double sigmoid) and the unused lints.
        foreach (var l in losses.Values)
        {
            var uses = new List<Use>(); var terms = new List<LossExprIr>();
            Walk(l.Expr, false, null, uses, terms, [l.Name], cycles);
            allUses.AddRange(uses);
            allTerms.AddRange(terms);
        }
        if (cycles.Count > 0) return;
        foreach (var p in allTerms.OfType<PrimitiveIr>().Distinct(ReferenceEqualityComparer.Instance).Cast<PrimitiveIr>())
        {
            if (p.Kind is PrimitiveKind.WassersteinD or PrimitiveKind.WassersteinG or PrimitiveKind.HingeD or PrimitiveKind.HingeG
                       or PrimitiveKind.RelativisticD or PrimitiveKind.RelativisticG)
            {
                // These read the critic's raw score: a sigmoid squashes it into (0, 1).
                foreach (var squashed in p.Args.Select(Applied).OfType<ApplyIr>().Where(EndsInSigmoid).Take(1))
                    d.ReportCriticSigmoid(source, SpanOf(p), LossBinder.Primitives.First(kv => kv.Value == p.Kind).Key, squashed.Network, squashed.Output);
                continue;
            }
            if (p.Kind is not (PrimitiveKind.BceLogits or PrimitiveKind.Bce) || Applied(p.Args[0]) is not { } a) continue;
            bool sigmoid = EndsInSigmoid(a);
            if (p.Kind == PrimitiveKind.BceLogits && sigmoid) d.ReportDoubleSigmoid(source, SpanOf(p), a.Network, a.Output);
            if (p.Kind == PrimitiveKind.Bce && !sigmoid) d.ReportBceOnLogits(source, SpanOf(p), a.Network, a.Output);
        }

        foreach (var (o, syntax) in optimizers)
        {
            if (!losses.TryGetValue(o.Loss, out var loss)) continue;
            var uses = new List<Use>(); var terms = new List<LossExprIr>();
            Walk(loss.Expr, false, null, uses, terms, [loss.Name], cycles);
            var updated = o.Networks.ToHashSet();
            foreach (var net in o.Networks)
                if (!uses.Any(u => u.Apply.Network == net && !u.Detached))
                    d.ReportUnreachable(source, syntax.Loss.Span, o.Name, net, o.Loss);
            foreach (var u in uses.Where(u => !u.Detached && u.Consumer is not null))
            {
                bool innerUpdated = updated.Contains(u.Apply.Network), outerUpdated = updated.Contains(u.Consumer!.Network);
                if (innerUpdated && outerUpdated && u.Apply.Network != u.Consumer.Network)
                    d.ReportGeneratorUpdatesD(source, syntax.Kind.Span, o.Name, u.Consumer.Network, u.Apply.Network);
                else if (!innerUpdated && outerUpdated)
                    d.ReportMissingDetach(source, u.Span, o.Name, u.Apply.Network);
            }
            bool hasPenalty = terms.Any(t => t is GradientPenaltyIr);
            if (hasPenalty && !quirks.Contains("bce_gp") && terms.Any(t => t is PrimitiveIr { Kind: PrimitiveKind.BceLogits or PrimitiveKind.Bce }))
                d.ReportBceWithPenalty(source, syntax.Loss.Span, o.Name);
            if (!quirks.Contains("bn_gp"))
                foreach (var gp in terms.OfType<GradientPenaltyIr>().Where(g => networks[g.Network].HasBatchNorm).Select(g => g.Network).Distinct())
                    d.ReportBatchNormInCritic(source, syntax.Loss.Span, gp);
        }

        PartOrders(allUses);

        var usedNetworks = allUses.Select(u => u.Apply.Network).ToHashSet();
        foreach (var (name, span) in networkSpans)
            if (!usedNetworks.Contains(name)) d.ReportUnusedNetwork(source, span, name);
        var usedLatents = new HashSet<string>();
        void Latents(LossExprIr e)
        {
            switch (e)
            {
                case LatentRefIr r: usedLatents.Add(r.Name); break;
                case ApplyIr a: foreach (var x in a.Args) Latents(x); break;
                case DetachIr dt: Latents(dt.Operand); break;
                case BinaryIr b: Latents(b.Left); Latents(b.Right); break;
                case NegIr n: Latents(n.Operand); break;
                case PrimitiveIr p: foreach (var x in p.Args) Latents(x); break;
                case GradientPenaltyIr g: Latents(g.Real); Latents(g.Fake); break;
                case R1Ir r1: Latents(r1.Real); break;
            }
        }
        foreach (var l in losses.Values) Latents(l.Expr);
        foreach (var (name, span) in latentSpans)
            if (!usedLatents.Contains(name)) d.ReportUnusedLatent(source, span, name);
        var referenced = new HashSet<string>(optimizers.Select(o => o.Ir.Loss));
        void Refs(LossExprIr e)
        {
            switch (e)
            {
                case LossRefIr r: referenced.Add(r.Name); break;
                case BinaryIr b: Refs(b.Left); Refs(b.Right); break;
                case NegIr n: Refs(n.Operand); break;
                case DetachIr dt: Refs(dt.Operand); break;
            }
        }
        foreach (var l in losses.Values) Refs(l.Expr);
        foreach (var (name, span) in lossSpans)
            if (!referenced.Contains(name)) d.ReportUnusedLoss(source, span, name);
    }
}
