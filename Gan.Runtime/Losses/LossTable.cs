using System.Collections.Immutable;
using Gan.Dsl.Ir;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Runtime.Losses;

/// <summary>
/// The evaluated arguments of one primitive, with their expressions (a constant BCE target is taken from the run's constants).
/// </summary>
internal readonly struct LossArguments(Tensor[] values, ImmutableArray<LossExprIr> expressions, RunConstants? constants)
{
    public Tensor this[int i] => values[i];

    /// <summary>A BCE loss on the N×1 prediction: a constant target comes from the run's constants in the prediction's shape.</summary>
    public Tensor Bce(Func<Tensor, Tensor, Tensor> loss)
    {
        var prediction = values[0];
        var x = prediction.dim() == 2 ? prediction : prediction.reshape(prediction.shape[0], -1);   // N×1
        return loss(x, expressions[1] is ConstIr c && constants is not null ? constants.Like(c.Value, x) : values[1]);
    }
}

/// <summary>
/// The runtime's entry for each loss primitive, by the name the compiler's table gives it (Gan.Dsl/Losses/LossPrimitives.cs):
/// its function of the evaluated arguments. A meta-test checks that both tables name the same primitives.
/// </summary>
internal static class LossTable
{
    public static readonly IReadOnlyDictionary<string, Func<LossArguments, Tensor>> Functions =
        new Dictionary<string, Func<LossArguments, Tensor>>
        {
            ["bce_logits"] = a => a.Bce(LossFunctions.BceLogits),
            // bce on a network ending in sigmoid stays sigmoid + binary_cross_entropy, not fused into bce_with_logits on the
            // pre-sigmoid value: that is what the seeds run (PyTorch BCELoss, its log clamped at −100), compared bit for bit;
            // fusing would save 9 of 47 ATen calls per loss (forward and backward) but change rounding and saturation.
            ["bce"] = a => a.Bce(LossFunctions.Bce),
            ["cross_entropy"] = a => LossFunctions.CrossEntropy(a[0], a[1].dim() == 2 ? a[1].argmax(1) : a[1]),
            ["mse"] = a => LossFunctions.Mse(a[0], a[1]),
            ["l1"] = a => LossFunctions.L1(a[0], a[1]),
            ["mean"] = a => a[0].mean(),
            ["wasserstein_d"] = a => LossFunctions.WassersteinD(a[0], a[1]),
            ["wasserstein_g"] = a => LossFunctions.WassersteinG(a[0]),
            ["hinge_d"] = a => LossFunctions.HingeD(a[0], a[1]),
            ["hinge_g"] = a => LossFunctions.HingeG(a[0]),
            ["lsgan_d"] = a => LossFunctions.LeastSquaresD(a[0], a[1]),
            ["lsgan_g"] = a => LossFunctions.LeastSquaresG(a[0]),
            ["ragan_d"] = a => LossFunctions.RelativisticD(a[0], a[1]),
            ["ragan_g"] = a => LossFunctions.RelativisticG(a[0], a[1]),
        };
}
