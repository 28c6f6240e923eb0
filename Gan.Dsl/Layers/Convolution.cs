using Gan.Dsl.Binding;

namespace Gan.Dsl.Layers;

/// <summary>Padding of a convolution: TensorFlow's 'same' or 'valid', or an explicit symmetric number.</summary>
internal readonly record struct Padding(string Mode, int Amount)
{
    public static Padding Same => new("same", 0);
    public static Padding Valid => new("valid", 0);
    public static Padding Explicit(int n) => new("explicit", n);
}

/// <summary>What conv2d and conv_transpose2d share: their padding argument and the image input they expect.</summary>
internal static class Convolution
{
    /// <summary>The padding argument: same, valid or a non-negative integer; null after reporting.</summary>
    public static Padding? BindPadding(LayerArgs a, string name)
    {
        switch (a.Get(name))
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
}
