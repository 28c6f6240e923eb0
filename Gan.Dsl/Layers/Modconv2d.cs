using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// StyleGAN2's modulated convolution: per-sample weights W·s/√(in·k²), s = A·w + b_A from a style w of <c>StyleDim</c>
/// features, optionally demodulated; same padding (k odd); an optional per-channel bias.
/// </summary>
internal sealed record Modconv2dOp(int InChannels, int OutChannels, int Kernel, int StyleDim, bool Demodulate, bool Bias)
    : OpIr("modconv2d");

/// <summary>
/// modconv2d(out, kernel: k, style: w): rosinality's ModulatedConv2d without its blur (upsample before it instead). The weight
/// and the modulation's weight are drawn N(0, 1) and scaled at run time (equalised learning rate); the modulation's bias starts
/// at 1.
/// </summary>
internal sealed class Modconv2d() : LayerKind("modconv2d",
    "StyleGAN2 modulated convolution by a style value: C×H×W → out×H×W (same padding); parameters out·in·k² + w·in + in (+ out)",
    [new("out", ArgType.Int, Positional: true), new("kernel", ArgType.Int, Required: true),
     new("style", ArgType.Symbol, NamedWhy: "it names the style value, e.g. modconv2d(512, kernel: 3, style: w)", Required: true),
     new("demodulate", ArgType.Bool, Bool(true)), new("bias", ArgType.Bool, Bool(true))])
{
    public static readonly Modconv2d Instance = new();
    internal sealed record Config(int Out, int Kernel, bool Demodulate, bool Bias);

    public override IReadOnlyList<string> ValueArgs => ["style"];

    public override object? Configure(LayerArgs a)
    {
        if (!a.Positive("out", "kernel")) return null;
        if (!a.Require(a.Int("kernel") % 2 == 1, "kernel", "modconv2d: 'kernel'",
                       $"must be odd (the padding is kernel / 2 on each side, keeping the size), got {a.Int("kernel")}"))
            return null;
        return new Config(a.Int("out"), a.Int("kernel"), a.Bool("demodulate"), a.Bool("bias"));
    }

    /// <summary>x C×H×W and a flat style w → out×H×W.</summary>
    public override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs)
    {
        var (x, w) = (inputs[0], inputs[1]);
        if (Layers.Shape.NotImage(x.Shape) is { } notImage) return notImage;
        if (w.IsLabel || w.Shape.Length != 1)
            return new RankError($"style: a flat N×F value (the mapping network's w), got "
                                 + (w.IsLabel ? "an integer label; embed it first" : Layers.Shape.Show(w.Shape)));
        var c = (Config)config;
        return Layers.Shape.Sized(c.Out, x.Shape[1], x.Shape[2]);
    }

    public override long Parameters(object config, IReadOnlyList<Operand> inputs)
    {
        var c = (Config)config;
        long inC = inputs[0].Shape[0], w = inputs[1].Shape[0];
        return c.Out * inC * c.Kernel * c.Kernel + w * inC + inC + (c.Bias ? c.Out : 0);
    }

    public override OpIr Lower(object config, IReadOnlyList<Operand> inputs)
    {
        var c = (Config)config;
        return new Modconv2dOp(inputs[0].Shape[0], c.Out, c.Kernel, inputs[1].Shape[0], c.Demodulate, c.Bias);
    }
}
