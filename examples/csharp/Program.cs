// GanDsl from C#: compile a spec, train it 50 steps in memory, call a network, draw samples into a PNG.
using Gan.Dsl;
using Gan.Runtime;
using static TorchSharp.torch;

var spec = GanSpec.Load(args.Length > 0 ? args[0] : "specs/gaussian2d.gan");
foreach (var d in spec.Diagnostics) Console.Error.WriteLine(d.Format());
if (spec.HasErrors) return 1;

using var model = GanModel.Create(spec, seed: 1);
var result = model.Train(new TrainOptions { Steps = 50, RunFolder = false, LogEvery = 10 }, new StepPrinter());
Console.WriteLine($"trained {result.Steps} steps in {result.Seconds:F1} s");

var g = model.Network("G");                                // a TorchSharp Module<Tensor, Tensor>
using var fakes = g.call(randn(4, 2));                     // gaussian2d's G maps z: [2] to points
Console.WriteLine($"G({string.Join("×", fakes.shape)}) from {g.parameters().Sum(p => p.numel())} parameters");
Console.WriteLine($"samples: {model.SaveSamples(args.Length > 1 ? args[1] : "example.png", n: 256, seed: 2)}");
return 0;

/// Prints each logged step (a synchronous IProgress: System.Progress would post to the thread pool).
sealed class StepPrinter : IProgress<TrainProgress>
{
    public void Report(TrainProgress p) =>
        Console.WriteLine(
            p.Notice ?? $"step {p.Step}/{p.TotalSteps}: " + string.Join(", ", p.Values.Select(kv => $"{kv.Key} {kv.Value:G4}")));
}
