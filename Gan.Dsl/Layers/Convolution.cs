using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Padding of a convolution: TensorFlow's 'same' or 'valid', or an explicit symmetric number.</summary>
internal readonly record struct Padding(string Mode, int Amount)
{
    public static Padding Same => new("same", 0);
    public static Padding Valid => new("valid", 0);
    public static Padding Explicit(int n) => new("explicit", n);
}

/// <summary>What conv2d and conv_transpose2d share: their arguments, their checks and the image input they expect.</summary>
internal static class Convolution
{
    /// <summary>
    /// The arguments both take: out, in, kernel, stride and padding (with its default), then <paramref name="own"/>, then
    /// the weights'.
    /// </summary>
    public static IReadOnlyList<Param> Parameters(Value padding, params Param[] own) =>
        [new("out", ArgType.Int, Positional: true), Params.In, new("kernel", ArgType.Int, Required: true),
         new("stride", ArgType.Int, Int(1)), new("padding", ArgType.Any, padding), .. own, .. Params.Weighted];

    /// <summary>What both resolve their shared arguments to.</summary>
    internal sealed record Common(int Out, int? In, int Kernel, int Stride, Padding Padding, Params.Weights Weights);

    /// <summary>Checks the shared arguments (sizes positive, padding same, valid or a number); null after reporting.</summary>
    public static Common? Configure(LayerArgs a)
    {
        if (!a.Positive("out", "in", "kernel", "stride", "power_iterations")) return null;
        if (BindPadding(a) is not { } pad) return null;
        return new Common(a.Int("out"), a.Has("in") ? a.Int("in") : null, a.Int("kernel"), a.Int("stride"), pad, Params.WeightsOf(a));
    }

    /// <summary>The padding argument: same, valid or a non-negative integer; null after reporting.</summary>
    static Padding? BindPadding(LayerArgs a)
    {
        switch (a.Get("padding"))
        {
            case SymbolValue { Name: "same" }: return Padding.Same;
            case SymbolValue { Name: "valid" }: return Padding.Valid;
            case NumberValue { IsInteger: true, Number: >= 0 } n: return Padding.Explicit((int)n.Number);
            case var v:
                a.Diagnostics.ReportBadChoice(a.Source, v!.Span, $"{a.Callee}: 'padding'", ["same", "valid", "a non-negative integer"],
                                              v.Show());
                return null;
        }
    }

    /// <summary>A convolution's input must be N×C×H×W, with C equal to a stated channel count.</summary>
    public static RankError? ImageInput(int[] input, int? inChannels)
    {
        if (input.Length != 3)
            return new RankError($"N×C×H×W, got {Shape.Show(input)}{(input.Length == 1 ? "; add reshape(C, H, W) before it" : "")}");
        if (inChannels is int c && c != input[0])
            return new RankError($"N×{c}×H×W ({c} input channels), got {Shape.Show(input)}");
        return null;
    }

    /// <summary>in·out·k² weights, plus out biases.</summary>
    public static long ParameterCount(Common c, int inChannels) =>
        (long)inChannels * c.Out * c.Kernel * c.Kernel + (c.Weights.Bias ? c.Out : 0);

    /// <summary>A convolution kind's configuration: the shared arguments and its own.</summary>
    internal interface IConfig
    {
        Common Conv { get; }
    }
}

/// <summary>
/// conv2d and conv_transpose2d: the same input rule, parameter count and two positional sizes; each kind gives its
/// per-axis rule (output length and the rows added or cropped before and after), its empty-output message and its op.
/// </summary>
internal abstract class ConvolutionKind<TConfig>(string name, string summary, IReadOnlyList<Param> parameters)
    : LayerKind<TConfig>(name, summary, parameters) where TConfig : class, Convolution.IConfig
{
    /// <summary>Output length and the padding (or crop) before and after, along one spatial axis, in 64 bits.</summary>
    protected abstract (long Out, long Before, long After) Axis(TConfig c, int size);

    /// <summary>Why the output is empty, for an input whose spatial size reaches zero.</summary>
    protected abstract string NoOutput(TConfig c, Operand x);

    /// <summary>The op, given the (before, after) amounts along H and W.</summary>
    protected abstract OpIr Lower(TConfig c, Operand x, (int Before, int After) h, (int Before, int After) w);

    public sealed override IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => Params.InOutPositional(args);

    /// <summary>N×C×H×W → N×out×H'×W', with H' and W' from <see cref="Axis"/>.</summary>
    public sealed override ShapeResult Shape(TConfig c, Operand x)
    {
        if (Convolution.ImageInput(x.Shape, c.Conv.In) is { } bad) return bad;
        var (h, _, _) = Axis(c, x.Shape[1]);
        var (w, _, _) = Axis(c, x.Shape[2]);
        if (h <= 0 || w <= 0) return new SpatialError(NoOutput(c, x));
        return Layers.Shape.Sized(c.Conv.Out, h, w);
    }

    public sealed override long Parameters(TConfig c, Operand x) => Convolution.ParameterCount(c.Conv, x.Shape[0]);

    public sealed override OpIr Lower(TConfig c, Operand x)
    {
        var (_, top, bottom) = Axis(c, x.Shape[1]);
        var (_, left, right) = Axis(c, x.Shape[2]);
        return Lower(c, x, ((int)top, (int)bottom), ((int)left, (int)right));
    }
}
