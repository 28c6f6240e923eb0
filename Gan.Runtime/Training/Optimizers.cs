using Gan.Dsl.Ir;
using Gan.Runtime.Model;
using TorchSharp;
using TorchSharp.Modules;

namespace Gan.Runtime.Training;

/// <summary>The optimiser an <see cref="OptimizerIr"/> describes, over the trainable parameters of the networks it updates.</summary>
internal static class Optimizers
{
    public static OptimizerHelper Make(OptimizerIr o, IReadOnlyDictionary<string, NetworkModule> nets)
    {
        var ps = o.Networks.SelectMany(n => nets[n].parameters()).Where(p => p.requires_grad).ToList();
        return o.Kind switch
        {
            OptimizerKind.Adam => torch.optim.Adam(ps, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay),
            OptimizerKind.RmsProp => torch.optim.RMSProp(ps, o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum),
            _ => torch.optim.SGD(ps, o.Lr, o.Momentum, weight_decay: o.WeightDecay),
        };
    }
}
