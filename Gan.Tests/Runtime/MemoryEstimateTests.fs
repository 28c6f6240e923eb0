/// The memory estimate `gan train` checks before building the networks: its exact parts, how it scales with the batch,
/// the passes it reads from the losses, and the refusal (and --force) through the CLI.
module Gan.Tests.Runtime.MemoryEstimateTests

open System.IO
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors
open Gan.Runtime.Training

/// G: 3·4+4, BatchNorm 4+4 (and 8 running statistics), 4·2+2 = 34 parameters. D: 2·8+8 with spectral norm (u 8, v 2),
/// 8·1+1 = 33 parameters. SGD with momentum keeps one tensor per parameter of D, RMSprop without momentum one of G.
let private small =
    """gan memtest "memory estimate figures"
data gaussian2d(mean: [0, 0], transform: [[1, 0], [0, 1]], count: 100)
latent z = normal(3)
network G(z: [3]) {
  linear(4)
  batchnorm
  relu
  linear(2)
}
network D(x: [2]) {
  linear(8, spectral_norm: true)
  leaky_relu(0.2)
  linear(1)
}
loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)
loss g_loss = bce_logits(D(G(z)), 1)
optimizer opt_d = sgd(D, lr: 0.1, momentum: 0.9) minimize d_loss
optimizer opt_g = rmsprop(G, lr: 0.01) minimize g_loss
schedule { batch: 16  steps: 10  order: [opt_d, opt_g]  seed: 0 }
"""

let private compile text =
    let spec = GanSpec.Compile("memtest.gan", text)
    Assert.False(spec.HasErrors, sprintf "%A" (spec.Errors |> Seq.map (fun d -> d.Format false) |> List.ofSeq))
    spec

[<Fact>]
let ``Parameters, gradients and optimiser state are the exact parameter and buffer counts times 4 bytes per slot`` () =
    let e = MemoryEstimate.For(compile small)
    Assert.Equal(16, e.Batch)
    Assert.Equal((67L + 8L + 10L) * 4L, e.ParameterBytes)      // 67 trainable, BatchNorm's 8 statistics, spectral norm's u and v
    Assert.Equal(67L * 4L, e.GradientBytes)
    Assert.Equal((33L + 34L) * 4L, e.OptimizerBytes)           // SGD momentum over D, RMSprop's square average over G
    let adam = MemoryEstimate.For(compile (small.Replace("sgd(D, lr: 0.1, momentum: 0.9)", "adam(D)")))
    Assert.Equal((2L * 33L + 34L) * 4L, adam.OptimizerBytes)   // Adam: two moments per parameter
    let plain = MemoryEstimate.For(compile (small.Replace("sgd(D, lr: 0.1, momentum: 0.9)", "sgd(D, lr: 0.1)")))
    Assert.Equal(34L * 4L, plain.OptimizerBytes)               // plain SGD keeps nothing
    let mlp = MemoryEstimate.For(GanSpec.Load(TestFiles.spec "mnist-mlp.gan"))
    let pars = (GanSpec.Load(TestFiles.spec "mnist-mlp.gan")).Networks |> Seq.sumBy (fun n -> n.Parameters)
    Assert.Equal(pars * 4L, mlp.GradientBytes)
    Assert.Equal(pars * 2L * 4L, mlp.OptimizerBytes)

[<Fact>]
let ``Activations scale linearly with the batch; parameters and optimiser state do not move`` () =
    for file in [ "mnist-mlp.gan"; "anime-dcgan.gan"; "wgan-gp.gan" ] do
        let spec = GanSpec.Load(TestFiles.spec file)
        let a, b = MemoryEstimate.For(spec, 32), MemoryEstimate.For(spec, 96)
        Assert.InRange(float b.ActivationBytes / float a.ActivationBytes, 2.9999, 3.0001)
        Assert.Equal(a.ParameterBytes + a.OptimizerBytes, b.ParameterBytes + b.OptimizerBytes)
    let e = MemoryEstimate.For(compile small, 1000)
    Assert.True(e.ActivationBytes > 1000L * 4L * (3L + 4L + 4L + 4L + 2L), sprintf "%d" e.ActivationBytes)

[<Fact>]
let ``The passes per step come from the losses: memoised applications, reused per-iteration fakes, a doubled penalty graph`` () =
    let passes file =
        let ir = (GanSpec.Load(TestFiles.spec file)).Ir
        [ for s in StepApplications.Of ir -> s.Optimizer, (s.Passes |> Seq.map (fun kv -> kv.Key, kv.Value) |> Map.ofSeq) ]
    // D on real and on detach(G(z)), G once; then G(z) and D(G(z)).
    Assert.Equal<(string * Map<string, float>) list>(
        [ "opt_d", Map [ "D", 2.0; "G", 1.0 ]; "opt_g", Map [ "D", 1.0; "G", 1.0 ] ], passes "tf-basic.gan")
    // fakes: per_iteration, order [opt_g, opt_d]: the D step reuses the G step's detached G(z).
    Assert.Equal<(string * Map<string, float>) list>(
        [ "opt_g", Map [ "D", 1.0; "G", 1.0 ]; "opt_d", Map [ "D", 2.0 ] ], passes "mnist-mlp.gan")
    // The gradient penalty adds a D pass whose gradient graph is kept for the double backward: two more.
    let wgan = passes "wgan-gp.gan" |> Map.ofList
    Assert.Equal(4.0, wgan.["opt_d"].["D"])
    // AC-GAN: D(real) and D(detach(G(...))) each one forward whichever heads the losses read.
    Assert.Equal(2.0, (passes "acgan.gan" |> Map.ofList).["opt_d"].["D"])

[<Fact>]
let ``GANDSL_MEMORY_LIMIT, MemAvailable and nvidia-smi figures parse; a bad limit is refused naming the variable`` () =
    Assert.Equal(512.0 * 1048576.0, AvailableMemory.ParseLimit "512M")
    Assert.Equal(1.5 * 1073741824.0, AvailableMemory.ParseLimit "1.5G")
    Assert.Equal(2.0 * 1073741824.0, AvailableMemory.ParseLimit "2GiB")
    Assert.Equal(1000.0, AvailableMemory.ParseLimit "1000")
    for bad in [ "abc"; "-1"; "0"; "G"; "12X" ] do
        let e = Assert.Throws<UserInputException>(fun () -> AvailableMemory.ParseLimit bad |> ignore)
        Assert.Contains("GANDSL_MEMORY_LIMIT=" + bad, e.Message)
    Assert.Equal(Some(16384.0 * 1024.0), AvailableMemory.MemAvailable "MemTotal: 32768 kB\nMemAvailable:   16384 kB\n" |> Option.ofNullable)
    Assert.Equal(None, AvailableMemory.MemAvailable "MemTotal: 32768 kB\n" |> Option.ofNullable)
    Assert.Equal(Some(80000.0 * 1048576.0), AvailableMemory.NvidiaSmiFree "80000\n" |> Option.ofNullable)

[<Fact>]
let ``gan train refuses an absurd batch before building anything, naming the largest layer; --force passes a tiny limit`` () =
    let absurd = MemoryEstimate.For(GanSpec.Load(TestFiles.spec "dcgan-mnist32.gan"), 100000000)
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let code, _, err = gan [ "train"; "specs/dcgan-mnist32.gan"; "--batch"; "100000000"; "--out"; run ]
        Assert.True((code = 1), sprintf "exit %d\n%s" code err)
        Assert.Contains("the largest layer is " + absurd.LargestLayer, err)
        Assert.Contains("at batch 100000000", err)
        Assert.Contains("Lower --batch, or pass --force", err)
        Assert.DoesNotContain("   at ", err)
        Assert.False(Directory.Exists run)
        // A limit below the runtime alone: refused without --force, trained with it.
        let limit = [ "GANDSL_MEMORY_LIMIT", "1M" ]
        let args = [ "train"; "specs/gaussian2d.gan"; "--steps"; "2"; "--out"; run ]
        let code, _, err = ganWith limit args
        Assert.True((code = 1), sprintf "exit %d\n%s" code err)
        Assert.Contains("GANDSL_MEMORY_LIMIT=1M", err)
        Assert.Contains("the largest layer is D.op", err)
        let code, _, err = ganWith limit (args @ [ "--force" ])
        Assert.True((code = 0), sprintf "exit %d\n%s" code err)
        Assert.Contains("warning: training needs about", err)
        Assert.True(File.Exists(Path.Combine(run, "log.csv")))
        let code, _, err = ganWith [ "GANDSL_MEMORY_LIMIT", "lots" ] args
        Assert.Equal(1, code)
        Assert.Contains("GANDSL_MEMORY_LIMIT=lots", err))

[<Fact>]
let ``gan shapes prints the estimate at the spec's batch, as a line and as JSON`` () =
    let code, out, _ = gan [ "shapes"; "specs/tf-basic.gan" ]
    Assert.Equal(0, code)
    Assert.Contains("memory at batch 128 on cpu: about", out)
    let code, out, _ = gan [ "shapes"; "specs/tf-basic.gan"; "--json" ]
    Assert.Equal(0, code)
    let memory = System.Text.Json.Nodes.JsonNode.Parse(out).["memory"]
    Assert.Equal((MemoryEstimate.For(GanSpec.Load(TestFiles.spec "tf-basic.gan"))).TotalBytes, memory.["total_bytes"].GetValue<int64>())
