using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Losses;

/// <summary>
/// The loss formulas, as small paired D/G functions. x: N×1 outputs (or N), mean over the batch. The formulas are
/// documented in the compiler's table (Gan.Dsl/Losses/LossPrimitives.cs) and docs/language.md.
/// </summary>
internal static class LossFunctions
{
    static Tensor Target(Tensor x, double t) => full_like(x, t);

    /// <summary>The target broadcast to the prediction's shape (no new tensor when it already has it).</summary>
    static Tensor Like(Tensor target, Tensor x) => target.shape.AsSpan().SequenceEqual(x.shape) ? target : target.expand_as(x);

    public static Tensor BceLogits(Tensor x, Tensor target) => F.binary_cross_entropy_with_logits(x, Like(target, x));
    public static Tensor Bce(Tensor p, Tensor target) => F.binary_cross_entropy(p, Like(target, p));
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => F.cross_entropy(logits, labels);
    public static Tensor Mse(Tensor a, Tensor b) => (a - b.expand_as(a)).square().mean();
    public static Tensor L1(Tensor a, Tensor b) => (a - b.expand_as(a)).abs().mean();

    public static Tensor WassersteinD(Tensor real, Tensor fake) => fake.mean() - real.mean();
    public static Tensor WassersteinG(Tensor fake) => -fake.mean();

    public static Tensor HingeD(Tensor real, Tensor fake) => F.relu(1 - real).mean() + F.relu(1 + fake).mean();
    public static Tensor HingeG(Tensor fake) => -fake.mean();

    public static Tensor LeastSquaresD(Tensor real, Tensor fake) => 0.5 * (real - 1).square().mean() + 0.5 * fake.square().mean();
    public static Tensor LeastSquaresG(Tensor fake) => 0.5 * (fake - 1).square().mean();

    public static Tensor RelativisticD(Tensor real, Tensor fake) =>
        0.5 * (F.binary_cross_entropy_with_logits(real - fake.mean(), Target(real, 1))
               + F.binary_cross_entropy_with_logits(fake - real.mean(), Target(fake, 0)));
    public static Tensor RelativisticG(Tensor real, Tensor fake) =>
        0.5 * (F.binary_cross_entropy_with_logits(fake - real.mean(), Target(fake, 1))
               + F.binary_cross_entropy_with_logits(real - fake.mean(), Target(real, 0)));

    /// <summary>
    /// WGAN-GP: x̂ = ε·real + (1−ε)·fake, ε ~ U(0,1) per sample; weight · mean((‖∇x̂ D(x̂)‖₂ − target)²).
    /// The gradient is taken with create_graph so the penalty itself can be differentiated.
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, double target, double weight,
                                         Generator? gen)
    {
        // Its own dispose scope: the interpolates and gradients die here; the autograd graph keeps what the
        // step's backward needs, and the step's scope frees the rest.
        using var scope = NewDisposeScope();
        var shape = new long[real.dim()];
        Array.Fill(shape, 1L);
        shape[0] = real.shape[0];
        var eps = Training.DrawRecorder.Note("gradient_penalty eps", rand(shape, generator: gen, device: real.device));   // N×1×…
        var mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(true);
        var outv = critic(mixed);
        var grad = InputGradient(outv, mixed);                                       // N×…
        var norm = (grad.flatten(1).square().sum(1) + 1e-12).sqrt();                 // N
        return (weight * (norm - target).square().mean()).MoveToOuterDisposeScope();
    }

    /// <summary>R1: gamma/2 · mean(‖∇x D(x)‖₂²) on real data.</summary>
    public static Tensor R1(Func<Tensor, Tensor> critic, Tensor real, double gamma)
    {
        using var scope = NewDisposeScope();
        var x = real.detach().requires_grad_(true);
        var outv = critic(x);
        var grad = InputGradient(outv, x);
        return (gamma / 2 * grad.flatten(1).square().sum(1).mean()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∇x Σ D(x), kept differentiable (create_graph). A critic whose output does not depend on its input has a zero gradient
    /// there: libtorch would raise "appears to not have been used in the graph" (or, with no graph at all, "does not require
    /// grad"), and TorchSharp's autograd.grad does not catch native errors, so the process would abort. allow_unused gives an
    /// undefined tensor instead, and a critic output without a graph is checked first; both become zeros.
    /// </summary>
    static Tensor InputGradient(Tensor outv, Tensor x)
    {
        if (!outv.requires_grad) return zeros_like(x);
        var grad = autograd.grad([outv], [x], [ones_like(outv)], retain_graph: true, create_graph: true, allow_unused: true)[0];
        return grad.IsInvalid ? zeros_like(x) : grad;
    }
}
