using Gan.Dsl.Ir;
using Gan.Runtime.Model;
using Gan.Runtime.Training.Flat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>The optimiser an <see cref="OptimizerIr"/> describes, over the trainable parameters of the networks it updates.</summary>
internal static class Optimizers
{
    /// <summary>
    /// The optimiser of <paramref name="o"/>: its networks' parameters that require gradients, network by network in
    /// <c>parameters()</c> order. <paramref name="flat"/>: a flat-buffer optimiser (<see cref="IFlatOptimizer"/>, the
    /// parameters become views of its buffer) unless a parameter is already in one of <paramref name="claimed"/> (another
    /// optimiser's) or they differ in dtype or device; false, or then: TorchSharp's own optimiser, per parameter.
    /// </summary>
    public static OptimizerHelper Make(OptimizerIr o, IReadOnlyDictionary<string, NetworkModule> nets, bool flat = true,
                                       ISet<IntPtr>? claimed = null)
    {
        var ps = o.Networks.SelectMany(n => nets[n].parameters()).Where(p => p.requires_grad).ToList();
        claimed ??= new HashSet<IntPtr>();
        if (flat && !ps.Any(p => claimed.Contains(p.Handle)) && FlatLayout.TryCreate(ps) is { } layout)
        {
            foreach (var p in ps) claimed.Add(p.Handle);
            return o.Kind switch
            {
                OptimizerKind.Adam => new Flat.Adam(layout, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay),
                OptimizerKind.RmsProp => new Flat.RMSProp(layout, o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum),
                _ => new Flat.SGD(layout, o.Lr, o.Momentum, o.WeightDecay),
            };
        }
        return o.Kind switch
        {
            OptimizerKind.Adam => torch.optim.Adam(ps, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay),
            OptimizerKind.RmsProp => torch.optim.RMSProp(ps, o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum),
            _ => torch.optim.SGD(ps, o.Lr, o.Momentum, weight_decay: o.WeightDecay),
        };
    }

    /// <summary>The part of a flat optimiser's buffer that holds exactly <paramref name="net"/>'s parameters, or null (not a flat
    /// optimiser, or the network has parameters outside it).</summary>
    public static Tensor? FlatSlice(OptimizerHelper opt, NetworkModule net) => (opt as IFlatOptimizer)?.Layout?.Slice(net.parameters());

    /// <summary>Weight clipping (<c>clip:</c>) after a step of <paramref name="opt"/>: every parameter of
    /// <paramref name="net"/> clamped to [−value, value], with one clamp_ on its slice of a flat buffer where it has one.</summary>
    public static void Clip(OptimizerHelper opt, NetworkModule net, double value)
    {
        using var _ = no_grad();
        if (FlatSlice(opt, net) is { } slice) slice.clamp_(-value, value);
        else foreach (var p in net.parameters()) p.clamp_(-value, value);
    }
}
