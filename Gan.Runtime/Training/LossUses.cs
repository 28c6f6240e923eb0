using System.Runtime.CompilerServices;
using Gan.Dsl.Ir;

namespace Gan.Runtime.Training;

/// <summary>
/// What a spec's loss expressions read, found once per model (cached by model): whether a step ever reads the batch's
/// labels, and which network applications a later step reads under <c>detach</c> (the outputs that
/// <c>fakes: per_iteration</c> shares across the steps of an iteration). A training step then does not draw labels no loss
/// reads, nor keep detached copies of outputs no step reuses.
/// </summary>
internal static class LossUses
{
    sealed record Uses(bool Labels, IReadOnlySet<ApplyIr> Detached);

    static readonly ConditionalWeakTable<ModelIr, Uses> cache = [];

    /// <summary>Whether a loss reads <c>labels</c>, or a latent part takes its classes from the labels.</summary>
    public static bool ReadsLabels(ModelIr model) => Of(model).Labels;

    /// <summary>The applications that appear as <c>detach(N(…))</c> in some loss (structural equality, as StepContext's memo).</summary>
    public static IReadOnlySet<ApplyIr> DetachedApplications(ModelIr model) => Of(model).Detached;

    static Uses Of(ModelIr model) => cache.GetValue(model, m =>
    {
        var nodes = m.Losses.SelectMany(l => LossExpr.PreOrder(l.Expr)).ToList();
        bool labels = nodes.Any(e => e is LabelsIr) || m.Latents.Any(l => l.FromLabels);
        return new Uses(labels, nodes.OfType<DetachIr>().Select(d => d.Operand).OfType<ApplyIr>().ToHashSet());
    });
}
