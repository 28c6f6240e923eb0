using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Model;

/// <summary>Weight initialisation by formula (the IR names each one).</summary>
internal static class Initialise
{
    public static void Apply(Parameter weight, Parameter? bias, InitIr init, long fanIn)
    {
        using var _ = no_grad();
        switch (init.Kind)
        {
            case InitKind.Default: return;                       // the layer's own PyTorch default
            case InitKind.XavierUniform: nn.init.xavier_uniform_(weight, Gain(init)); break;
            case InitKind.XavierNormal: nn.init.xavier_normal_(weight, Gain(init)); break;
            case InitKind.KaimingUniform: nn.init.kaiming_uniform_(weight); break;
            case InitKind.KaimingNormal: nn.init.kaiming_normal_(weight); break;
            case InitKind.Normal: nn.init.normal_(weight, init.Mean, init.Std); break;
            case InitKind.NormalFanIn: nn.init.normal_(weight, init.Mean, Math.Sqrt(init.Gain / fanIn)); break;
            case InitKind.Zeros: nn.init.zeros_(weight); break;
            case InitKind.Orthogonal: nn.init.orthogonal_(weight, Gain(init)); break;
        }
        if (bias is not null) nn.init.zeros_(bias);
    }

    /// <summary>The gain of xavier_*(gain: g) and orthogonal(gain: g); an IR made without one has gain 1.</summary>
    static double Gain(InitIr init) => init.Gain > 0 ? init.Gain : 1;

    /// <summary>
    /// The equalized learning rate's storage (rosinality EqualLinear): weight N(0, 1/lr_mul²), i.e. randn / lr_mul, and the
    /// bias at its bias_init.
    /// </summary>
    public static void Equalized(Parameter weight, Parameter? bias, EqualizedIr e)
    {
        using var _ = no_grad();
        nn.init.normal_(weight, 0, 1 / e.LrMul);
        bias?.fill_(e.BiasInit);
    }
}
