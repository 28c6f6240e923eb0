using System.Collections.Immutable;
using Gan.Dsl.Checking;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Lowering;

/// <summary>
/// The schedule's <c>augment: [D, policies...]</c>, applied once, to the lowered losses: every application of D, in every
/// loss (D's step and G's alike, as DiffAugment's <c>train_fns.py</c> and StudioGAN's <c>worker.py</c> do), gets each image
/// input wrapped, <c>D(a)</c> → <c>D(augment(a, ...))</c>. Augmenting only the reals would let the augmentation leak into G's
/// samples. Penalties (<c>gradient_penalty</c>, <c>r1</c>) keep their inputs as written; an application's log column is the
/// one of its written arguments.
/// </summary>
internal static class AugmentRewrite
{
    public static ImmutableArray<LossIr> Apply(ImmutableArray<LossIr> losses, ScheduleAugmentIr? augment,
                                               IReadOnlyDictionary<string, CheckedNetwork> networks)
    {
        if (augment is null) return losses;
        // Which inputs of D are images (C×H×W): labels and flat inputs are not augmented.
        var images = networks[augment.Network].Inputs.Select(i => i.Ir is { Kind: InputKind.Tensor, Shape.Length: 3 }).ToArray();
        return [.. losses.Select(l => l with { Expr = Rewrite(l.Expr, augment, images) })];
    }

    static LossExprIr Rewrite(LossExprIr e, ScheduleAugmentIr aug, bool[] images)
    {
        ImmutableArray<LossExprIr> All(ImmutableArray<LossExprIr> xs) => [.. xs.Select(x => Rewrite(x, aug, images))];
        switch (e)
        {
            case ConstIr or RealIr or LabelsIr or LatentRefIr or LossRefIr:
            case GradientPenaltyIr or R1Ir:          // penalties keep their inputs as written
                return e;
            case BinaryIr b: return b with { Left = Rewrite(b.Left, aug, images), Right = Rewrite(b.Right, aug, images) };
            case NegIr n: return n with { Operand = Rewrite(n.Operand, aug, images) };
            case DetachIr d: return d with { Operand = Rewrite(d.Operand, aug, images) };
            case AugmentIr g: return g with { Operand = Rewrite(g.Operand, aug, images) };
            case PrimitiveIr p: return p with { Args = All(p.Args) };
            case ApplyIr a:
            {
                var args = All(a.Args);
                // One argument per input (several latent parts concatenated into one flat input are no images).
                if (a.Network == aug.Network && args.Length == images.Length)
                    args = [.. args.Select((x, i) => images[i] ? new AugmentIr(x, aug.Policies) : x)];
                return a with { Args = args };
            }
            default: throw new InvalidOperationException($"the schedule's augment has no rewrite for {e.GetType().Name}");
        }
    }
}
