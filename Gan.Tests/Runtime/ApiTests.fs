/// The public API (GanModel and friends), used as a C# or F# program would.
module Gan.Tests.Runtime.ApiTests

open System
open System.IO
open System.Threading
open Xunit
open TorchSharp
open Gan.Tests
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors

[<Fact>]
let ``A spec's network is a TorchSharp Module of Tensor to Tensor: it can be called, put in a Sequential, moved, saved and loaded`` () =
    use scope = torch.NewDisposeScope()
    use model = GanModel.Compile(TestFiles.spec "mnist-mlp.gan", seed = 3)
    let g = model.Network "G"
    g.eval()
    let z = torch.randn(5L, 100L)
    let x = g.call z
    Assert.Equal<int64[]>([| 5L; 1L; 28L; 28L |], x.shape)
    // With a module of the program's own, in a Sequential.
    use seq = torch.nn.Sequential(("g", g), ("flat", torch.nn.Flatten() :> torch.nn.Module<torch.Tensor, torch.Tensor>))
    Assert.Equal<int64[]>([| 5L; 784L |], seq.call(z).shape)
    // Saved by TorchSharp and loaded into another model's G (other weights before): the same outputs after.
    TestFiles.withTempDir (fun dir ->
        let file = Path.Combine(dir, "g.dat")
        g.save file |> ignore
        use other = GanModel.Compile(TestFiles.spec "mnist-mlp.gan", seed = 4)
        let g2 = other.Network "G"
        g2.eval()
        Assert.False(g2.call(z).allclose x)
        g2.load file |> ignore
        Assert.True(g2.call(z).allclose x))
    // Moved to float64, it computes in float64 (its BatchNorm buffers and weights moved with it).
    g.``to``(torch.float64) |> ignore
    Assert.Equal(torch.ScalarType.Float64, g.call(z.``to``(torch.float64)).dtype)

[<Fact>]
let ``Another output of a network is a module of its own sharing the network's weights, and unknown names are refused`` () =
    use scope = torch.NewDisposeScope()
    use model = GanModel.Compile(TestFiles.spec "infogan.gan")
    Assert.Equal<string list>([ "G"; "D" ], List.ofSeq model.NetworkNames)
    let d = model.Network "D"
    let heads = [ for o in [ "disc"; "cat"; "cont" ] -> o, model.Network("D", o) ]
    d.eval()
    let x = torch.randn(3L, 1L, 28L, 28L)
    let shapes = [ for name, head in heads -> name, (head.eval(); head.call(x).shape |> List.ofArray) ]
    Assert.Equal<(string * int64 list) list>([ "disc", [ 3L; 1L ]; "cat", [ 3L; 10L ]; "cont", [ 3L; 2L ] ], shapes)
    Assert.True((snd heads.[0]).call(x).allclose(d.call x))                        // disc is D's default output
    Assert.Equal(Seq.length (d.parameters()), Seq.length ((snd heads.[1]).parameters()))
    Assert.Contains("no network 'Q'", Assert.Throws<UserInputException>(fun () -> model.Network "Q" |> ignore).Message)
    Assert.Contains("no output 'class'", Assert.Throws<UserInputException>(fun () -> model.Network("D", "class") |> ignore).Message)

[<Fact>]
let ``Training through the API reports progress, stops when cancelled, and writes a run folder only when asked`` () =
    use model = GanModel.Compile(TestFiles.spec "gaussian2d.gan")
    let steps = ResizeArray<int64>()
    use cancel = new CancellationTokenSource()
    let progress =
        { new IProgress<TrainProgress> with
            member _.Report p =
                if isNull p.Notice then steps.Add p.Step
                if p.Step >= 20L then cancel.Cancel() }
    let r = model.Train(TrainOptions(RunFolder = false), progress, cancel.Token)
    Assert.True(r.Stopped)
    Assert.Equal(20L, r.Steps)
    Assert.Null(r.RunDir)
    Assert.Equal<int64 list>([ 1L .. 20L ], List.ofSeq steps)
    TestFiles.withTempDir (fun dir ->
        let out = Path.Combine(dir, "run")
        let r = model.Train(TrainOptions(OutDir = out, Steps = 30))
        Assert.False(r.Stopped)
        Assert.Equal(out, r.RunDir)
        Assert.True(File.Exists(Path.Combine(out, "log.csv")) && File.Exists r.Report)
        Assert.Equal(31, File.ReadAllLines(Path.Combine(out, "log.csv")).Length)
        use loaded = GanModel.LoadRun out
        Assert.Equal(30L, loaded.Step)
        use scope = torch.NewDisposeScope()
        Assert.Equal<int64[]>([| 16L; 2L |], loaded.Sample(16).shape)
        let png = loaded.SaveSamples(Path.Combine(dir, "s.png"), 32)
        Assert.True(Cli.Process.isPng png))

[<Fact>]
let ``Sampling by class draws that class's row, and a missing class input, a bad class or a spec with errors is refused clearly`` () =
    use scope = torch.NewDisposeScope()
    use cgan = GanModel.Compile(TestFiles.spec "cgan.gan")
    Assert.Equal<int64[]>([| 6L; 1L; 28L; 28L |], cgan.Sample(6, Nullable 3).shape)
    Assert.Contains("classes 0..9", Assert.Throws<UserInputException>(fun () -> cgan.Sample(6, Nullable 10) |> ignore).Message)
    use plain = GanModel.Compile(TestFiles.spec "gaussian2d.gan")
    Assert.Contains("has no class input", Assert.Throws<UserInputException>(fun () -> plain.Sample(6, Nullable 0) |> ignore).Message)
    Assert.Contains("--n must be positive", Assert.Throws<UserInputException>(fun () -> plain.Sample 0 |> ignore).Message)
    let broken = GanSpec.Compile("broken.gan", "gan broken \"no data\"\n")
    let e = Assert.Throws<UserInputException>(fun () -> GanModel.Create broken |> ignore)
    Assert.Contains("broken.gan has errors", e.Message)
    Assert.Contains("GAN0209", e.Message)
