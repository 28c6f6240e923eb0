/// Property 4 on random G and D networks: each optimiser step touches only its own networks.
module Gan.Tests.TrainingPropertyTests

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

type StepCase = { G: NetCase; D: NetCase; OwnStats: bool; Optimizer: int }

let private optimizers = [| "adam(%s, lr: 1e-3)"; "sgd(%s, lr: 1e-2, momentum: 0.9)"; "rmsprop(%s, lr: 1e-3)" |]

/// A trainable spec on 2-D data: G = generated layers + linear(2), D = generated layers + linear(1).
let stepSpec (c: StepCase) =
    let k = c.G.Input |> List.fold (*) 1 |> max 1 |> min 8
    let g = render { c.G with Input = [ k ]; Label = 0; Heads = [] }
    let d = render { c.D with Input = [ 2 ]; Label = 0; Heads = [] }
    let body (lines: string list) = lines |> List.map (fun l -> "  " + l)
    let opt = optimizers.[abs c.Optimizer % optimizers.Length]
    [ yield "gan p \"property case\""
      yield "data gaussian2d(mean: [0, 0], transform: [[1, 0], [0, 1]], count: 64)"
      yield sprintf "latent z = normal(%d)" k
      yield g.Header.Replace("network N(", "network G(") + " {"
      yield! body g.Lines
      yield! body [ "flatten"; "linear(2)" ]
      yield "}"
      yield d.Header.Replace("network N(", "network D(") + " {"
      yield! body d.Lines
      yield! body [ "flatten"; "linear(1)" ]
      yield "}"
      yield "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
      yield "loss g_loss = bce_logits(D(G(z)), 1)"
      yield sprintf "optimizer opt_d = %s minimize d_loss" (sprintf (Printf.StringFormat<string -> string> opt) "D")
      yield sprintf "optimizer opt_g = %s minimize g_loss" (sprintf (Printf.StringFormat<string -> string> opt) "G")
      yield "schedule {"; yield "  batch: 8"; yield "  steps: 1"; yield "  order: [opt_d, opt_g]"
      yield sprintf "  bn_stats: %s" (if c.OwnStats then "own" else "all")
      yield "}"; yield "" ]
    |> String.concat "\n"

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
    let out = Path.Combine(Path.GetTempPath(), "gandsl-prop-" + Guid.NewGuid().ToString "N")
    try
        use scope = torch.NewDisposeScope()
        let data = new Gan.Runtime.Data.TensorDataset(torch.randn(64L, 2L), null)
        use t = new Trainer(r.Ir, TrainOptions(out), Action<string> ignore, data)
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
            if not (isNull p.grad) && p.grad.abs().sum().item<float32>() <> 0.0f then failwithf "a D step backpropagated into G's %s\n%s" name text
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
    finally
        if Directory.Exists out then Directory.Delete(out, true)

let private stepCaseGen =
    gen {
        let! g = netCaseGen
        let! d = netCaseGen
        let! own = Gen.elements [ true; false ]
        let! o = Gen.choose (0, 2)
        return { G = g; D = d; OwnStats = own; Optimizer = o }
    }

let private shrinkStep (c: StepCase) =
    seq {
        for g in shrinkNet c.G do yield { c with G = g }
        for d in shrinkNet c.D do yield { c with D = d }
        if c.Optimizer <> 0 then yield { c with Optimizer = 0 }
    }

[<Fact>]
let ``A D step computes no gradient for G and leaves every G parameter bit-identical, and a G step leaves every D parameter and, under bn_stats own, D's BatchNorm running statistics bit-identical`` () =
    let n = cases
    Check.One(config.WithMaxTest n, Prop.forAll (Arb.fromGenShrink (stepCaseGen, shrinkStep)) checkSteps)
    Assert.True(interesting > 0, "no case had BatchNorm in D under bn_stats: own")
    Assert.True(stepped > n / 2, sprintf "the D step changed D in only %d of %d cases" stepped n)
