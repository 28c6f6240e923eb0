/// Property 4 on random G and D networks: each optimiser step touches only its own networks.
module Gan.Tests.Runtime.TrainingPropertyTests

open Gan.Tests

open System
open System.IO
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Dsl
open Gan.Runtime.Model
open Gan.Runtime.Training
open Gan.Tests.Generators

let private bits (t: torch.Tensor) = t.detach().cpu().data<float32>().ToArray() |> Array.map BitConverter.SingleToInt32Bits

/// Every parameter and every BatchNorm running statistic of a network, bit for bit.
let private snapshot (m: NetworkModule) =
    [ for struct (name, p) in m.named_parameters() -> name, bits p ],
    [ for struct (name, b) in m.named_buffers() do if name.Contains "running_" then yield name, bits b ]

let mutable private interesting = 0
let mutable private stepped = 0

let checkSteps (c: StepCase) =
    let text = stepSpec c
    let r = Compilation.Compile("steps.gan", text)
    if r.HasErrors then failwithf "does not compile:\n%s\n%s" (r.Errors |> Seq.map string |> String.concat "\n") text
    do
        use scope = torch.NewDisposeScope()
        let data = new Gan.Runtime.Data.TensorDataset(torch.randn(64L, 2L), null)
        use t = new Trainer(r.Ir, Gan.Runtime.TrainOptions(RunFolder = false), data)
        let g, d = t.Networks.["G"], t.Networks.["D"]
        let check what (beforeP, beforeS) (afterP, afterS) statsMustHold =
            if beforeP <> afterP then failwithf "%s changed a parameter\n%s" what text
            if statsMustHold && beforeS <> afterS then failwithf "%s changed BatchNorm running statistics under bn_stats: own\n%s" what text
        // A D step: G's parameters bit-identical (and its running statistics, under bn_stats: own).
        let g0, d0 = snapshot g, snapshot d
        t.RunOptimizerStep "opt_d"
        check "a D step, on G," g0 (snapshot g) c.OwnStats
        // D's loss sees G(z) only through detach: no gradient may even reach G.
        for struct (name, p) in g.named_parameters() do
            if not (isNull p.grad) && p.grad.abs().sum().item<float32>() <> 0.0f then
                failwithf "a D step backpropagated into G's %s\n%s" name text
        if fst (snapshot d) <> fst d0 then stepped <- stepped + 1
        // A G step: D's parameters bit-identical (and its running statistics, under bn_stats: own).
        let d1 = snapshot d
        t.RunOptimizerStep "opt_g"
        let d2 = snapshot d
        check "a G step, on D," d1 d2 c.OwnStats
        if not (snd d1).IsEmpty then
            if c.OwnStats then interesting <- interesting + 1
            // Under bn_stats: all the G step does move D's statistics (PyTorch's behaviour), so the option matters.
            elif snd d1 = snd d2 then failwithf "under bn_stats: all, a G step left D's running statistics unchanged\n%s" text
    true

[<Fact>]
let ``A D step computes no gradient for G and leaves every G parameter bit-identical, and a G step leaves every D parameter and, under bn_stats own, D's BatchNorm running statistics bit-identical`` () =
    let n = cases
    Check.One(config.WithMaxTest n, Prop.forAll (Arb.fromGenShrink (stepCaseGen, shrinkStep)) checkSteps)
    Assert.True(interesting > 0, "no case had BatchNorm in D under bn_stats: own")
    Assert.True(stepped > n / 2, sprintf "the D step changed D in only %d of %d cases" stepped n)

[<Fact>]
let ``The same seed gives the same first ten training steps twice, bit for bit, for random specs`` () =
    let run (ir: Gan.Dsl.Ir.ModelIr) =
        use scope = torch.NewDisposeScope()
        torch.manual_seed 99L |> ignore   // the data; the trainer seeds itself from the spec
        let data = new Gan.Runtime.Data.TensorDataset(torch.randn(64L, 2L), null)
        use t = new Trainer(ir, Gan.Runtime.TrainOptions(RunFolder = false), data)
        t.RunSteps 10
        [ for KeyValue (name, m) in t.Networks do yield name, snapshot m ]
    let prop (c: StepCase) =
        let r = Compilation.Compile("seed.gan", stepSpec c)
        if r.HasErrors then failwithf "does not compile:\n%s" (stepSpec c)
        let a, b = run r.Ir, run r.Ir
        if a <> b then failwithf "two runs with the same seed differ after 10 steps:\n%s" (stepSpec c)
        true
    Check.One(config.WithMaxTest(max 10 (cases / 10)), Prop.forAll (Arb.fromGenShrink (stepCaseGen, shrinkStep)) prop)
