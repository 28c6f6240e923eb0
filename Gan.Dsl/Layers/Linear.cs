using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>y = x Wᵀ + b, W out×in, optionally spectrally normalised.</summary>
internal sealed record LinearOp(int In, int Out, bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr
{ public override string OpName => "linear"; }

internal sealed class Linear : LayerKind<Linear.Config>
{
    public static readonly Linear Instance = new();
    internal sealed record Config(int Out, int? In, bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations);

    public override string Name => "linear";
    public override string Summary => "fully connected: N×F → N×out; parameters in·out + out";
    public override Signature Signature { get; } = new("linear", [new("out", ArgType.Int, Positional: true), Params.In, Params.Bias,
        Params.Init, Params.SpectralNorm, Params.PowerIterations]);

    public override IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => Params.InOutPositional(args);

    public override Config? Configure(LayerArgs a, Operand input) =>
        a.Positive("out", "in", "power_iterations")
            ? new Config(a.Int("out"), a.Has("in") ? a.Int("in") : null, a.Bool("bias"), a.Init, a.Bool("spectral_norm"),
                         a.Int("power_iterations"))
            : null;

    /// <summary>N×F → N×out. With an explicit in-feature count, F must equal it.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (x.Shape.Length != 1) return new RankError($"N×F (a flat vector), got {Layers.Shape.Show(x.Shape)}; add flatten before it");
        if (c.In is int f && f != x.Shape[0]) return new FeatureMismatch(f, x.Shape[0]);
        return Layers.Shape.Sized(c.Out);
    }

    public override long Parameters(Config c, Operand x) => (long)x.Shape[0] * c.Out + (c.Bias ? c.Out : 0);
    public override OpIr Lower(Config c, Operand x) => new LinearOp(x.Shape[0], c.Out, c.Bias, c.Init, c.SpectralNorm, c.PowerIterations);
}

/// <summary>Parameters several layer kinds share.</summary>
internal static class Params
{
    public static readonly Param Bias = new("bias", ArgType.Bool, Bool(true));
    public static readonly Param Init = new("init", ArgType.Any);
    public static readonly Param SpectralNorm = new("spectral_norm", ArgType.Bool, Bool(false));
    public static readonly Param PowerIterations = new("power_iterations", ArgType.Int, Int(1));
    public static readonly Param In = new("in", ArgType.Int);

    /// <summary>linear(6272, 1024) / conv2d(1, 64, ...): two positional sizes mean (in, out), as in PyTorch.</summary>
    public static IReadOnlyList<Argument> InOutPositional(IReadOnlyList<Argument> args)
    {
        if (args.Count(a => a.Keyword is null) < 2) return args;
        var list = args.ToList();
        int first = list.FindIndex(a => a.Keyword is null);
        list[first] = list[first] with { Keyword = "in" };
        return list;
    }
}
