using System.Globalization;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;

namespace Gan.Dsl.Emit.PyTorch;

/// <summary>
/// One op as PyTorch: the module it needs (a constructor of a class in gandsl_layers.py, or null for a function of its inputs)
/// and its forward expression over the Python names of its inputs (<c>m</c> is the node's module). Every op type the
/// runtime builds has a case here; the meta-test checks it. The formulas follow the TorchSharp modules in
/// Gan.Runtime/Model/Layers, argument for argument, never PyTorch's defaults.
/// </summary>
internal static class PyOps
{
    /// <summary>The module constructor, or null when the op has no parameters or buffers.</summary>
    public static string? Module(OpIr op) => op switch
    {
        LinearOp o => $"Linear({o.In}, {o.Out}, {Py(o.Bias)}, {Init(o.Init)}, {Sn(o.SpectralNorm, o.PowerIterations)}, "
                      + $"{Equalized(o.Equalized)})",
        Conv2dOp o => $"Conv2d({o.InChannels}, {o.OutChannels}, ({o.KernelH}, {o.KernelW}), ({o.StrideH}, {o.StrideW}), "
                      + $"({o.PadTop}, {o.PadBottom}, {o.PadLeft}, {o.PadRight}), {o.Dilation}, {Py(o.Bias)}, {Init(o.Init)}, "
                      + $"{Sn(o.SpectralNorm, o.PowerIterations)}, {Equalized(o.Equalized)})",
        ConvTranspose2dOp o => $"ConvTranspose2d({o.InChannels}, {o.OutChannels}, ({o.KernelH}, {o.KernelW}), ({o.StrideH}, {o.StrideW}), "
                               + $"({o.CropTop}, {o.CropBottom}, {o.CropLeft}, {o.CropRight}), {Py(o.Bias)}, {Init(o.Init)}, "
                               + $"{Sn(o.SpectralNorm, o.PowerIterations)})",
        EmbeddingOp o => $"Embedding({o.Count}, {o.Dim}, {Init(o.Init)}, {Sn(o.SpectralNorm, o.PowerIterations)})",
        BatchNormOp o => $"BatchNorm({o.Features}, {Num(o.Eps)}, {Num(o.Momentum)}, {Py(o.Scale)}, {Py(o.Shift)})",
        InstanceNormOp o => $"nn.InstanceNorm2d({o.Features}, eps={Num(o.Eps)}, affine={Py(o.Affine)})",
        LayerNormOp o => $"nn.LayerNorm([{string.Join(", ", o.Shape)}], eps={Num(o.Eps)}, elementwise_affine={Py(o.Affine)})",
        FilmOp o => $"Film({o.Features}, {o.Channels}, {Py(o.ByLabel)}, {Py(o.Bias)}, {Init(o.Init)}, "
                    + $"{Sn(o.SpectralNorm, o.PowerIterations)})",
        SelfAttentionOp o => $"SelfAttention({o.Channels}, {Init(o.Init)}, {Sn(o.SpectralNorm, o.PowerIterations)})",
        Modconv2dOp o => $"ModConv2d({o.InChannels}, {o.OutChannels}, {o.Kernel}, {o.StyleDim}, {Py(o.Demodulate)}, {Py(o.Bias)})",
        NoiseOp => "Noise()",
        ConstOp o => $"Const({o.Channels}, {o.Height}, {o.Width})",
        _ => null,
    };

    /// <summary>The forward expression: <paramref name="x"/> are the inputs' names in order, <paramref name="m"/> the module.</summary>
    public static string Forward(OpIr op, IReadOnlyList<string> x, string m) => op switch
    {
        ActivationOp a => a.Kind switch
        {
            ActivationKind.Relu => $"F.relu({x[0]})",
            ActivationKind.LeakyRelu => $"F.leaky_relu({x[0]}, {Num(a.Slope)})",
            ActivationKind.Elu => $"F.elu({x[0]}, {Num(a.Slope)})",
            ActivationKind.Gelu => $"F.gelu({x[0]})",
            ActivationKind.Tanh => $"torch.tanh({x[0]})",
            ActivationKind.Sigmoid => $"torch.sigmoid({x[0]})",
            ActivationKind.Softplus => $"F.softplus({x[0]})",
            _ => throw new NotSupportedException($"activation {a.Kind} has no PyTorch form"),
        },
        AddOp => string.Join(" + ", x),
        ConcatOp c => $"torch.cat([{string.Join(", ", x)}], {c.Axis})",
        DropoutOp d => $"dropout({x[0]}, {Num(d.P)}, self.training)",
        FlattenOp => $"torch.flatten({x[0]}, 1)",
        GlobalAvgPoolOp => $"{x[0]}.mean((2, 3))",
        MinibatchStddevOp s => $"minibatch_stddev({x[0]}, {s.Group}, {s.Channels})",
        MulOp mul => mul.Broadcast ? $"{x[0]} * {x[1]}[:, :, None, None]" : $"{x[0]} * {x[1]}",
        PixelNormOp p => $"{x[0]} / ({x[0]}.square().mean(1, keepdim=True) + {Num(p.Eps)}).sqrt()",
        PoolOp p => $"F.{p.Kind}_pool2d({x[0]}, {p.Kernel}, {p.Stride}, {p.Padding})",
        ReshapeOp r => $"{x[0]}.reshape({x[0]}.shape[0], {string.Join(", ", r.Shape)})",
        ScaleOp s => $"{x[0]} * {Num(s.Factor)}",
        SumOp s => s.Spatial ? $"{x[0]}.sum((2, 3))" : $"{x[0]}.sum(1, keepdim=True)",
        UpsampleOp u => u.Mode == "bilinear"
            ? $"F.interpolate({x[0]}, scale_factor={u.Scale}.0, mode=\"bilinear\", align_corners=False)"
            : $"F.interpolate({x[0]}, scale_factor={u.Scale}.0, mode=\"nearest\")",
        _ when Module(op) is not null => $"{m}({string.Join(", ", x)})",
        _ => throw new NotSupportedException($"{op.OpName} has no PyTorch form"),
    };

    /// <summary>A number as a Python literal that reads back to the same double.</summary>
    public static string Num(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s : s + ".0";
    }

    public static string Py(bool b) => b ? "True" : "False";

    static string Sn(bool on, int iterations) => on ? iterations.ToString(CultureInfo.InvariantCulture) : "0";

    static string Equalized(EqualizedIr? e) => e is null ? "None" : $"({Num(e.LrMul)}, {Num(e.BiasInit)})";

    /// <summary>The initialiser as gandsl_layers.init_weight reads it: (kind, mean, std, gain).</summary>
    static string Init(InitIr i)
    {
        string kind = i.Kind switch
        {
            InitKind.Default => "default",
            InitKind.XavierUniform => "xavier_uniform",
            InitKind.XavierNormal => "xavier_normal",
            InitKind.KaimingUniform => "kaiming_uniform",
            InitKind.KaimingNormal => "kaiming_normal",
            InitKind.Normal => "normal",
            InitKind.NormalFanIn => "normal_fan_in",
            InitKind.Zeros => "zeros",
            InitKind.Orthogonal => "orthogonal",
            _ => throw new NotSupportedException($"initialiser {i.Kind} has no PyTorch form"),
        };
        return $"(\"{kind}\", {Num(i.Mean)}, {Num(i.Std)}, {Num(i.Gain)})";
    }
}
