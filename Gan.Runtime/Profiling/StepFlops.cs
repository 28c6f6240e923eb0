using Gan.Dsl.Ir;
using Gan.Dsl.Layers;

namespace Gan.Runtime.Profiling;

/// <summary>
/// The matmul and convolution FLOPs of training iterations, from the checked shapes (what <c>gan bench</c> compares with
/// the machine's sgemm rate). A network pass costs 2·MACs per sample over its linear, conv2d, conv_transpose2d and
/// modconv2d layers and self-attention's 1×1 convolutions and attention products; elementwise work, normalisation, pooling
/// and spectral norm's power iterations are not counted. Each step's loss is walked as the trainer evaluates it:
/// structurally equal applications are one forward (its memo); a pass whose output is only used detached costs its forward
/// once, any other pass three times (forward, and a backward of about twice the forward: input and weight gradients); a
/// gradient penalty or R1 counts as two such passes (the forward on the interpolates and the double backward), and under
/// <c>fakes: per_iteration</c> a detached output an earlier step computed costs nothing.
/// </summary>
internal static class StepFlops
{
    /// <summary>
    /// FLOPs of iteration <paramref name="t"/> at <paramref name="batch"/>: the steps it runs (with their repeats) summed, from
    /// <paramref name="perStep"/> (<see cref="Steps"/>).
    /// </summary>
    public static double Iteration(ModelIr model, double[] perStep, long t, int batch) =>
        model.Schedule.Order.Select((e, i) => e.RunsAt(t) ? e.Repeat * perStep[i] * batch : 0).Sum();

    /// <summary>Per sample FLOPs of each entry of the step order, in order.</summary>
    public static double[] Steps(ModelIr model)
    {
        var result = new double[model.Schedule.Order.Length];
        var earlier = model.Schedule.FakesPerIteration ? new HashSet<ApplyIr>() : null;
        for (int i = 0; i < result.Length; i++)
        {
            var o = model.Optimizers.First(x => x.Name == model.Schedule.Order[i].Optimizer);
            var walk = new Walk(model, earlier);
            walk.Visit(model.Loss(o.Loss).Expr, detached: false);
            result[i] = walk.Flops();
            earlier?.UnionWith(walk.Applied);
        }
        return result;
    }

    /// <summary>Multiply-accumulates of one forward pass of <paramref name="net"/> for one sample.</summary>
    public static double Macs(NetworkIr net) => net.Nodes.Sum(n => Macs(net, n));

    static double Macs(NetworkIr net, NodeIr node)
    {
        double Out() => Shape.Count(node.Shape);
        double spatial = node.Shape.Length == 3 ? (double)node.Shape[1] * node.Shape[2] : 1;
        switch (node.Op)
        {
            case LinearOp l:
                return (double)l.In * l.Out;
            case Conv2dOp conv:
                return Out() * conv.InChannels * conv.KernelH * conv.KernelW;
            case ConvTranspose2dOp t:
                var input = node.Inputs[0] >= 0 ? net.Nodes[node.Inputs[0]].Shape : net.Inputs[-1 - node.Inputs[0]].Shape;
                return Shape.Count(input) * t.OutChannels * t.KernelH * t.KernelW;
            case Modconv2dOp m:
                return Out() * m.InChannels * m.Kernel * m.Kernel + (double)m.StyleDim * m.InChannels;
            case SelfAttentionOp a:
                // θ and φ (C→C/8), g (C→C/2), o (C/2→C) over n = H·W positions; φ and g pooled to n/4; θᵀφ and attention·g.
                double c = a.Channels, n = spatial;
                return n * c * (c / 8) + n / 4 * c * (c / 8 + c / 2) + n * (c / 2) * c + n * (n / 4) * (c / 8 + c / 2);
            default:
                return 0;
        }
    }

    /// <summary>One step's walk over its loss expression.</summary>
    sealed class Walk(ModelIr model, IReadOnlySet<ApplyIr>? earlier)
    {
        readonly Dictionary<ApplyIr, bool> forwards = [];   // application (output ignored) → whether its backward runs
        readonly HashSet<string> losses = [];
        double penalties;

        public HashSet<ApplyIr> Applied { get; } = [];

        public void Visit(LossExprIr e, bool detached)
        {
            switch (e)
            {
                case LossRefIr r:
                    if (losses.Add(r.Name)) Visit(model.Loss(r.Name).Expr, detached);
                    return;
                case DetachIr { Operand: ApplyIr a } when earlier is not null && earlier.Contains(a):
                    return;
                case DetachIr d:
                    Visit(d.Operand, detached: true);
                    return;
                case ApplyIr a:
                    var key = a with { Output = "" };
                    forwards[key] = forwards.GetValueOrDefault(key) || !detached;
                    Applied.Add(a);
                    break;
                case GradientPenaltyIr gp:
                    penalties += 2 * 3 * Macs(model.Network(gp.Network));
                    break;
                case R1Ir r1:
                    penalties += 2 * 3 * Macs(model.Network(r1.Network));
                    break;
            }
            foreach (var c in e.Children) Visit(c, detached);
        }

        public double Flops() =>
            2 * (penalties + forwards.Sum(kv => (kv.Value ? 3 : 1) * Macs(model.Network(kv.Key.Network))));
    }
}
