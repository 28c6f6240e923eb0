using Gan.Dsl.Ir;
using Gan.Runtime.Model.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model;

/// <summary>
/// A network built from its IR: one submodule per node, registered under the node's stable name (so parameter names
/// are deterministic, e.g. <c>3_linear.weight</c>). Applying it twice shares weights. As a <c>Module&lt;Tensor, Tensor&gt;</c>
/// it maps its one input to its default output, so a program can call it, move it, save it or put it in a Sequential;
/// <see cref="Forward"/> gives every node's value for any number of inputs.
/// </summary>
internal sealed class NetworkModule : nn.Module<Tensor, Tensor>
{
    readonly NetworkIr ir;
    readonly nn.Module[] layers;
    readonly int[] lastUse;
    readonly HashSet<int> outputIds;

    public NetworkIr Ir => ir;

    public NetworkModule(NetworkIr ir) : base(ir.Name)
    {
        this.ir = ir;
        lastUse = LastUses(ir);
        outputIds = [.. ir.Outputs.Values];
        layers = new nn.Module[ir.Nodes.Length];
        foreach (var node in ir.Nodes)
        {
            layers[node.Id] = LayerBuilder.For(node.Name, node.Op);
            register_module(node.Name, layers[node.Id]);
        }
    }

    /// <summary>The default output for the network's one input.</summary>
    public override Tensor forward(Tensor x)
    {
        if (ir.Inputs.Length != 1)
            throw new ArgumentException($"network {ir.Name} takes {ir.Inputs.Length} inputs "
                                        + $"({string.Join(", ", ir.Inputs.Select(i => i.Name))}); "
                                        + "call Output(inputs, output) with all of them");
        return Output([x], ir.DefaultOutput);
    }

    /// <summary>Runs the graph and returns every node's value (index = node id).</summary>
    public Tensor[] Forward(IReadOnlyList<Tensor> inputs) => Forward(inputs, null)!;

    /// <summary>
    /// Runs the graph. With <paramref name="keep"/>, each other node's value is disposed as soon as the last node that reads
    /// it has run, so a pass holds only what is still to be read (autograd keeps what a backward needs on its own): its
    /// entry is then null. Without it, every value is returned.
    /// </summary>
    public Tensor?[] Forward(IReadOnlyList<Tensor> inputs, IReadOnlySet<int>? keep)
    {
        var values = new Tensor?[ir.Nodes.Length];
        Tensor Get(int r) => r < 0 ? inputs[-1 - r] : values[r]!;
        foreach (var node in ir.Nodes)
        {
            var value = layers[node.Id] switch
            {
                nn.Module<Tensor, Tensor> one => one.call(Get(node.Inputs[0])),
                nn.Module<Tensor[], Tensor> several => several.call([.. node.Inputs.Select(Get)]),
                var m => throw new InvalidOperationException($"{node.Name}: {m.GetType().Name} is not a layer module"),
            };
            values[node.Id] = value;
            if (keep is null) continue;
            foreach (var r in node.Inputs)
            {
                if (r < 0 || lastUse[r] != node.Id || keep.Contains(r) || values[r] is not { } done) continue;
                // A layer may hand its input on unchanged (the same tensor): never dispose what is still to be returned.
                if (ReferenceEquals(done, value) || keep.Any(k => ReferenceEquals(values[k], done))) continue;
                done.Dispose();
                values[r] = null;
            }
        }
        return values;
    }

    /// <summary>The id of the last node that reads each node's value (its own id when none does).</summary>
    static int[] LastUses(NetworkIr ir)
    {
        var last = ir.Nodes.Select(n => n.Id).ToArray();
        foreach (var node in ir.Nodes)
            foreach (var r in node.Inputs)
                if (r >= 0) last[r] = Math.Max(last[r], node.Id);
        return last;
    }

    /// <summary>
    /// The values to apply the network to: several flat parts for a one-input network are concatenated (one-hot ++ code ++ noise).
    /// </summary>
    public IReadOnlyList<Tensor> JoinInputs(IReadOnlyList<Tensor> parts) =>
        ir.Inputs.Length == 1 && parts.Count > 1 ? [cat(parts.ToArray(), 1)] : parts;

    /// <summary>The named output of one application.</summary>
    public Tensor Output(IReadOnlyList<Tensor> inputs, string output)
    {
        int id = ir.Outputs[output];
        return Forward(inputs, new HashSet<int> { id })[id]!;
    }

    /// <summary>The ids of the network's output nodes: what an application keeps to read any of them.</summary>
    public IReadOnlySet<int> OutputIds => outputIds;

    /// <summary>Freezes (or unfreezes) the running statistics of every BatchNorm layer (schedule bn_stats: own).</summary>
    public void FreezeBatchNormStats(bool frozen)
    {
        foreach (var l in layers.OfType<BatchNormLayer>()) l.FreezeStats = frozen;
    }

    /// <summary>Makes eval-mode BatchNorm use the batch's own statistics (sample { bn: batch }) or the running ones.</summary>
    public void BatchNormStatsInEval(bool batchStats)
    {
        foreach (var l in layers.OfType<BatchNormLayer>()) l.BatchStatsInEval = batchStats;
    }

    /// <summary>Trainable parameter count, for checking against the IR.</summary>
    public long TrainableCount => parameters().Where(p => p.requires_grad).Sum(p => p.numel());
}

/// <summary>One output of a network as a module of its one input (the network registered under <c>net</c>).</summary>
internal sealed class NetworkOutput : nn.Module<Tensor, Tensor>
{
    readonly NetworkModule net;
    readonly string output;

    public NetworkOutput(NetworkModule net, string output) : base($"{net.Ir.Name}.{output}")
    {
        this.net = net;
        this.output = output;
        register_module("net", net);
    }

    public override Tensor forward(Tensor x) => net.Ir.Inputs.Length == 1
        ? net.Output([x], output)
        : throw new ArgumentException($"network {net.Ir.Name} takes {net.Ir.Inputs.Length} inputs; "
                                      + "call it through the network with all of them");
}
