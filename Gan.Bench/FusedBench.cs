using Gan.Dsl;
using Gan.Runtime;
using Gan.Runtime.Model;
using Gan.Runtime.Training;
using Gan.Runtime.Training.Flat;

namespace Gan.Bench;

/// <summary>
/// One speed choice of the CPU step, both ways: two trainers of one spec in one process, alternating rounds, three times.
/// `fused`: the one-pass optimiser updates (CpuAdamKernel, CpuRmsPropKernel) against the tensor-op updates of the same
/// flat optimisers; each trainer decides at its first step which update it takes, so the switches are set before each of
/// its rounds. `linear`: the linear layers' products on oneDNN against addmm on MKL (Model/CpuLinear), set per round.
/// </summary>
public static class FusedBench
{
    public static void Run(string spec, int stepsPerRound, int rounds) =>
        Compare(spec, stepsPerRound, rounds, ("tensor-op optimiser updates", "one-pass optimiser updates"),
                Use, () => Use(true));

    public static void Linear(string spec, int stepsPerRound, int rounds) =>
        Compare(spec, stepsPerRound, rounds, ("linear products on MKL (addmm)", "linear products on oneDNN (1x1 conv)"),
                on => CpuLinear.ThisThread = on, () => CpuLinear.ThisThread = null);

    static void Use(bool fused) => (CpuAdamKernel.Enabled, CpuRmsPropKernel.Enabled) = (fused, fused);

    static void Compare(string spec, int stepsPerRound, int rounds, (string Off, string On) names, Action<bool> set, Action reset)
    {
        var ir = Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), spec + ".gan")).Ir!;
        using var off = new Trainer(ir, new TrainOptions { RunFolder = false });
        using var on = new Trainer(ir, new TrainOptions { RunFolder = false });
        try
        {
            for (int k = 0; k < 3; k++)
            {
                var (a, b) = Harness.Alternate(stepsPerRound, () => { set(false); off.RunSteps(stepsPerRound); },
                                               stepsPerRound, () => { set(true); on.RunSteps(stepsPerRound); }, rounds);
                Console.WriteLine(Harness.Summarise($"{spec}: {names.Off}", "it/s", a));
                Console.WriteLine(Harness.Summarise($"{spec}: {names.On}", "it/s", b));
            }
        }
        finally { reset(); }
    }
}
