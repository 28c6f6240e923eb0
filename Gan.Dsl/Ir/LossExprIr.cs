using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>
/// A loss expression. Every primitive reduces by the mean over the batch. Evaluation within one
/// optimiser step memoises structurally equal subexpressions, so <c>G(z)</c> written twice is one
/// forward pass on one latent sample.
/// </summary>
public abstract record LossExprIr;

public sealed record ConstIr(double Value) : LossExprIr;

public enum BinaryOp { Add, Sub, Mul, Div }

public sealed record BinaryIr(BinaryOp Op, LossExprIr Left, LossExprIr Right) : LossExprIr;

public sealed record NegIr(LossExprIr Operand) : LossExprIr;

/// <summary>The real data batch.</summary>
public sealed record RealIr : LossExprIr;

/// <summary>The real batch's class labels (integer indices).</summary>
public sealed record LabelsIr : LossExprIr;

/// <summary>A latent part, sampled once per optimiser step.</summary>
public sealed record LatentRefIr(string Name) : LossExprIr;

/// <summary>A reference to another named loss.</summary>
public sealed record LossRefIr(string Name) : LossExprIr;

/// <summary>Network application: the arguments fill the inputs in order; several latent parts for one input are concatenated.</summary>
public sealed record ApplyIr(string Network, ImmutableArray<LossExprIr> Args, string Output) : LossExprIr
{
    public bool Equals(ApplyIr? other) => other is not null && Network == other.Network && Output == other.Output && Args.SequenceEqual(other.Args);
    public override int GetHashCode() => HashCode.Combine(Network, Output, Args.Length);
}

public sealed record DetachIr(LossExprIr Operand) : LossExprIr;

/// <summary>The primitives. Formulas (x, y: N×…; mean over all elements unless stated):</summary>
public enum PrimitiveKind
{
    /// <summary>bce_logits(x, t) = mean(max(x,0) − x·t + log(1 + e^−|x|)).</summary>
    BceLogits,
    /// <summary>bce(p, t) = −mean(t·log p + (1−t)·log(1−p)), logs clamped at −100 (as PyTorch).</summary>
    Bce,
    /// <summary>cross_entropy(logits N×K, labels N) = mean(−log softmax(logits)[label]).</summary>
    CrossEntropy,
    /// <summary>mse(a, b) = mean((a − b)²).</summary>
    Mse,
    /// <summary>l1(a, b) = mean(|a − b|).</summary>
    L1,
    /// <summary>mean(x).</summary>
    Mean,
    /// <summary>wasserstein_d(real, fake) = mean(fake) − mean(real) (the critic minimises it).</summary>
    WassersteinD,
    /// <summary>wasserstein_g(fake) = −mean(fake).</summary>
    WassersteinG,
    /// <summary>hinge_d(real, fake) = mean(relu(1 − real)) + mean(relu(1 + fake)).</summary>
    HingeD,
    /// <summary>hinge_g(fake) = −mean(fake).</summary>
    HingeG,
    /// <summary>lsgan_d(real, fake) = ½·mean((real − 1)²) + ½·mean(fake²).</summary>
    LeastSquaresD,
    /// <summary>lsgan_g(fake) = ½·mean((fake − 1)²).</summary>
    LeastSquaresG,
    /// <summary>ragan_d(real, fake) = ½·[bce_logits(real − mean(fake), 1) + bce_logits(fake − mean(real), 0)].</summary>
    RelativisticD,
    /// <summary>ragan_g(real, fake) = ½·[bce_logits(fake − mean(real), 1) + bce_logits(real − mean(fake), 0)].</summary>
    RelativisticG,
}

public sealed record PrimitiveIr(PrimitiveKind Kind, ImmutableArray<LossExprIr> Args) : LossExprIr
{
    public bool Equals(PrimitiveIr? other) => other is not null && Kind == other.Kind && Args.SequenceEqual(other.Args);
    public override int GetHashCode() => HashCode.Combine(Kind, Args.Length);
}

/// <summary>
/// WGAN-GP: x̂ = ε·real + (1−ε)·fake with ε ~ U(0,1) per sample; Weight · mean((‖∇x̂ D(x̂)‖₂ − Target)²).
/// Needs a double backward (create_graph).
/// </summary>
public sealed record GradientPenaltyIr(string Network, string Output, LossExprIr Real, LossExprIr Fake, double Target, double Weight) : LossExprIr;

/// <summary>R1: Gamma/2 · mean(‖∇x D(x)‖₂²) on real data.</summary>
public sealed record R1Ir(string Network, string Output, LossExprIr Real, double Gamma) : LossExprIr;

/// <summary>A named loss; its value is logged under its name.</summary>
public sealed record LossIr(string Name, LossExprIr Expr);
