using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// The equalized learning rate of ProGAN and StyleGAN (rosinality EqualLinear, EqualConv2d): the stored weight starts as
/// N(0, 1/LrMul²) and is used as w·LrMul/√fan_in; the stored bias starts at BiasInit and is used as b·LrMul.
/// </summary>
internal sealed record EqualizedIr(double LrMul, double BiasInit);

/// <summary>The arguments linear and conv2d take for the equalized learning rate, and their checks.</summary>
internal static class Equalization
{
    public static readonly IReadOnlyList<Param> Parameters =
        [new("equalized", ArgType.Bool, Bool(false)), new("lr_mul", ArgType.Float, Num(1)), new("bias_init", ArgType.Float, Num(0))];

    /// <summary>
    /// Null without <c>equalized: true</c>; otherwise the parametrisation. Reports GAN0213 (and sets <paramref name="ok"/> false)
    /// for lr_mul ≤ 0, lr_mul or bias_init without equalized, and equalized with spectral_norm or an explicit init.
    /// </summary>
    public static EqualizedIr? Of(LayerArgs a, out bool ok)
    {
        ok = true;
        var what = $"{a.Callee}: ";
        if (!a.Bool("equalized"))
        {
            foreach (var n in new[] { "lr_mul", "bias_init" })
                if (a.Given(n))
                    ok &= a.Require(false, n, what + $"'{n}'", "applies to an equalized layer only; add equalized: true, or drop it");
            return null;
        }
        ok = a.Positive("lr_mul")
             && a.Require(double.IsFinite(a.Num("bias_init")), "bias_init", what + "'bias_init'", "must be a finite number")
             && a.Require(!a.Bool("spectral_norm"), "spectral_norm", what + "'spectral_norm'",
                          "cannot be combined with equalized: true (both rescale the weight); keep one of them")
             && a.Require(!a.Given("init"), "init", what + "'init'",
                          "an equalized layer's weight always starts as N(0, 1/lr_mul²); drop init:");
        return ok ? new EqualizedIr(a.Num("lr_mul"), a.Num("bias_init")) : null;
    }
}
