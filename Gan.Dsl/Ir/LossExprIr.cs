using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>
/// A loss expression. Every primitive reduces by the mean over the batch. Evaluation within one optimiser step
/// memoises structurally equal subexpressions, so <c>G(z)</c> written twice is one forward pass on one latent sample.
/// Every node lists its <see cref="Children"/>: passes walk them (<see cref="LossExpr.PreOrder"/>) rather than
/// matching node kinds, so a new kind cannot be missed by a walk.
/// </summary>
internal abstract record LossExprIr
{
    public abstract IEnumerable<LossExprIr> Children { get; }
}

internal sealed record ConstIr(double Value) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => []; }

internal enum BinaryOp { Add, Sub, Mul, Div }

internal sealed record BinaryIr(BinaryOp Op, LossExprIr Left, LossExprIr Right) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => [Left, Right]; }

internal sealed record NegIr(LossExprIr Operand) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => [Operand]; }

/// <summary>The real data batch.</summary>
internal sealed record RealIr : LossExprIr
{ public override IEnumerable<LossExprIr> Children => []; }

/// <summary>The real batch's class labels (integer indices).</summary>
internal sealed record LabelsIr : LossExprIr
{ public override IEnumerable<LossExprIr> Children => []; }

/// <summary>A latent part, sampled once per optimiser step.</summary>
internal sealed record LatentRefIr(string Name) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => []; }

/// <summary>A reference to another named loss (its children are not the referenced loss's: walks follow it by name).</summary>
internal sealed record LossRefIr(string Name) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => []; }

/// <summary>Which log column an application's mean output feeds (D(x) on real data, D(G(z)) on generated data).</summary>
internal enum LogColumn { None, DReal, DFake }

/// <summary>
/// Network application: the arguments fill the inputs in order; several latent parts for one input are concatenated.
/// <see cref="Log"/> says which log column its mean feeds, as a probability (through a sigmoid unless
/// <see cref="EndsInSigmoid"/>). Equality is structural over network, output and arguments only.
/// </summary>
internal sealed record ApplyIr(string Network, ImmutableArray<LossExprIr> Args, string Output) : LossExprIr
{
    public LogColumn Log { get; init; }
    public bool EndsInSigmoid { get; init; }
    public override IEnumerable<LossExprIr> Children => Args;
    public bool Equals(ApplyIr? other) =>
        other is not null && Network == other.Network && Output == other.Output && Args.SequenceEqual(other.Args);
    public override int GetHashCode() => HashCode.Combine(Network, Output, Args.Length);
}

internal sealed record DetachIr(LossExprIr Operand) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => [Operand]; }

/// <summary>A loss primitive by name (the compiler's and the runtime's tables give its checks and formula).</summary>
internal sealed record PrimitiveIr(string Name, ImmutableArray<LossExprIr> Args) : LossExprIr
{
    public override IEnumerable<LossExprIr> Children => Args;
    public bool Equals(PrimitiveIr? other) => other is not null && Name == other.Name && Args.SequenceEqual(other.Args);
    public override int GetHashCode() => HashCode.Combine(Name, Args.Length);
}

/// <summary>
/// WGAN-GP: x̂ = ε·real + (1−ε)·fake with ε ~ U(0,1) per sample; Weight · mean((‖∇x̂ D(x̂)‖₂ − Target)²).
/// Needs a double backward (create_graph).
/// </summary>
internal sealed record GradientPenaltyIr(string Network, string Output, LossExprIr Real, LossExprIr Fake, double Target, double Weight)
    : LossExprIr
{ public override IEnumerable<LossExprIr> Children => [Real, Fake]; }

/// <summary>R1: Gamma/2 · mean(‖∇x D(x)‖₂²) on real data.</summary>
internal sealed record R1Ir(string Network, string Output, LossExprIr Real, double Gamma) : LossExprIr
{ public override IEnumerable<LossExprIr> Children => [Real]; }

/// <summary>A named loss; its value is logged under its name.</summary>
internal sealed record LossIr(string Name, LossExprIr Expr);

/// <summary>The one walk over loss expressions.</summary>
internal static class LossExpr
{
    /// <summary>The expression and all its descendants, parents before children, left to right.</summary>
    public static IEnumerable<LossExprIr> PreOrder(LossExprIr e)
    {
        var stack = new Stack<LossExprIr>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            yield return x;
            foreach (var c in x.Children.Reverse()) stack.Push(c);
        }
    }
}
