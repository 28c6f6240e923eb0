using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>The augmentation policies (DiffAugment's three, and the flip and reflect-padded shift of consistency regularisation).</summary>
internal enum AugmentKind { Color, Translation, Cutout, Flip, TranslationReflect }

/// <summary>One policy with its ratio (translation, cutout, translation_reflect; 0 for color and flip).</summary>
internal sealed record AugmentPolicyIr(AugmentKind Kind, double Ratio)
{
    /// <summary>The policy as written in a spec, e.g. <c>translation(ratio: 0.125)</c>.</summary>
    public string Show() => Kind is AugmentKind.Color or AugmentKind.Flip ? Name : $"{Name}(ratio: {Ratio:R})";

    public string Name => Kind switch
    {
        AugmentKind.Color => "color", AugmentKind.Translation => "translation", AugmentKind.Cutout => "cutout",
        AugmentKind.Flip => "flip", _ => "translation_reflect",
    };
}

/// <summary>
/// Differentiable augmentation of an image batch (N×C×H×W), policies applied in order, with fresh per-sample randomness
/// in each optimiser step from the run's generator; no parameters, shape unchanged. Within one step, structurally equal
/// augmentations are one draw (the step's memo, as for latent parts). Equality is structural over operand and policies.
/// </summary>
internal sealed record AugmentIr(LossExprIr Operand, ImmutableArray<AugmentPolicyIr> Policies) : LossExprIr
{
    public override IEnumerable<LossExprIr> Children => [Operand];
    public bool Equals(AugmentIr? other) => other is not null && Operand.Equals(other.Operand) && Policies.SequenceEqual(other.Policies);
    public override int GetHashCode() => HashCode.Combine(Operand, Policies.Length);
}

/// <summary>
/// The schedule's <c>augment: [D, policies...]</c>: every application of <see cref="Network"/> in every loss gets its image
/// inputs augmented (lowering rewrites <c>D(a)</c> to <c>D(augment(a, ...))</c>); penalties keep their inputs as written.
/// </summary>
internal sealed record ScheduleAugmentIr(string Network, ImmutableArray<AugmentPolicyIr> Policies)
{
    public bool Equals(ScheduleAugmentIr? other) => other is not null && Network == other.Network && Policies.SequenceEqual(other.Policies);
    public override int GetHashCode() => HashCode.Combine(Network, Policies.Length);
}
