using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>BatchNorm with independent scale (γ) and shift (β), as TF-slim (shift only) and Keras (both) need.</summary>
internal sealed class BatchNormLayer : nn.Module<Tensor, Tensor>
{
    readonly BatchNormOp op;
    readonly Parameter? weight, bias;
    // Field names equal the registered buffer names: Module.to(device or dtype) replaces registered
    // tensors and updates the fields of the same name (other fields would keep disposed handles).
#pragma warning disable IDE1006
    readonly Tensor running_mean, running_var, num_batches_tracked;
#pragma warning restore IDE1006

    public BatchNormLayer(string name, BatchNormOp op) : base(name)
    {
        this.op = op;
        if (op.Scale) { weight = new Parameter(ones(op.Features)); register_parameter("weight", weight); }
        if (op.Shift) { bias = new Parameter(zeros(op.Features)); register_parameter("bias", bias); }
        running_mean = zeros(op.Features);
        running_var = ones(op.Features);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        // PyTorch's counter (int64, shape []): the running statistics' updates so far; it travels with exported weights.
        num_batches_tracked = tensor(0L);
        register_buffer("num_batches_tracked", num_batches_tracked);
    }

    /// <summary>When set, a training forward normalises with batch statistics but leaves the running ones alone.</summary>
    public bool FreezeStats { get; set; }

    /// <summary>When set, an eval-mode forward normalises with batch statistics (sample { bn: batch }).</summary>
    public bool BatchStatsInEval { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (training && !FreezeStats)
        {
            using (no_grad()) num_batches_tracked.add_(1);
            return F.batch_norm(x, running_mean, running_var, weight, bias, true, op.Momentum, op.Eps);
        }
        if (training || BatchStatsInEval)
            return F.batch_norm(x, null, null, weight, bias, true, op.Momentum, op.Eps);   // batch statistics, no update
        return F.batch_norm(x, running_mean, running_var, weight, bias, false, op.Momentum, op.Eps);
    }

    sealed class Builder : LayerBuilder<BatchNormOp>
    {
        protected override nn.Module Build(string name, BatchNormOp op) => new BatchNormLayer(name, op);
    }
}
