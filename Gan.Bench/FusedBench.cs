using Gan.Dsl;
using Gan.Runtime;
using Gan.Runtime.Training;
using Gan.Runtime.Training.Flat;

namespace Gan.Bench;

/// <summary>
/// The one-pass CPU optimiser updates (CpuAdamKernel, CpuRmsPropKernel) against the tensor-op updates of the same flat
/// optimisers: two trainers of one spec in one process, alternating rounds, three times. Each trainer decides at its first
/// step which update it takes, so the switches are set before each of its rounds.
/// </summary>
public static class FusedBench
{
    public static void Run(string spec, int stepsPerRound, int rounds)
    {
        var ir = Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), spec + ".gan")).Ir!;
        using var tensorOps = new Trainer(ir, new TrainOptions { RunFolder = false });
        using var onePass = new Trainer(ir, new TrainOptions { RunFolder = false });
        void Use(bool fused) => (CpuAdamKernel.Enabled, CpuRmsPropKernel.Enabled) = (fused, fused);
        try
        {
            for (int k = 0; k < 3; k++)
            {
                var (a, b) = Harness.Alternate(stepsPerRound, () => { Use(false); tensorOps.RunSteps(stepsPerRound); },
                                               stepsPerRound, () => { Use(true); onePass.RunSteps(stepsPerRound); }, rounds);
                Console.WriteLine(Harness.Summarise($"{spec}: tensor-op optimiser updates", "it/s", a));
                Console.WriteLine(Harness.Summarise($"{spec}: one-pass optimiser updates", "it/s", b));
            }
        }
        finally { Use(true); }
    }
}
