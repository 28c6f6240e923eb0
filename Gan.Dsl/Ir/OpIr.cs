using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>Initialiser formula for a layer's weight (bias is zero unless <see cref="Kind"/> is Default).</summary>
internal enum InitKind
{
    /// <summary>The backend framework's own default (PyTorch: kaiming_uniform(a=√5), bias U(±1/√fan_in)).</summary>
    Default,
    /// <summary>Glorot's uniform initialiser, times Gain (1 when unset).</summary>
    XavierUniform,
    /// <summary>Glorot's normal initialiser, times Gain (1 when unset).</summary>
    XavierNormal,
    KaimingUniform,
    KaimingNormal,
    /// <summary>N(Mean, Std²).</summary>
    Normal,
    /// <summary>N(0, Gain / fan_in): std = √(Gain / fan_in).</summary>
    NormalFanIn,
    Zeros,
    /// <summary>A (semi-)orthogonal matrix of the weight flattened to rows = its first dimension, times Gain (1 when unset).</summary>
    Orthogonal,
}

internal sealed record InitIr(InitKind Kind, double Mean = 0, double Std = 0, double Gain = 0)
{
    public static readonly InitIr Default = new(InitKind.Default);
}

/// <summary>
/// A layer operation with every argument resolved. Each layer kind declares its own op beside its descriptor
/// (Gan.Dsl/Layers/&lt;Kind&gt;.cs); the runtime builds one module per op type.
/// </summary>
/// <param name="OpName">the layer kind's name.</param>
internal abstract record OpIr(string OpName);
