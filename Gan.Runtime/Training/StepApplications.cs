using System.Collections.Immutable;
using Gan.Dsl.Ir;

namespace Gan.Runtime.Training;

/// <summary>
/// How many forward passes of each network one optimiser step keeps alive for its backward, read from the loss
/// expressions as <see cref="StepContext"/> evaluates them: structurally equal applications are one forward (its memo),
/// a named loss is evaluated once, a gradient penalty or R1 adds a pass whose gradient graph is kept for the double
/// backward (counted twice), and under <c>fakes: per_iteration</c> a detached output an earlier step of the iteration
/// computed is reused rather than recomputed.
/// </summary>
internal static class StepApplications
{
    /// <summary>One step of the schedule's order: the optimiser and its passes per network.</summary>
    public sealed record Step(string Optimizer, ImmutableDictionary<string, double> Passes);

    /// <summary>The steps of one iteration, in order (a repeated step once: its repeats cost the same).</summary>
    public static IReadOnlyList<Step> Of(ModelIr model)
    {
        var steps = new List<Step>();
        // Under fakes: per_iteration, outputs computed earlier in the iteration (StepContext's share.Detached keys).
        var earlier = model.Schedule.FakesPerIteration ? new HashSet<ApplyIr>() : null;
        foreach (var entry in model.Schedule.Order)
        {
            var o = model.Optimizers.First(x => x.Name == entry.Optimizer);
            var walk = new Walk(model, earlier);
            walk.Visit(model.Loss(o.Loss).Expr);
            steps.Add(new Step(o.Name, walk.Passes()));
            earlier?.UnionWith(walk.Applied);
        }
        return steps;
    }

    /// <summary>One step's walk over its loss expression.</summary>
    sealed class Walk(ModelIr model, IReadOnlySet<ApplyIr>? earlier)
    {
        readonly HashSet<ApplyIr> forwards = [];          // by network and arguments, as StepContext's forward memo
        readonly HashSet<string> losses = [];
        readonly Dictionary<string, double> extra = [];

        /// <summary>Every application evaluated, with its output (what a later step may reuse under per_iteration).</summary>
        public HashSet<ApplyIr> Applied { get; } = [];

        public void Visit(LossExprIr e)
        {
            switch (e)
            {
                case LossRefIr r:
                    if (losses.Add(r.Name)) Visit(model.Loss(r.Name).Expr);
                    return;
                case DetachIr { Operand: ApplyIr a } when earlier is not null && earlier.Contains(a):
                    return;
                case ApplyIr a:
                    forwards.Add(a with { Output = "" });
                    Applied.Add(a);
                    break;
                case GradientPenaltyIr gp:
                    Add(gp.Network, 2);
                    break;
                case R1Ir r1:
                    Add(r1.Network, 2);
                    break;
            }
            foreach (var c in e.Children) Visit(c);
        }

        void Add(string network, double passes) => extra[network] = extra.GetValueOrDefault(network) + passes;

        public ImmutableDictionary<string, double> Passes()
        {
            var passes = new Dictionary<string, double>(extra);
            foreach (var a in forwards) passes[a.Network] = passes.GetValueOrDefault(a.Network) + 1;
            return passes.ToImmutableDictionary();
        }
    }
}
