/// `gan bench`: every spec through the façade (tiny batch, one timed iteration, synthetic data), the command end to end,
/// and each refused argument. No timing thresholds: only that each figure is present and consistent.
module Gan.Tests.Cli.BenchTests

open System.IO
open System.Text.Json.Nodes
open Xunit
open Gan.Dsl
open Gan.Dsl.Layers
open Gan.Runtime
open Gan.Runtime.Profiling
open Gan.Runtime.Training
open Gan.Tests
open Gan.Tests.Cli.Process

let private tiny = BenchOptions(Batch = 4, Steps = 2, Warmup = 1, CountIterations = 1, Synthetic = true)

/// The figures every bench must give, whatever the spec.
let private sane (name: string) (r: BenchResult) =
    let phases = [ r.DataMs; r.ForwardMs; r.BackwardMs; r.OptimizerMs; r.OtherMs ]
    let say what = sprintf "%s: %s (%A)" name what r
    Assert.True(r.Iterations = 2 && r.WarmupIterations = 1 && r.CountedIterations = 1, say "iterations")
    Assert.True(r.Batch = 4 && r.Device = "cpu" && r.Threads > 0, say "settings")
    Assert.True(r.MsPerIteration > 0.0 && r.ImagesPerSecond > 0.0 && r.Seconds > 0.0, say "throughput")
    Assert.True(r.MedianMsPerIteration > 0.0 && r.MedianMsPerIteration <= r.MsPerIteration * 2.0, say "median")
    // Each phase ran (the trainer marked it), none is negative, and they split the iteration: they are timed inside its window.
    for v in [ r.DataMs; r.ForwardMs; r.BackwardMs; r.OptimizerMs ] do Assert.True(v > 0.0, say "a phase is not positive")
    Assert.True(r.OtherMs >= 0.0, say "other is negative")
    let sum = List.sum phases
    Assert.True(sum <= r.MsPerIteration * 1.000001, say "the phases exceed the iteration")
    Assert.True(r.MsPerIteration - sum <= max (0.5 * r.MsPerIteration) 5.0, say "the phases miss much of the iteration")
    Assert.True(r.PeakRssBytes > 0L && r.RssBytes > 0L && r.PeakRssBytes >= r.RssBytes, say "memory")
    Assert.True(r.EstimateBytes > 0L, say "estimate")
    Assert.True(isNull r.CudaMemoryNote && not r.CudaMemoryBytes.HasValue, say "cuda memory on cpu")
    Assert.True(r.OpsPerIteration > 0.0, say "operators")
    Assert.True(r.FlopsPerIteration > 0.0 && r.Gflops > 0.0 && r.SgemmGflops > 0.0, say "FLOPs")
    Assert.True(abs (r.SgemmFraction - r.Gflops / r.SgemmGflops) < 1e-9, say "sgemm fraction")
    Assert.True(not r.RealData && r.Data.StartsWith "synthetic", say "data")

[<Fact>]
let ``gan bench measures every spec in specs/: throughput, phases that split the iteration, memory, operators and FLOPs`` () =
    let specs = TestFiles.specs ()
    Assert.True(specs.Length >= 20, sprintf "%d specs" specs.Length)
    for path in specs do
        let spec = GanSpec.Load(path, TestFiles.narrowWidths path)
        Assert.False(spec.HasErrors, path)
        sane (Path.GetFileName path) (GanBench.Run(spec, tiny))

[<Fact>]
let ``The FLOP count of mnist-mlp is Gan.Bench's: the products autograd runs, no input gradient for a first layer`` () =
    // G step: G backpropagated, but its first layer computes no input gradient (z needs none); D frozen (its input
    // gradients only). D step (fakes: per_iteration): D on real and on the G step's detached fakes, each with its weight
    // gradients but without its first layer's input gradient. That is libtorch's 14 addmm and 22 mm per iteration
    // (`gan bench --profile`).
    let spec = GanSpec.Load(TestFiles.spec "mnist-mlp.gan")
    let ir = spec.Ir
    let linears net =
        (ir.Network net).Nodes |> Seq.choose (fun x -> match x.Op with :? LinearOp as l -> Some(float l.In * float l.Out) | _ -> None)
    let macs net = linears net |> Seq.sum
    let first net = linears net |> Seq.head
    Assert.Equal(100.0 * 128.0, first "G")
    Assert.Equal(784.0 * 512.0, first "D")
    let expected = 2.0 * 4.0 * (3.0 * macs "G" - first "G" + 2.0 * macs "D" + 2.0 * (3.0 * macs "D" - first "D"))
    TestFiles.close 1.0 expected (StepFlops.Iteration(ir, StepFlops.Steps ir, 0L, 4))
    TestFiles.close 1.0 expected (GanBench.Run(spec, tiny).FlopsPerIteration)
    // A detached application costs its forward once: the D step of dcgan-mnist32 runs G on detached latents. G's first
    // layer is a linear from z, D's a convolution of the 1×32×32 image into 64×16×16 with 4×4 kernels.
    let dcgan = GanSpec.Load(TestFiles.spec "dcgan-mnist32.gan").Ir
    let g, d = StepFlops.Macs(dcgan.Network "G"), StepFlops.Macs(dcgan.Network "D")
    let g1, d1 = 100.0 * 4096.0, 64.0 * 16.0 * 16.0 * 1.0 * 4.0 * 4.0
    TestFiles.close 1.0 (2.0 * 4.0 * ((3.0 * d - d1) + g + (3.0 * d - d1) + (3.0 * g - g1) + 2.0 * d))
        (StepFlops.Iteration(dcgan, StepFlops.Steps dcgan, 0L, 4))

/// A spec on gaussian2d for the FLOP tests: G 8 → 16 → 2, D 2 → 32 → 1 after the given first layers, and the G step's loss;
/// D's step first.
let private flopSpec (dFirst: string) (gLoss: string) =
    let text = """gan flops "FLOP counts"
data gaussian2d(mean: [1, 2], transform: [[1, 2], [-0.1, 0.5]], count: 64)
latent z = normal(8)
network G(z: [8]) {
  linear(16)
  relu
  linear(2)
}
network D(x: [2]) {
DFIRST  linear(32)
  tanh
  linear(1)
}
loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)
loss g_loss = GLOSS
optimizer opt_d = adam(D, lr: 1e-3) minimize d_loss
optimizer opt_g = adam(G, lr: 1e-3) minimize g_loss
schedule {
  batch: 4
  steps: 10
  order: [opt_d, opt_g]
  seed: 0
}
"""
    let r = Gan.Dsl.Compilation.Compile("flops.gan", text.Replace("DFIRST", dFirst).Replace("GLOSS", gLoss))
    Assert.False(r.HasErrors, sprintf "%A" (List.ofSeq r.Errors))
    r.Ir

[<Fact>]
let ``A frozen network costs two forwards when a gradient passes through it and one when none does`` () =
    // The G step runs the frozen D on G's output (input gradient: 2) and on real data (no backward: 1).
    let ir = flopSpec "" "bce_logits(D(G(z)), 1) + bce_logits(D(real), 0)"
    // Neither D on real data nor G on a latent computes its first layer's input gradient.
    let g, d, g1, d1 = 8.0 * 16.0 + 16.0 * 2.0, 2.0 * 32.0 + 32.0, 8.0 * 16.0, 2.0 * 32.0
    Assert.Equal<float>([| 2.0 * ((3.0 * d - d1) + 1.0 * g + (3.0 * d - d1)); 2.0 * ((3.0 * g - g1) + 2.0 * d + 1.0 * d) |],
                        StepFlops.Steps ir)

[<Fact>]
let ``A layer computes its input gradient on real data when an earlier layer has trainable parameters`` () =
    // D begins with a BatchNorm, whose scale and shift D's step trains: its first linear then needs its input's gradient.
    let ir = flopSpec "  batchnorm\n" "bce_logits(D(G(z)), 1)"
    let g, d, g1 = 8.0 * 16.0 + 16.0 * 2.0, 2.0 * 32.0 + 32.0, 8.0 * 16.0
    Assert.Equal<float>([| 2.0 * (3.0 * d + g + 3.0 * d); 2.0 * ((3.0 * g - g1) + 2.0 * d) |], StepFlops.Steps ir)

[<Fact>]
let ``gan bench --json prints every figure; the text form names the data it trained on`` () =
    let code, out, err = gan [ "bench"; "specs/gaussian2d.gan"; "--steps"; "3"; "--json"; "--synthetic" ]
    Assert.True((code = 0), sprintf "exit %d\n%s" code err)
    let o = JsonNode.Parse(out).AsObject()
    for key in [ "spec"; "device"; "threads"; "batch"; "data"; "real_data"; "warmup_iterations"; "iterations"; "seconds"
                 "images_per_s"; "ms_per_iteration"; "median_ms_per_iteration"; "phase_ms"; "peak_rss_bytes"; "rss_bytes"; "estimate_bytes"
                 "ops_per_iteration"; "flops_per_iteration"; "gflops"; "sgemm_gflops"; "sgemm_fraction"; "flops_note"
                 "linear_products" ] do
        Assert.True(o.ContainsKey key, key)
    Assert.Equal(3, o.["iterations"].GetValue<int>())
    Assert.Equal(4, o.["batch"].GetValue<int>())
    Assert.False(o.["real_data"].GetValue<bool>())
    Assert.True(o.["ops_per_iteration"].GetValue<float>() > 0.0)
    Assert.True(o.["peak_rss_bytes"].GetValue<int64>() > 0L)
    for phase in [ "data"; "forward"; "backward"; "optimizer"; "other" ] do Assert.True(o.["phase_ms"].AsObject().ContainsKey phase, phase)
    Assert.Contains("bench: timing", err)
    // gaussian2d's data is generated, so it is always there: the text form says it trained on it.
    let code, out, err = gan [ "bench"; "specs/gaussian2d.gan"; "--steps"; "2"; "--batch"; "8" ]
    Assert.True((code = 0), sprintf "exit %d\n%s" code err)
    for text in [ "gaussian2d on cpu"; "batch 8"; "data:        gaussian2d, real"; "images/s"; "forward"; "backward"; "optimizer"
                  "peak RSS"; "ATen calls per iteration"; "% of sgemm"; "linear:      " ] do
        Assert.Contains(text, out)

[<Fact>]
let ``gan bench --profile: each record's calls and self time, which with the time outside them make up the iteration`` () =
    let spec = GanSpec.Load(TestFiles.spec "mnist-mlp.gan")
    let r =
        GanBench.Run(spec, BenchOptions(Batch = 4, Steps = 2, Warmup = 1, CountIterations = 1, Synthetic = true, Profile = true,
                                        ProfileIterations = 3))
    Assert.True(isNull r.ProfileNote, r.ProfileNote)
    let p = r.Profile
    Assert.Equal(3, p.Iterations)
    Assert.False(p.HostTimes)
    let byName = p.Operators |> Seq.map (fun o -> o.Name, o) |> dict
    // Every iteration of mnist-mlp runs the same operators: the profile's ATen calls are the operator counter's.
    let aten = p.Operators |> Seq.filter (fun o -> o.Name.StartsWith "aten::") |> Seq.sumBy (fun o -> o.Calls)
    TestFiles.close 1e-9 r.OpsPerIteration aten
    Assert.Equal(14.0, byName.["aten::addmm"].Calls)       // 5 linear layers of G, 3 of D run three times
    Assert.Equal(14.0, byName.["AddmmBackward0"].Calls)
    for o in p.Operators do
        Assert.True(o.SelfMs >= 0.0 && o.SelfMs <= o.TotalMs + 1e-12 && o.Calls > 0.0, sprintf "%A" o)
        // Its paths split it: calls and self time.
        TestFiles.close 1e-9 o.Calls (o.Paths |> Seq.sumBy (fun v -> v.Calls))
        TestFiles.close 1e-9 o.SelfMs (o.Paths |> Seq.sumBy (fun v -> v.SelfMs))
    // The forward's products are called from .NET (TorchSharp's linear); the backward's run inside the autograd node.
    Assert.Contains(byName.["aten::addmm"].Paths, fun v -> v.Via = "" && v.Calls = 14.0)
    Assert.Contains(byName.["aten::mm"].Paths, fun v -> v.Via.StartsWith "AddmmBackward0 < autograd::engine::evaluate_function")
    // Sorted by self time; the self times and the time outside every record split the profiled iterations.
    Assert.True(p.Operators |> Seq.pairwise |> Seq.forall (fun (a, b) -> a.SelfMs >= b.SelfMs))
    let sum = (p.Operators |> Seq.sumBy (fun o -> o.SelfMs)) + p.OutsideMs
    Assert.True(p.OutsideMs > 0.0 && abs (sum - p.MsPerIteration) <= 1e-6 * p.MsPerIteration,
                sprintf "%g + outside vs %g" sum p.MsPerIteration)
    // Without --profile there is none.
    Assert.True(isNull (GanBench.Run(spec, tiny).Profile))
    let code, out, err = gan [ "bench"; "specs/gaussian2d.gan"; "--steps"; "2"; "--synthetic"; "--profile"; "--json" ]
    Assert.True((code = 0), sprintf "exit %d\n%s" code err)
    let po = JsonNode.Parse(out).["profile"].AsObject()
    let ops = po.["operators"].AsArray()
    Assert.True(ops.Count > 5, out)
    for key in [ "name"; "calls"; "self_ms"; "total_ms"; "paths" ] do Assert.True(ops.[0].AsObject().ContainsKey key, key)
    Assert.Contains("bench: profiling operators", err)
    let code, out, err = gan [ "bench"; "specs/gaussian2d.gan"; "--steps"; "2"; "--profile" ]
    Assert.True((code = 0), sprintf "exit %d\n%s" code err)
    for text in [ "profile:"; "self time per iteration"; "aten::addmm"; "      in AddmmBackward0 < "; "more records"
                  "outside every record" ] do
        Assert.Contains(text, out)

[<Fact>]
let ``gan bench refuses bad arguments with a message and exit 1, usage errors with exit 2`` () =
    let refused (args: string list) (message: string) =
        let code, _, err = gan ("bench" :: args)
        Assert.True((code = 1), sprintf "%A: exit %d\n%s" args code err)
        Assert.Contains(message, err)
        Assert.DoesNotContain("   at ", err)
    refused [ "specs/gaussian2d.gan"; "--device"; "tpu" ] "--device tpu: use cpu or cuda."
    // cuda: refused with the reason where libtorch has no CUDA backend or no GPU (the CPU build); timed where it has both.
    let code, out, err = gan [ "bench"; "specs/gaussian2d.gan"; "--device"; "cuda"; "--steps"; "1" ]
    if code = 0 then Assert.Contains("gaussian2d on cuda", out)
    else
        Assert.True((code = 1), sprintf "cuda: exit %d\n%s" code err)
        Assert.Contains("--device cuda: ", err)
    refused [ "specs/gaussian2d.gan"; "--batch"; "0" ] "--batch must be positive, got 0"
    refused [ "specs/gaussian2d.gan"; "--steps"; "-1" ] "--steps must be positive, got -1"
    refused [ "specs/gaussian2d.gan"; "--threads"; "0" ] "--threads must be positive, got 0"
    refused [ "specs/stylegan2-32.gan"; "--batch"; "6" ] "batch 6 cannot be split into groups of 4"
    refused [ "specs/blocks/mimicry-resnet.gan" ] "is a block library"
    // A batch that cannot fit is refused before anything is allocated (GANDSL_MEMORY_LIMIT stands for a small machine).
    let code, _, err = ganWith [ "GANDSL_MEMORY_LIMIT", "256M" ] [ "bench"; "specs/gaussian2d.gan"; "--batch"; "10000000" ]
    Assert.True((code = 1), sprintf "exit %d\n%s" code err)
    Assert.Contains("Lower --batch", err)
    // A spec with errors: its diagnostics as gan check prints them.
    refused [ "Gan.Tests/Golden/300-shapes/linear-in-features.gan" ] "error GAN0301: linear expects 700 input features"
    for args in [ [ "specs/gaussian2d.gan"; "--batch"; "four" ]; [ "specs/gaussian2d.gan"; "--bogus" ]; [] ] do
        let code, _, err = gan ("bench" :: args)
        Assert.True((code = 2), sprintf "%A: exit %d\n%s" args code err)

[<Fact>]
let ``The phase clock charges each stretch to the phase that ran, and nothing when it is not running`` () =
    let spin () =
        let sw = System.Diagnostics.Stopwatch.StartNew()
        while sw.Elapsed.TotalMilliseconds < 2.0 do ()
    let clock = PhaseClock(false)
    PhaseClock.Enter Phase.Forward   // no clock running: nothing happens
    clock.Start()
    Assert.Throws<System.InvalidOperationException>(fun () -> PhaseClock(false).Start()) |> ignore
    PhaseClock.Enter Phase.Forward
    spin ()
    PhaseClock.Enter Phase.Backward
    spin ()
    clock.Stop()
    spin ()
    PhaseClock.Enter Phase.Data                  // stopped: not charged
    for p in [ Phase.Forward; Phase.Backward ] do
        Assert.True(clock.Seconds p >= 0.002, sprintf "%A: %g s" p (clock.Seconds p))
    Assert.Equal(0.0, clock.Seconds Phase.Data)
    Assert.Equal(0.0, clock.Seconds Phase.Optimizer)
    Assert.True(abs (clock.TotalSeconds - List.sum [ for p in System.Enum.GetValues<Phase>() -> clock.Seconds p ]) < 1e-9)
