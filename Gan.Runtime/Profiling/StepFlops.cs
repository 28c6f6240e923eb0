using Gan.Dsl.Ir;
using Gan.Dsl.Layers;

namespace Gan.Runtime.Profiling;

/// <summary>
/// The matmul and convolution FLOPs that training iterations execute, from the checked shapes (what <c>gan bench</c>
/// compares with the machine's sgemm rate). A layer's forward costs 2·MACs per sample over linear, conv2d,
/// conv_transpose2d and modconv2d layers and self-attention's 1×1 convolutions and attention products; elementwise work,
/// normalisation, pooling and spectral norm's power iterations are not counted. Each step's loss is walked as the trainer
/// evaluates it: structurally equal applications are one forward (its memo). The backward of a pass costs what autograd
/// runs: a layer of a network the step trains computes its weight gradient (about its forward again), and a layer computes
/// its input gradient (about its forward again) only when its input needs one, that is when the pass's argument carries a
/// gradient or an earlier layer has trainable parameters. So the first layer of D on real data, or of G on a latent,
/// computes no input gradient. A network the step does not train (the trainer freezes it) computes input gradients only,
/// and a pass whose output is only used detached, or whose arguments carry no gradient through a frozen network, costs its
/// forward alone. A gradient penalty or R1 counts as two passes of three forwards (the forward on the interpolates and the
/// double backward), and under <c>fakes: per_iteration</c> a detached output an earlier step computed costs nothing.
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
            var walk = new Walk(model, earlier, o.Networks.ToHashSet());
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

    /// <summary>
    /// The part of <paramref name="node"/>'s backward that is the gradient of its input, per sample: skipped when its input
    /// needs no gradient. A product's input gradient costs its forward again; self-attention's, that of its 1×1 convolutions
    /// of the input; modconv2d's, that of its convolution.
    /// </summary>
    static double InputGradientMacs(NetworkIr net, NodeIr node)
    {
        double spatial = node.Shape.Length == 3 ? (double)node.Shape[1] * node.Shape[2] : 1;
        return node.Op switch
        {
            Modconv2dOp m => Shape.Count(node.Shape) * m.InChannels * m.Kernel * m.Kernel,
            SelfAttentionOp a =>
                spatial * a.Channels * (a.Channels / 8.0) + spatial / 4 * a.Channels * (a.Channels / 8.0 + a.Channels / 2.0),
            _ => Macs(net, node),
        };
    }

    /// <summary>
    /// One pass of <paramref name="net"/> per sample, in MACs: its forward, and per <paramref name="backward"/> (0: none,
    /// 1: the frozen network's input gradients, 2: the trained network's weight and input gradients) what autograd computes,
    /// given which of its inputs <paramref name="carries"/> a gradient.
    /// </summary>
    internal static double PassMacs(NetworkIr net, int backward, IReadOnlyList<bool> carries)
    {
        double total = 0;
        var needs = new bool[net.Nodes.Length];    // whether the node's output needs a gradient
        for (int i = 0; i < net.Nodes.Length; i++)
        {
            var node = net.Nodes[i];
            double macs = Macs(net, node);
            bool input = backward > 0 && node.Inputs.Any(k => k >= 0 ? needs[k] : carries[-1 - k]);
            bool weights = backward == 2 && node.Parameters > 0;
            needs[i] = input || weights;
            total += macs;
            if (weights) total += 2 * macs - InputGradientMacs(net, node);
            if (input) total += weights ? InputGradientMacs(net, node) : macs;
        }
        return total;
    }

    /// <summary>One step's walk over its loss expression.</summary>
    sealed class Walk(ModelIr model, IReadOnlySet<ApplyIr>? earlier, IReadOnlySet<string> trained)
    {
        // application (output ignored) → its backward, as PassMacs takes it: 0 none, 1 input gradients (frozen), 2 weight and
        // input gradients
        readonly Dictionary<ApplyIr, int> passes = [];
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
                    int backward = detached ? 0 : trained.Contains(a.Network) ? 2 : a.Args.Any(CarriesGradient) ? 1 : 0;
                    passes[key] = Math.Max(passes.GetValueOrDefault(key), backward);
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

        /// <summary>Whether <paramref name="e"/>'s value depends on a network the step trains other than through detach().</summary>
        bool CarriesGradient(LossExprIr e) => e switch
        {
            DetachIr => false,
            ApplyIr a when trained.Contains(a.Network) => true,
            LossRefIr r => CarriesGradient(model.Loss(r.Name).Expr),
            GradientPenaltyIr or R1Ir => true,
            _ => e.Children.Any(CarriesGradient),
        };

        public double Flops() => 2 * (penalties + passes.Sum(kv =>
        {
            var net = model.Network(kv.Key.Network);
            // One input joins every argument (latent parts are concatenated); otherwise the arguments fill the inputs in order.
            bool[] carries = net.Inputs.Length == 1 ? [kv.Key.Args.Any(CarriesGradient)] : [.. kv.Key.Args.Select(CarriesGradient)];
            return PassMacs(net, kv.Value, carries);
        }));
    }
}
