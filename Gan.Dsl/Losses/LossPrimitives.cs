using Gan.Dsl.Diagnostics;
using Gan.Dsl.Layers;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Losses;

/// <summary>One argument of a primitive as its check sees it: its type, its text, its constant value (if it has one),
/// and, for a one-hot latent part, its class count (a one-hot code stands for its class index).</summary>
internal sealed record PrimitiveArgument(LossType Type, ExpressionSyntax Syntax, double? Constant, int? OneHotClasses);

/// <summary>A primitive's call as its argument check sees it, with a reporter for GAN0306.</summary>
internal sealed class PrimitiveCall(string name, CallSyntax call, IReadOnlyList<PrimitiveArgument> args, SourceText source,
                                    DiagnosticBag diagnostics)
{
    public IReadOnlyList<PrimitiveArgument> Args => args;
    public string Text(int i) => source[args[i].Syntax.Span];

    /// <summary>Reports GAN0306 at argument <paramref name="i"/> (or at the whole call, -1) and returns false.</summary>
    public bool Mismatch(int i, string detail)
    {
        diagnostics.ReportHeadMismatch(source, i < 0 ? call.Span : args[i].Syntax.Span, name, detail);
        return false;
    }

    /// <summary>Argument i is one value per sample (N×1).</summary>
    public bool OnePerSample(int i)
    {
        if (args[i].Type is TensorType t && Shape.Count(t.Shape) == 1) return true;
        var what = args[i].Type is TensorType tt ? $"N×{Shape.Dims(tt.Shape)}" : args[i].Type is ScalarType ? "a scalar" : "labels";
        return Mismatch(i, $"expects one value per sample (N×1), but `{Text(i)}` is {what}");
    }
}

/// <summary>
/// One loss primitive, described once in the compiler: its name, arity, whether it reads a critic's raw score (a
/// sigmoid before it is suspicious), its formula (docs) and its argument check. The runtime's table gives each its
/// function (Gan.Runtime/Losses/LossFunctions.cs).
/// </summary>
internal sealed record LossPrimitive(string Name, int Arity, bool ReadsRawScores, string Formula, Func<PrimitiveCall, bool> Check);

/// <summary>The loss primitives. Every one reduces by the mean over the batch.</summary>
internal static class LossPrimitives
{
    static bool Scores(PrimitiveCall c) => Enumerable.Range(0, c.Args.Count).Select(c.OnePerSample).All(ok => ok);

    static bool Bce(PrimitiveCall c)
    {
        if (!c.OnePerSample(0)) return false;
        var prediction = ((TensorType)c.Args[0].Type).Shape;
        var target = c.Args[1];
        if (target.Type is not (ScalarType or TensorType)) return c.Mismatch(1, "the target must be a number (1 real, 0 fake) or a tensor");
        if (target.Type is TensorType t && !Shape.Same(t.Shape, prediction))
            return c.Mismatch(1, $"the target `{c.Text(1)}` is {Shape.Show(t.Shape)}, but `{c.Text(0)}` is {Shape.Show(prediction)}; "
                                 + "targets are one probability per sample");
        if (target.Constant is double k and (< 0 or > 1))
            return c.Mismatch(1, $"the target {k} is not a probability; use 1 for real, 0 for fake (or e.g. 0.9 for label smoothing)");
        return true;
    }

    static bool CrossEntropy(PrimitiveCall c)
    {
        if (c.Args[0].Type is not TensorType { Shape.Length: 1 } t || t.Shape[0] < 2)
            return c.Mismatch(0, $"expects class logits N×K with K ≥ 2, but `{c.Text(0)}` is "
                                 + $"{(c.Args[0].Type is TensorType tt ? Shape.Show(tt.Shape) : "not a tensor")}");
        var labels = c.Args[1].OneHotClasses is int k ? new LabelType(k) : c.Args[1].Type;
        if (labels is not LabelType lt)
            return c.Mismatch(1, $"expects class indices (labels or a label/one-hot latent's class), but `{c.Text(1)}` is not");
        if (lt.Classes != t.Shape[0])
            return c.Mismatch(0, $"`{c.Text(0)}` has {t.Shape[0]} logits, but the labels have {lt.Classes} classes");
        return true;
    }

    static bool Pair(PrimitiveCall c)
    {
        if (c.Args[0].Type is not TensorType a) return c.Mismatch(0, "expects a tensor first");
        if (c.Args[1].Type is TensorType b && !Shape.Same(a.Shape, b.Shape))
            return c.Mismatch(-1, $"`{c.Text(0)}` is {Shape.Show(a.Shape)} but `{c.Text(1)}` is {Shape.Show(b.Shape)}");
        if (c.Args[1].Type is LabelType or NetworkType) return c.Mismatch(1, "expects a tensor or a number second");
        return true;
    }

    static bool Tensor(PrimitiveCall c) => c.Args[0].Type is TensorType || c.Mismatch(0, "expects a tensor");

    public static readonly IReadOnlyList<LossPrimitive> All =
    [
        new("bce_logits", 2, false, "bce_logits(x, t) = mean(max(x,0) − x·t + log(1 + e^−|x|))", Bce),
        new("bce", 2, false, "bce(p, t) = −mean(t·log p + (1−t)·log(1−p)), logs clamped at −100 (as PyTorch)", Bce),
        new("cross_entropy", 2, false, "cross_entropy(logits N×K, labels N) = mean(−log softmax(logits)[label])", CrossEntropy),
        new("mse", 2, false, "mse(a, b) = mean((a − b)²)", Pair),
        new("l1", 2, false, "l1(a, b) = mean(|a − b|)", Pair),
        new("mean", 1, false, "mean(x)", Tensor),
        new("wasserstein_d", 2, true, "wasserstein_d(real, fake) = mean(fake) − mean(real) (the critic minimises it)", Scores),
        new("wasserstein_g", 1, true, "wasserstein_g(fake) = −mean(fake)", Scores),
        new("hinge_d", 2, true, "hinge_d(real, fake) = mean(relu(1 − real)) + mean(relu(1 + fake))", Scores),
        new("hinge_g", 1, true, "hinge_g(fake) = −mean(fake)", Scores),
        new("lsgan_d", 2, false, "lsgan_d(real, fake) = ½·mean((real − 1)²) + ½·mean(fake²)", Scores),
        new("lsgan_g", 1, false, "lsgan_g(fake) = ½·mean((fake − 1)²)", Scores),
        new("ragan_d", 2, true,
            "ragan_d(real, fake) = ½·[bce_logits(real − mean(fake), 1) + bce_logits(fake − mean(real), 0)]", Scores),
        new("ragan_g", 2, true,
            "ragan_g(real, fake) = ½·[bce_logits(fake − mean(real), 1) + bce_logits(real − mean(fake), 0)]", Scores),
    ];

    public static readonly IReadOnlyDictionary<string, LossPrimitive> ByName = All.ToDictionary(p => p.Name);

    /// <summary>The penalties, detach and augment, which are not primitives: they take a network or wrap a value.</summary>
    public static readonly IReadOnlyList<string> SpecialForms = ["gradient_penalty", "r1", "detach", "augment"];

    /// <summary>Every loss function name (for docs and suggestions).</summary>
    public static IEnumerable<string> FunctionNames => All.Select(p => p.Name).Concat(SpecialForms);
}
