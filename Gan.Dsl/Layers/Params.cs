using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>Parameters several layer kinds share.</summary>
internal static class Params
{
    public static readonly Param Init = new("init", ArgType.Any);
    public static readonly Param In = new("in", ArgType.Int);

    /// <summary>The arguments of a normalisation: eps (1e-5) and whether it has an affine γ, β.</summary>
    public static IReadOnlyList<Param> Normalisation(bool affine) =>
        [new("eps", ArgType.Float, Num(1e-5)), new("affine", ArgType.Bool, Bool(affine))];

    /// <summary>What <see cref="Normalisation"/> resolves to.</summary>
    internal sealed record Norm(double Eps, bool Affine);

    public static Norm NormOf(LayerArgs a) => new(a.Num("eps"), a.Bool("affine"));

    /// <summary>The arguments of a layer with weights: bias, initialiser, spectral norm and its power iterations.</summary>
    public static readonly IReadOnlyList<Param> Weighted =
        [new("bias", ArgType.Bool, Bool(true)), Init, new("spectral_norm", ArgType.Bool, Bool(false)),
         new("power_iterations", ArgType.Int, Int(1))];

    /// <summary>What <see cref="Weighted"/> resolves to.</summary>
    internal sealed record Weights(bool Bias, InitIr Init, bool SpectralNorm, int PowerIterations);

    public static Weights WeightsOf(LayerArgs a) => new(a.Bool("bias"), a.Init, a.Bool("spectral_norm"), a.Int("power_iterations"));

    /// <summary>
    /// The declared signature of a kind with any number of positional values (prefix0, prefix1, …): four shown, the
    /// first required, the rest defaulting to <paramref name="absent"/>.
    /// </summary>
    public static IReadOnlyList<Param> Variadic(string prefix, ArgType type, Value absent) =>
        [.. Enumerable.Range(0, 4).Select(i => new Param($"{prefix}{i}", type, i == 0 ? null : absent, Positional: true))];

    /// <summary>A call's own signature when every argument is positional: one required parameter per argument.</summary>
    public static Signature WidenVariadic(Signature declared, string prefix, ArgType type, IReadOnlyList<Argument> args) =>
        args.Count > 0 && args.All(a => a.Keyword is null)
            ? new Signature(declared.Name, [.. args.Select((_, i) => new Param($"{prefix}{i}", type, Positional: true))])
            : declared;

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
