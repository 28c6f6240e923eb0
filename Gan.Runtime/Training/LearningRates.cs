using Gan.Dsl.Ir;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;

namespace Gan.Runtime.Training;

/// <summary>
/// The optimisers' learning rates per iteration (<c>lr_decay:</c>): a function of the 0-based iteration index t alone, set
/// before iteration t, so a resumed run uses exactly the rates of an uninterrupted one.
/// </summary>
internal static class LearningRates
{
    /// <summary>Sets each decaying optimiser's rate for iteration <paramref name="t"/> of a <paramref name="total"/>-iteration
    /// run (an alias shares its optimiser's object, so it is set once).</summary>
    public static void Set(ModelIr model, IReadOnlyDictionary<string, OptimizerHelper> opts, long t, long total)
    {
        foreach (var o in model.Optimizers)
            if (o.LrDecay is { } decay && o.SharesStateOf is null)
                foreach (var g in opts[o.Name].ParamGroups) g.LearningRate = decay.At(o.Lr, t, total);
    }

    /// <summary>The rate iteration <paramref name="t"/> uses, for the log.</summary>
    public static double At(OptimizerIr o, long t, long total) => o.LrDecay?.At(o.Lr, t, total) ?? o.Lr;
}
