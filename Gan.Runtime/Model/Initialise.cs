using Gan.Dsl.Ir;
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
            case InitKind.XavierUniform: nn.init.xavier_uniform_(weight); break;
            case InitKind.XavierNormal: nn.init.xavier_normal_(weight); break;
            case InitKind.KaimingUniform: nn.init.kaiming_uniform_(weight); break;
            case InitKind.KaimingNormal: nn.init.kaiming_normal_(weight); break;
            case InitKind.Normal: nn.init.normal_(weight, init.Mean, init.Std); break;
            case InitKind.NormalFanIn: nn.init.normal_(weight, init.Mean, Math.Sqrt(init.Gain / fanIn)); break;
            case InitKind.Zeros: nn.init.zeros_(weight); break;
        }
        if (bias is not null) nn.init.zeros_(bias);
    }
}
