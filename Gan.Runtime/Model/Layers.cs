using Gan.Dsl.Ir;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model;

/// <summary>Weight initialisation by formula (the IR names each one).</summary>
public static class Initialise
{
    public static void Apply(Parameter weight, Parameter? bias, InitIr init, long fanIn)
    {
        using var _ = no_grad();
        switch (init.Kind)
        {
            case InitKind.Default: return;                       // the layer's own PyTorch default
            case InitKind.XavierUniform: nn.init.xavier_uniform_(weight); break;
            case InitKind.XavierNormal: nn.init.xavier_normal_(weight); break;
            case InitKind.KaimingUniform: nn.init.kaiming_uniform_(weight); break;
            case InitKind.KaimingNormal: nn.init.kaiming_normal_(weight); break;
            case InitKind.Normal: nn.init.normal_(weight, init.Mean, init.Std); break;
            case InitKind.NormalFanIn: nn.init.normal_(weight, init.Mean, Math.Sqrt(init.Gain / fanIn)); break;
            case InitKind.Zeros: nn.init.zeros_(weight); break;
        }
        if (bias is not null) nn.init.zeros_(bias);
    }
}

/// <summary>
/// Spectral normalisation (Miyato et al.; PyTorch's spectral_norm): W / σ with σ = uᵀ W v, where u and v
/// are persistent buffers (saved in checkpoints) refined by <c>iterations</c> power-iteration steps per
/// training forward, without gradient. σ is differentiated through W only, u and v being constants.
/// </summary>
public sealed class SpectralNormalizer : nn.Module
{
    readonly Tensor u, v;
    readonly int iterations, dim;

    /// <param name="weight">the layer's weight; u and v start from 15 power iterations on it.</param>
    /// <param name="dim">the output dimension of the weight (rows): 0, or 1 for a transposed convolution (in×out×k×k), as PyTorch.</param>
    public SpectralNormalizer(string name, Tensor weight, int iterations, int dim = 0) : base(name)
    {
        this.iterations = iterations;
        this.dim = dim;
        long rows = weight.shape[dim];
        u = F.normalize(randn(rows), dim: 0);
        v = zeros(weight.numel() / rows);
        register_buffer("u", u);
        register_buffer("v", v);
        PowerIterations(weight, 15);
    }

    void PowerIterations(Tensor weight, int n)
    {
        using var _ = no_grad();
        var w = Matrix(weight);                                   // rows × cols
        for (int i = 0; i < n; i++)
        {
            v.copy_(F.normalize(w.t().mv(u), dim: 0));
            u.copy_(F.normalize(w.mv(v), dim: 0));
        }
    }

    Tensor Matrix(Tensor weight) => dim == 0 ? weight.reshape(weight.shape[0], -1) : weight.transpose(0, dim).reshape(weight.shape[dim], -1);

    /// <summary>Returns W/σ.</summary>
    public Tensor Normalise(Tensor weight)
    {
        if (training) PowerIterations(weight, iterations);
        // Copies, as PyTorch: a later forward's power iteration updates u and v in place, and this
        // forward's backward still needs the values it used.
        var (uu, vv) = training ? (u.clone(), v.clone()) : (u, v);
        var sigma = uu.dot(Matrix(weight).mv(vv));                // scalar; u, v constants
        return weight / sigma;
    }
}

/// <summary>linear with optional spectral norm.</summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly SpectralNormalizer? sn;

    public LinearLayer(string name, LinearOp op) : base(name)
    {
        var l = nn.Linear(op.In, op.Out, op.Bias);
        weight = l.weight!;
        bias = op.Bias ? l.bias : null;
        Initialise.Apply(weight, bias, op.Init, op.In);
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
        if (op.SpectralNorm) { sn = new SpectralNormalizer("sn", weight, op.PowerIterations); register_module("sn", sn); }
    }

    public override Tensor forward(Tensor x) => F.linear(x, sn is null ? weight : sn.Normalise(weight), bias);   // N×out
}

/// <summary>conv2d with explicit (possibly asymmetric) padding, applied with F.pad before a padding-0 conv.</summary>
public sealed class Conv2dLayer : nn.Module<Tensor, Tensor>
{
    readonly Conv2dOp op;
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly SpectralNormalizer? sn;
    readonly bool symmetric;

    public Conv2dLayer(string name, Conv2dOp op) : base(name)
    {
        this.op = op;
        var c = nn.Conv2d(op.InChannels, op.OutChannels, (op.KernelH, op.KernelW), bias: op.Bias);
        weight = c.weight!;
        bias = op.Bias ? c.bias : null;
        Initialise.Apply(weight, bias, op.Init, (long)op.InChannels * op.KernelH * op.KernelW);
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
        if (op.SpectralNorm) { sn = new SpectralNormalizer("sn", weight, op.PowerIterations); register_module("sn", sn); }
        symmetric = op.PadTop == op.PadBottom && op.PadLeft == op.PadRight;
    }

    public override Tensor forward(Tensor x)
    {
        var w = sn is null ? weight : sn.Normalise(weight);
        if (symmetric)
            return F.conv2d(x, w, bias, strides: [op.StrideH, op.StrideW], padding: [op.PadTop, op.PadLeft], dilation: [op.Dilation, op.Dilation]);
        var padded = F.pad(x, [op.PadLeft, op.PadRight, op.PadTop, op.PadBottom]);     // N×C×(H+pt+pb)×(W+pl+pr)
        return F.conv2d(padded, w, bias, strides: [op.StrideH, op.StrideW], dilation: [op.Dilation, op.Dilation]);
    }
}

/// <summary>conv_transpose2d computed with padding 0, then cropped (negative crop pads with zeros), as the IR states.</summary>
public sealed class ConvTranspose2dLayer : nn.Module<Tensor, Tensor>
{
    readonly ConvTranspose2dOp op;
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly SpectralNormalizer? sn;

    public ConvTranspose2dLayer(string name, ConvTranspose2dOp op) : base(name)
    {
        this.op = op;
        var c = nn.ConvTranspose2d(op.InChannels, op.OutChannels, (op.KernelH, op.KernelW), bias: op.Bias);
        weight = c.weight!;                                                            // in×out×kH×kW
        bias = op.Bias ? c.bias : null;
        Initialise.Apply(weight, bias, op.Init, (long)op.OutChannels * op.KernelH * op.KernelW);
        register_parameter("weight", weight);
        if (bias is not null) register_parameter("bias", bias);
        if (op.SpectralNorm) { sn = new SpectralNormalizer("sn", weight, op.PowerIterations, dim: 1); register_module("sn", sn); }
    }

    public override Tensor forward(Tensor x)
    {
        var w = sn is null ? weight : sn.Normalise(weight);
        if (op.CropTop == op.CropBottom && op.CropLeft == op.CropRight && op.CropTop >= 0 && op.CropLeft >= 0)
            return F.conv_transpose2d(x, w, bias, strides: [op.StrideH, op.StrideW], padding: [op.CropTop, op.CropLeft]);
        var full = F.conv_transpose2d(x, w, bias, strides: [op.StrideH, op.StrideW]);  // N×C×((H−1)s+k)×…
        return F.pad(full, [-op.CropLeft, -op.CropRight, -op.CropTop, -op.CropBottom]);  // negative pad crops
    }
}

/// <summary>BatchNorm with independent scale (γ) and shift (β), as TF-slim (shift only) and Keras (both) need.</summary>
public sealed class BatchNormLayer : nn.Module<Tensor, Tensor>
{
    readonly BatchNormOp op;
    readonly Parameter? weight, bias;
    // Field names equal the registered buffer names: Module.to(device or dtype) replaces registered
    // tensors and updates the fields of the same name (other fields would keep disposed handles).
#pragma warning disable IDE1006
    readonly Tensor running_mean, running_var;
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
    }

    /// <summary>When set, a training forward normalises with batch statistics but leaves the running ones alone.</summary>
    public bool FreezeStats { get; set; }

    /// <summary>When set, an eval-mode forward normalises with batch statistics (sample { bn: batch }).</summary>
    public bool BatchStatsInEval { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (training && !FreezeStats) return F.batch_norm(x, running_mean, running_var, weight, bias, true, op.Momentum, op.Eps);
        if (training || BatchStatsInEval) return F.batch_norm(x, null, null, weight, bias, true, op.Momentum, op.Eps);   // batch statistics, no update
        return F.batch_norm(x, running_mean, running_var, weight, bias, false, op.Momentum, op.Eps);
    }
}

/// <summary>Ops without parameters.</summary>
public sealed class FunctionLayer(string name, Func<Tensor, Tensor> f) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x) => f(x);
}
