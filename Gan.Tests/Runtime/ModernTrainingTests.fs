/// Training constructs of modern GANs: lr_decay, optimiser aliases with `every N` (lazy regularisation), EMA copies, pow,
/// and conditional discriminators called with two inputs.
module Gan.Tests.Runtime.ModernTrainingTests

open Gan.Tests

open System
open System.IO
open Xunit
open TorchSharp
open Gan.Dsl
open Gan.Dsl.Ir
open Gan.Runtime
open Gan.Runtime.Model
open Gan.Runtime.Training

let private compileText text =
    let r = Compilation.Compile("test.gan", text)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n")
    r.Ir

/// gaussian2d with `steps` iterations and the given optimiser lines, order and extra schedule settings.
let private gaussian (optimizers: string) (order: string) (extra: string) (steps: int) =
    (File.ReadAllText(TestFiles.spec "gaussian2d.gan"))
        .Replace("optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\noptimizer opt_g = adam(G, lr: 0.01) minimize g_loss", optimizers)
        .Replace("  order: [opt_d, opt_g]", sprintf "  order: %s\n%s" order extra)
        .Replace("  epochs: 10", sprintf "  steps: %d" steps)
        .Replace("checkpoint_every: 500", "checkpoint_every: 40")
        .Replace("loss g_loss =", "loss d_reg = r1(D, real: real, gamma: 1)\nloss g_loss =")

let private paramsOf (net: NetworkModule) =
    [| for p in net.parameters() -> p.detach().to_type(torch.float64).data<double>().ToArray() |]

let private plainOptimizers =
    "optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\noptimizer opt_g = adam(G, lr: 0.01) minimize g_loss"

let private aliasOptimizers =
    "optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\noptimizer opt_dreg = opt_d minimize d_reg\n"
    + "optimizer opt_g = adam(G, lr: 0.01) minimize g_loss"

[<Fact>]
let ``lr_decay linear gives lr0 at t = 0, the interpolated rate mid-way, lr0/N at the last iteration and 'to' after end`` () =
    let d = LrDecayIr(0.0, 0L, Nullable())
    Assert.Equal(2e-4, d.At(2e-4, 0L, 100L), 15)
    Assert.Equal(1e-4, d.At(2e-4, 50L, 100L), 15)
    Assert.Equal(2e-6, d.At(2e-4, 99L, 100L), 15)        // mimicry: iteration t runs at lr0·(1 − t/N)
    Assert.Equal(0.0, d.At(2e-4, 100L, 100L), 15)
    let late = LrDecayIr(1e-4, 10L, Nullable 20L)
    Assert.Equal(1e-3, late.At(1e-3, 5L, 1000L), 15)     // before start
    Assert.Equal(1e-3, late.At(1e-3, 10L, 1000L), 15)
    Assert.Equal(5.5e-4, late.At(1e-3, 15L, 1000L), 15)  // 1e-3 + (1e-4 − 1e-3)·0.5
    Assert.Equal(1e-4, late.At(1e-3, 25L, 1000L), 15)    // after end: 'to'

[<Fact>]
let ``The optimiser steps at lr(t): SGD decaying to 0 by iteration 3 leaves G unchanged from then on`` () =
    let opts =
        "optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\n"
        + "optimizer opt_g = sgd(G, lr: 0.5, lr_decay: linear(to: 0, start: 1, end: 3)) minimize g_loss"
    use t = new Trainer(compileText (gaussian opts "[opt_d, opt_g]" "" 10), TrainOptions(RunFolder = false))
    let g = t.Networks.["G"]
    let snapshots = [| for _ in 0..6 -> (let s = paramsOf g in t.RunSteps 1; s) |]
    let moved i = snapshots.[i] <> snapshots.[i + 1]
    // Iterations 0, 1 and 2 run at 0.5, 0.5 and 0.25; iterations 3, 4, 5 at 0.
    Assert.True(moved 0 && moved 1 && moved 2, "G must move while its rate is positive")
    Assert.False(moved 3 || moved 4 || moved 5, "G must stay put once its rate has decayed to 0")
    Assert.Equal(0.0, ((t.OptimizerOf "opt_g").ParamGroups |> Seq.head).LearningRate)

[<Fact>]
let ``An alias steps the very optimiser it shares, and an 'every 3' entry runs only on iterations 0, 3, 6`` () =
    // Only the alias trains D, every third iteration: D moves exactly on t ≡ 0 (mod 3). (opt_d is never stepped: a warning.)
    use t = new Trainer(compileText (gaussian aliasOptimizers "[opt_dreg every 3, opt_g]" "" 20), TrainOptions(RunFolder = false))
    Assert.Same(t.OptimizerOf "opt_d", t.OptimizerOf "opt_dreg")
    Assert.NotSame(t.OptimizerOf "opt_d", t.OptimizerOf "opt_g")
    let d = t.Networks.["D"]
    let snapshots = [| for _ in 0..9 -> (let s = paramsOf d in t.RunSteps 1; s) |]
    for i in 0..8 do
        Assert.True((snapshots.[i] <> snapshots.[i + 1]) = (i % 3 = 0), sprintf "iteration %d: D moved = %b" i (i % 3 = 0))

[<Fact>]
let ``G_ema after k steps equals the closed form: a copy of G before start, then β·θ_ema + (1 − β)·θ`` () =
    use t = new Trainer(compileText (gaussian plainOptimizers "[opt_d, opt_g]" "  ema: [G, decay: 0.9, start: 2]" 20),
                        TrainOptions(RunFolder = false))
    let g, ema = t.Networks.["G"], t.Networks.["G_ema"]
    Assert.Equal<double[][]>(paramsOf g, paramsOf ema)                    // it starts as a copy
    Assert.Equal(0L, ema.TrainableCount)                                    // and is never trained
    let mutable expected = paramsOf g
    for step in 0..7 do
        t.RunSteps 1
        let beta = if step < 2 then 0.0 else 0.9
        expected <- Array.map2 (Array.map2 (fun e th -> beta * e + (1.0 - beta) * th)) expected (paramsOf g)
        if step = 1 then Assert.Equal<double[][]>(paramsOf g, paramsOf ema)  // β = 0: an exact copy
    let actual = paramsOf ema
    Assert.NotEqual<double[][]>(paramsOf g, actual)
    Array.iter2 (Array.iter2 (fun (e: float) (a: float) -> Assert.Equal(e, a, 5))) expected actual

[<Fact>]
let ``The half-life form follows StyleGAN2: beta = 0.5^(B / max(min(H, rampup·B·t), 1e-8))`` () =
    let ramp = EmaIr("G", 0.0, 0L, Nullable 1000.0, Nullable 0.05)
    Assert.Equal(0.0, ramp.Beta(0L, 4), 12)                              // t = 0: 1e-8 images, β = 0
    Assert.Equal(0.25, ramp.Beta(10L, 4), 12)                            // min(1000, 0.05·4·10 = 2): 0.5^(4/2)
    Assert.Equal(Math.Pow(0.5, 4.0 / 1000.0), ramp.Beta(100000L, 4), 12) // ramped up to H
    Assert.Equal(Math.Pow(0.5, 4.0 / 1000.0), EmaIr("G", 0.0, 0L, Nullable 1000.0, Nullable()).Beta(0L, 4), 12)
    let decay = EmaIr("G", 0.999, 10L, Nullable(), Nullable())
    Assert.Equal(0.0, decay.Beta(9L, 64), 12)
    Assert.Equal(0.999, decay.Beta(10L, 64), 12)

[<Fact>]
let ``lr_decay, a lazy alias every 3 and an EMA resume exactly: same log, same G_ema and one shared Adam state file`` () =
    let text =
        gaussian (aliasOptimizers.Replace("adam(D, lr: 0.05)", "adam(D, lr: 0.05, lr_decay: linear(to: 0, end: 100))"))
                 "[opt_d, opt_dreg every 3, opt_g]" "  ema: [G, decay: 0.9, start: 5]" 100
    let full = compileText text
    TestFiles.withTempDir (fun dir ->
        let a, b = Path.Combine(dir, "a"), Path.Combine(dir, "b")
        (use t = new Trainer(full, TrainOptions(OutDir = a)) in t.Run() |> ignore)
        (use t = new Trainer(full, TrainOptions(OutDir = b, Steps = 60)) in t.Run() |> ignore)   // last checkpoint: 40
        (use t = new Trainer(full, TrainOptions(OutDir = b, Resume = true, Steps = 100)) in t.Run() |> ignore)
        Assert.Equal<string[]>(TestFiles.logWithoutTiming a, TestFiles.logWithoutTiming b)
        let last run = Path.Combine(run, "checkpoints", "step-0000100")
        let files = Directory.GetFiles(last a) |> Array.map Path.GetFileName |> Array.sort
        Assert.Equal<string[]>([| "net-D.dat"; "net-G.dat"; "net-G_ema.dat"; "opt-opt_d.dat"; "opt-opt_g.dat"; "state.json" |], files)
        for f in [ "net-G_ema.dat"; "net-G.dat"; "opt-opt_d.dat" ] do
            Assert.Equal<byte[]>(File.ReadAllBytes(Path.Combine(last a, f)), File.ReadAllBytes(Path.Combine(last b, f)))
        // The run folder samples from G_ema, which loads back with its checkpoint.
        use m = GanModel.LoadRun a
        Assert.Equal("sampling G_ema (EMA of G; --no-ema for G)", m.SamplingNote)
        use raw = GanModel.LoadRun(a, ema = false)
        Assert.Equal("sampling G (the trained network, not its EMA copy G_ema)", raw.SamplingNote))

[<Fact>]
let ``A conditional D called as D(real, labels) and D(G(z, yf), yf) trains, with yf drawn apart from the batch's labels`` () =
    let path = Path.Combine(TestFiles.goldenRoot, "000-valid", "conditional-d.gan")
    let r = Compilation.CompileFile path
    Assert.False(r.HasErrors)
    let model = r.Ir
    // Every real sample is labelled 3: a yf taken from the batch would be all 3s.
    use data = new Gan.Runtime.Data.TensorDataset(torch.randn(128L, 1L, 28L, 28L), torch.tensor(Array.create 128 3L))
    use t = new Trainer(model, TrainOptions(RunFolder = false), data)
    t.RunOptimizerStep "opt_d"           // a logged step: a non-finite loss would throw
    t.RunOptimizerStep "opt_g"
    t.RunSteps 3
    use scope = torch.NewDisposeScope()
    let labels = torch.tensor(Array.create 64 3L)
    let ctx = StepContext(model, t.Networks, torch.randn(64L, 1L, 28L, 28L), labels, new torch.Generator(5UL))
    let yf = ctx.Latent("yf").data<int64>().ToArray()
    Assert.Equal(64, yf.Length)
    Assert.True(yf |> Array.exists (fun k -> k <> 3L), "yf must be drawn, not the batch's labels")
    Assert.True(yf |> Array.forall (fun k -> k >= 0L && k < 10L))
    Assert.True((yf |> Array.distinct |> Array.length) >= 5, "64 uniform draws over 10 classes hit most of them")
