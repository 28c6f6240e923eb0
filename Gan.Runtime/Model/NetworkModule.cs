using Gan.Dsl.Ir;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model;

/// <summary>
/// A network built from its IR: one submodule per node, registered under the node's stable name
/// (so parameter names are deterministic, e.g. <c>3_linear.weight</c>). Applying it twice shares weights.
/// </summary>
public sealed class NetworkModule : nn.Module
{
    readonly NetworkIr ir;
    readonly nn.Module<Tensor, Tensor>?[] layers;

    public NetworkIr Ir => ir;

    public NetworkModule(NetworkIr ir) : base(ir.Name)
    {
        this.ir = ir;
        layers = new nn.Module<Tensor, Tensor>?[ir.Nodes.Length];
        foreach (var node in ir.Nodes)
        {
            var m = Build(node);
            layers[node.Id] = m;
            if (m is not null) register_module(node.Name, m);
        }
    }

    static nn.Module<Tensor, Tensor>? Build(NodeIr node) => node.Op switch
    {
        LinearOp op => new LinearLayer(node.Name, op),
        Conv2dOp op => new Conv2dLayer(node.Name, op),
        ConvTranspose2dOp op => new ConvTranspose2dLayer(node.Name, op),
        BatchNormOp op => new BatchNormLayer(node.Name, op),
        LayerNormOp op => nn.LayerNorm(op.Shape.Select(d => (long)d).ToArray(), op.Eps, op.Affine),
        InstanceNormOp op => nn.InstanceNorm2d(op.Features, op.Eps, affine: op.Affine),
        DropoutOp op => nn.Dropout(op.P),
        EmbeddingOp op => Embedding(op),
        ActivationOp op => new FunctionLayer(node.Name, op.Kind switch
        {
            ActivationKind.Relu => (Func<Tensor, Tensor>)(x => F.relu(x)),
            ActivationKind.LeakyRelu => x => F.leaky_relu(x, op.Slope),
            ActivationKind.Elu => x => F.elu(x, op.Slope == 0 ? 1.0 : op.Slope),
            ActivationKind.Gelu => x => F.gelu(x),
            ActivationKind.Tanh => x => x.tanh(),
            ActivationKind.Sigmoid => x => x.sigmoid(),
            _ => x => F.softplus(x),
        }),
        ReshapeOp op => new FunctionLayer(node.Name, x => x.reshape([x.shape[0], .. op.Shape.Select(d => (long)d)])),
        FlattenOp => new FunctionLayer(node.Name, x => x.flatten(1)),
        UpsampleOp op => new FunctionLayer(node.Name, x => F.interpolate(x, scale_factor: [op.Scale, op.Scale],
            mode: op.Mode == "bilinear" ? InterpolationMode.Bilinear : InterpolationMode.Nearest, align_corners: op.Mode == "bilinear" ? false : null)),
        PoolOp { Kind: "avg" } op => new FunctionLayer(node.Name, x => F.avg_pool2d(x, [op.Kernel, op.Kernel], [op.Stride, op.Stride], [op.Padding, op.Padding])),
        PoolOp op => new FunctionLayer(node.Name, x => F.max_pool2d(x, [op.Kernel, op.Kernel], [op.Stride, op.Stride], [op.Padding, op.Padding])),
        GlobalAvgPoolOp => new FunctionLayer(node.Name, x => x.mean([2, 3])),
        ConcatOp => null,                                    // handled in Forward: it has several inputs
        _ => throw new NotSupportedException($"no TorchSharp builder for {node.Op.OpName}"),
    };

    static nn.Module<Tensor, Tensor> Embedding(EmbeddingOp op)
    {
        var e = nn.Embedding(op.Count, op.Dim);
        if (op.Init.Kind != InitKind.Default) Initialise.Apply(e.weight!, null, op.Init, op.Count);
        return e;
    }

    /// <summary>Runs the graph and returns every node's value (index = node id).</summary>
    public Tensor[] Forward(IReadOnlyList<Tensor> inputs)
    {
        var values = new Tensor[ir.Nodes.Length];
        Tensor Get(int r) => r < 0 ? inputs[-1 - r] : values[r];
        foreach (var node in ir.Nodes)
        {
            values[node.Id] = node.Op is ConcatOp
                ? cat(node.Inputs.Select(Get).ToArray(), 1)
                : layers[node.Id]!.call(Get(node.Inputs[0]));
        }
        return values;
    }

    /// <summary>The named output of one application.</summary>
    public Tensor Output(IReadOnlyList<Tensor> inputs, string output) => Forward(inputs)[ir.Outputs[output]];

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
