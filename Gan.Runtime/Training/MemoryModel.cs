using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Runtime.Data;

namespace Gan.Runtime.Training;

/// <summary>
/// The memory a training run needs, worked out from the checked shapes before anything is allocated (float32 throughout):
/// parameters with their buffers, gradients, optimiser state, the activations each step keeps for its backward at the
/// batch, the dataset as the loaders hold it, and the process's own footprint. Every figure is in bytes, as a double so
/// that an absurd batch cannot overflow. bench/RESULTS.md ("Memory estimate") compares it with measured peaks.
/// </summary>
internal static class MemoryModel
{
    const double Float = 4;

    /// <summary>
    /// The process before any model: the .NET runtime, the CLI and libtorch's CPU library with its thread pools, as measured
    /// (peak RSS of `gan train specs/gaussian2d.gan --steps 20`, whose data and networks are a few kilobytes; bench/RESULTS.md).
    /// </summary>
    public const double RuntimeBytes = 200 * (double)(1 << 20);

    /// <summary>The node a figure names: network, index and kind, output shape and its share of the total.</summary>
    public sealed record Layer(string Network, int Index, string Kind, string Shape, double Bytes);

    /// <summary>The parts of one estimate (see <see cref="MemoryEstimate"/> for their meaning).</summary>
    public sealed record Parts(double Parameters, double Gradients, double OptimizerState, double Activations, double Data,
                               Layer Largest);

    public static Parts Estimate(ModelIr model, int batch)
    {
        var steps = StepApplications.Of(model);
        // The step scope frees a step's activations before the next step: the peak is the largest step.
        var peak = steps.MaxBy(s => StepActivations(model, s, batch))!;
        double activations = StepActivations(model, peak, batch) + Backward(model, peak, batch);
        // EMA copies (ema:) hold the weights and buffers of their network once more; no gradients, no optimiser state.
        double parameters = model.Networks.Concat(model.Schedule.Emas.Select(e => model.Network(e.Network)))
                                 .Sum(n => n.Nodes.Sum(x => (x.Parameters + Buffers(x.Op)) * Float));
        // Backward fills every trainable parameter's gradient (a G step's also fills D's): each keeps one.
        double gradients = model.TotalParameters * Float;
        double state = model.Optimizers.Sum(o => Slots(o) * o.Networks.Sum(n => model.Network(n).Parameters) * Float);
        return new Parts(parameters, gradients, state, activations, DataBytes(model.Data, batch), Largest(model, steps, batch));
    }

    /// <summary>Float32 state tensors per parameter: Adam two moments, RMSprop the square average (and momentum), SGD momentum.</summary>
    public static int Slots(OptimizerIr o) => o.Kind switch
    {
        OptimizerKind.Adam => 2,
        OptimizerKind.RmsProp => o.Momentum > 0 ? 2 : 1,
        _ => o.Momentum > 0 ? 1 : 0,
    };

    /// <summary>Non-trainable tensors a layer holds: BatchNorm running mean and variance, spectral norm's u and v.</summary>
    public static long Buffers(OpIr op) => op switch
    {
        BatchNormOp b => 2L * b.Features,
        LinearOp { SpectralNorm: true } l => (long)l.Out + l.In,
        Conv2dOp { SpectralNorm: true } c => c.OutChannels + (long)c.InChannels * c.KernelH * c.KernelW,
        ConvTranspose2dOp { SpectralNorm: true } t => t.OutChannels + (long)t.InChannels * t.KernelH * t.KernelW,
        EmbeddingOp { SpectralNorm: true } e => (long)e.Count + e.Dim,
        // θ, φ (C/8 + C each), g (C/2 + C) and o (C + C/2): u and v of its four 1×1 convolutions.
        SelfAttentionOp { SpectralNorm: true } a => 2 * (a.Channels / 8 + (long)a.Channels) + 2 * (a.Channels / 2 + (long)a.Channels),
        _ => 0,
    };

    /// <summary>
    /// Bytes a node's output takes per sample: none for reshape and flatten (views), twice the output for dropout (its
    /// mask), the output for every other op (kept by the step's dispose scope, and read by the backward).
    /// </summary>
    public static double PerSample(NodeIr node) => node.Op switch
    {
        ReshapeOp or FlattenOp => 0,
        DropoutOp => 2 * Shape.Count(node.Shape) * Float,
        SelfAttentionOp => SelfAttentionPerSample(node.Shape) * Float,
        // Per-sample weights: W·s and, demodulated, W·s·d (out·in·k² each), kept for the backward, beside the output.
        Modconv2dOp m => ((m.Demodulate ? 2.0 : 1.0) * m.OutChannels * m.InChannels * m.Kernel * m.Kernel
                          + Shape.Count(node.Shape)) * Float,
        _ => Shape.Count(node.Shape) * Float,
    };

    /// <summary>
    /// The values self-attention keeps per sample on C×H×W (n = H·W): θ (C/8·n), φ and g before and after pooling
    /// (5C/8·n), the n×n/4 attention before and after its softmax, the attended C/2·n, o's C·n and the output C·n.
    /// </summary>
    static double SelfAttentionPerSample(IReadOnlyList<int> shape)
    {
        double c = shape[0], n = (double)shape[1] * shape[2];
        return c / 8 * n + 5 * c / 8 * n * 1.25 + 2 * n * n / 4 + c / 2 * n + 2 * c * n;
    }

    /// <summary>One forward pass of a network at the batch: its inputs and every node's output.</summary>
    public static double Pass(NetworkIr net, int batch) =>
        batch * (net.Inputs.Sum(i => Shape.Count(i.Shape) * Float) + net.Nodes.Sum(PerSample));

    static double StepActivations(ModelIr model, StepApplications.Step step, int batch) =>
        step.Passes.Sum(kv => kv.Value * Pass(model.Network(kv.Key), batch));

    /// <summary>
    /// The backward's working set on top of the saved activations: the gradient of a node's output and of its input are
    /// alive together, so about twice the largest output of the step's networks.
    /// </summary>
    static double Backward(ModelIr model, StepApplications.Step step, int batch) =>
        2 * batch * step.Passes.Keys.Max(n => model.Network(n).Nodes.Select(PerSample).DefaultIfEmpty(0).Max());

    /// <summary>
    /// The layer that costs most: its parameters with their gradients and optimiser state, plus its outputs at the batch
    /// times the most passes any one step makes through its network.
    /// </summary>
    static Layer Largest(ModelIr model, IReadOnlyList<StepApplications.Step> steps, int batch)
    {
        Layer? best = null;
        foreach (var net in model.Networks)
        {
            double passes = steps.Max(s => s.Passes.GetValueOrDefault(net.Name));
            int slots = 2 + model.Optimizers.Where(o => o.Networks.Contains(net.Name)).Sum(Slots);
            foreach (var node in net.Nodes)
            {
                double bytes = node.Parameters * Float * slots + Buffers(node.Op) * Float + passes * batch * PerSample(node);
                if (best is null || bytes > best.Bytes)
                    best = new Layer(net.Name, node.Id, node.Op.OpName, Shape.Show(node.Shape), bytes);
            }
        }
        return best ?? new Layer("", 0, "", "", 0);
    }

    /// <summary>
    /// The dataset as the loaders hold it (float32 samples, int64 labels), the temporary copies they make while reading it
    /// (the file's bytes, read and sliced; a resize's intermediate tensors), and a few batches in flight (the batch being
    /// trained on, the next one gathered ahead, the one on its way to a tensor).
    /// </summary>
    public static double DataBytes(DataIr data, int batch)
    {
        double sample = Shape.Count(data.Shape) * Float;
        double batches = 3.0 * batch * sample;
        switch (data)
        {
            case MnistDataIr m:
                return IdxBytes(m.Split, m.Size, m.Resize, sample) + batches;
            case FashionMnistDataIr f:
                return IdxBytes(f.Split, f.Size, f.Resize, sample) + batches;
            case ImageDataIr f:
                return ImageCount(f) * sample + batches;
            case Gaussian2dDataIr g:
                return g.Count * sample + batches;
            default:
                return batches;
        }
    }

    /// <summary>An MNIST-layout split as loaded: 60,000 or 10,000 samples with labels, the file read twice, a resize's tensors.</summary>
    static double IdxBytes(string split, int size, string resize, double sample)
    {
        double n = split == "test" ? 10_000 : 60_000, raw = n * 28 * 28;
        double resized = size == 28 || resize == "pad" ? 0 : raw * Float + 2 * n * sample;
        return n * (sample + 8) + 2 * raw + resized;
    }

    /// <summary>How many images the loader will read: the emoji set's known count, or the folder's image files now.</summary>
    static long ImageCount(ImageDataIr f)
    {
        if (f is EmojiDataIr) return DataCache.EmojiCount;
        try { return ImageFolder.ImageFiles(ImageData.FolderPath((ImageFolderDataIr)f)).Length; }
        catch (Errors.UserInputException) { return 0; }   // the loader reports the missing folder with its own message
    }
}
