using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

internal enum ActivationKind { Relu, LeakyRelu, Elu, Gelu, Tanh, Sigmoid, Softplus }

/// <summary>An element-wise activation; Slope is leaky_relu's negative slope or elu's alpha.</summary>
internal sealed record ActivationOp(ActivationKind Kind, double Slope) : OpIr(Activations.Name(Kind));

/// <summary>One activation kind: an element-wise function with at most one number argument.</summary>
internal sealed class Activation(ActivationKind kind, string summary, Param? argument = null)
    : OpLayerKind<ActivationOp>(Activations.Name(kind), summary, argument is null ? [] : [argument])
{
    public override ActivationOp? Configure(LayerArgs a) => new(kind, argument is null ? 0 : a.Num(argument.Name));
    public override ShapeResult Shape(ActivationOp c, Operand x) => ShapeResult.Of(x.Shape);
}

/// <summary>The activation kinds.</summary>
internal static class Activations
{
    public static readonly Activation Relu = new(ActivationKind.Relu, "max(x, 0); shape unchanged");
    public static readonly Activation LeakyRelu = new(ActivationKind.LeakyRelu,
        "x if x > 0 else slope·x (slope 0.01); shape unchanged",
        new Param("slope", ArgType.Float, Num(0.01), Positional: true));
    public static readonly Activation Elu = new(ActivationKind.Elu, "x if x > 0 else alpha·(eˣ − 1) (alpha 1); shape unchanged",
        new Param("alpha", ArgType.Float, Num(1.0), Positional: true));
    public static readonly Activation Gelu = new(ActivationKind.Gelu, "x·Φ(x), the exact GELU; shape unchanged");
    public static readonly Activation Tanh = new(ActivationKind.Tanh, "tanh(x); shape unchanged");
    public static readonly Activation Sigmoid = new(ActivationKind.Sigmoid, "1/(1 + e⁻ˣ); shape unchanged");
    public static readonly Activation Softplus = new(ActivationKind.Softplus, "log(1 + eˣ); shape unchanged");

    public static string Name(ActivationKind kind) => kind switch
    {
        ActivationKind.Relu => "relu", ActivationKind.LeakyRelu => "leaky_relu", ActivationKind.Elu => "elu",
        ActivationKind.Gelu => "gelu", ActivationKind.Tanh => "tanh", ActivationKind.Sigmoid => "sigmoid",
        _ => "softplus",
    };
}
