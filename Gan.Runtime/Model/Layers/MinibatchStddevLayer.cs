using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Runtime.Errors;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// minibatch_stddev (rosinality stylegan2-pytorch Discriminator): G = min(group, N) (for a last partial batch that G does
/// not divide, the largest size below it that does); x viewed as G × N/G × F × C/F × H × W; σ = √(biased variance over G +
/// 1e-8), averaged over C/F, H, W → N/G × F, repeated to N × F × H × W (sample i gets column i mod N/G) and appended.
/// </summary>
internal sealed class MinibatchStddevLayer(string name, MinibatchStddevOp op) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x)
    {
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        long g = MinibatchStddev.GroupFor(op.Group, (int)n), f = op.Channels;
        var grouped = x.view(g, n / g, f, c / f, h, w);
        var sigma = (grouped.var(0, unbiased: false) + 1e-8).sqrt();          // N/G × F × C/F × H × W
        var perColumn = sigma.mean([2, 3, 4], keepdim: true).squeeze(2);       // N/G × F × 1 × 1
        return cat([x, perColumn.repeat(g, 1, h, w)], 1);                      // N × (C+F) × H × W
    }

    /// <summary>
    /// Refuses a training batch that a minibatch_stddev group does not divide (a --batch override: the checker checked the
    /// schedule's own), naming the layer and the batch sizes that would do.
    /// </summary>
    public static void RefuseBatch(ModelIr model, int batch)
    {
        foreach (var net in model.Networks)
            foreach (var node in net.Nodes)
                if (node.Op is MinibatchStddevOp m && !MinibatchStddev.Divides(m.Group, batch))
                    throw new UserInputException(
                        $"batch {batch} cannot be split into groups of {m.Group} for {net.Name}'s {node.Name} (minibatch_stddev(group: "
                        + $"{m.Group})); use a batch that is a multiple of {m.Group}, "
                        + $"e.g. --batch {Math.Max(m.Group, batch / m.Group * m.Group)}");
    }

    sealed class Builder : LayerBuilder<MinibatchStddevOp>
    {
        protected override nn.Module Build(string name, MinibatchStddevOp op) => new MinibatchStddevLayer(name, op);
    }
}
