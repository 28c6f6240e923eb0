using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>Initialiser formula for a layer's weight (bias is zero unless <see cref="Kind"/> is Default).</summary>
public enum InitKind
{
    /// <summary>The backend framework's own default (PyTorch: kaiming_uniform(a=√5), bias U(±1/√fan_in)).</summary>
    Default,
    XavierUniform,
    XavierNormal,
    KaimingUniform,
    KaimingNormal,
    /// <summary>N(Mean, Std²).</summary>
    Normal,
    /// <summary>N(0, Gain / fan_in): std = √(Gain / fan_in).</summary>
    NormalFanIn,
    Zeros,
}

public sealed record InitIr(InitKind Kind, double Mean = 0, double Std = 0, double Gain = 0)
{
    public static readonly InitIr Default = new(InitKind.Default);
}

/// <summary>A layer operation with every argument resolved.</summary>
public abstract record OpIr
{
    public abstract string OpName { get; }
}

public sealed record LinearOp(int In, int Out, bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "linear"; }

/// <summary>2-D convolution; padding is explicit per side (TF 'same' may be asymmetric: bottom/right get the extra).</summary>
public sealed record Conv2dOp(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
                              int PadTop, int PadBottom, int PadLeft, int PadRight, int Dilation, bool Bias,
                              InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "conv2d"; }

/// <summary>
/// Transposed convolution computed with padding 0, then cropped by CropTop/Bottom/Left/Right (which may be
/// negative: extra zero rows, as TF 'same' needs when out = in·stride exceeds the full output).
/// </summary>
public sealed record ConvTranspose2dOp(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
                                       int CropTop, int CropBottom, int CropLeft, int CropRight, bool Bias,
                                       InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "conv_transpose2d"; }

/// <summary>BatchNorm over channels (Rank 1: N×C, Rank 2: N×C×H×W). Momentum is PyTorch's (1 − TF decay).</summary>
public sealed record BatchNormOp(int Features, int Rank, double Eps, double Momentum, bool Scale, bool Shift) : OpIr
{ public override string OpName => "batchnorm"; }

public sealed record LayerNormOp(ImmutableArray<int> Shape, double Eps, bool Affine) : OpIr
{ public override string OpName => "layernorm"; }

public sealed record InstanceNormOp(int Features, double Eps, bool Affine) : OpIr
{ public override string OpName => "instancenorm"; }

public sealed record DropoutOp(double P) : OpIr
{ public override string OpName => "dropout"; }

public enum ActivationKind { Relu, LeakyRelu, Elu, Gelu, Tanh, Sigmoid, Softplus }

public sealed record ActivationOp(ActivationKind Kind, double Slope) : OpIr
{
    public override string OpName => Kind switch
    {
        ActivationKind.Relu => "relu", ActivationKind.LeakyRelu => "leaky_relu", ActivationKind.Elu => "elu",
        ActivationKind.Gelu => "gelu", ActivationKind.Tanh => "tanh", ActivationKind.Sigmoid => "sigmoid",
        _ => "softplus",
    };
}

/// <summary>Reshape to Shape (without batch); row-major, as PyTorch's view.</summary>
public sealed record ReshapeOp(ImmutableArray<int> Shape) : OpIr
{ public override string OpName => "reshape"; }

public sealed record FlattenOp : OpIr
{ public override string OpName => "flatten"; }

/// <summary>Concatenation of the node's inputs along Axis (1 = the first non-batch dimension).</summary>
public sealed record ConcatOp(int Axis) : OpIr
{ public override string OpName => "concat"; }

public sealed record EmbeddingOp(int Count, int Dim, InitIr Init) : OpIr
{ public override string OpName => "embedding"; }

public sealed record UpsampleOp(int Scale, string Mode) : OpIr
{ public override string OpName => "upsample"; }

public sealed record PoolOp(string Kind, int Kernel, int Stride, int Padding) : OpIr
{ public override string OpName => Kind + "pool"; }

public sealed record GlobalAvgPoolOp : OpIr
{ public override string OpName => "global_avgpool"; }
