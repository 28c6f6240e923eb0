/// A step freezes the networks it does not train (no D weight gradients in the G step): the same values to the bit as
/// computing every gradient, as the seeds' loops do, over random specs and every spec in specs/; and fewer operators.
module Gan.Tests.Runtime.FrozenNetworkTests

open Gan.Tests

open System
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Data
open Gan.Runtime.Profiling
open Gan.Runtime.Training
open Gan.Tests.OptimizerGenerators

/// Every parameter and buffer of every network (EMA copies included), as raw float32 bits, by name.
let private bits (t: Trainer) =
    [ for KeyValue (net, m) in t.Networks |> Seq.sortBy (fun kv -> kv.Key) do
        for struct (name, p) in m.named_parameters() -> $"{net}.{name}", p.detach().data<float32>().ToArray()
        for struct (name, b) in m.named_buffers() do
            if b.dtype = torch.float32 then yield $"{net}.{name}", b.detach().data<float32>().ToArray() ]

/// Random data of the spec's sample shape (and labels of its classes), 64 samples.
let private randomData (ir: Gan.Dsl.Ir.ModelIr) =
    let shape = ir.Data.Shape |> Seq.map int64 |> Array.ofSeq
    let size = Array.fold (*) 1L shape
    let rng = Random 7
    let x = Array.init (int (64L * size)) (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
    let y = if ir.Data.Classes > 0 then Array.init 64 (fun i -> int64 (i % ir.Data.Classes)) else null
    TensorDataset.FromHost(x, shape, y)

let private train (ir: Gan.Dsl.Ir.ModelIr) (everyGradient: bool) (batch: int option) (steps: int) =
    use scope = torch.NewDisposeScope()
    torch.manual_seed 11L |> ignore
    let options = TrainOptions(RunFolder = false, EveryGradient = everyGradient, Batch = Option.toNullable batch)
    use t = new Trainer(ir, options, randomData ir)
    t.RunSteps steps
    bits t

let private assertSame (what: string) (a: (string * float32[]) list) (b: (string * float32[]) list) =
    for (name, x), (name2, y) in List.zip a b do
        Assert.Equal<string>(name, name2)
        for i in 0 .. x.Length - 1 do
            if BitConverter.SingleToInt32Bits x.[i] <> BitConverter.SingleToInt32Bits y.[i] then
                failwithf "%s: %s[%d] is %g with every gradient, %g with the other networks frozen" what name i x.[i] y.[i]

let mutable private cases = 0
let private coverage = Coverage()
let private note (what: string) = coverage.Note what

let private checkCase (c: OptCase) =
    cases <- cases + 1
    let text = optSpec c 30
    let r = Compilation.Compile("frozen.gan", text)
    if r.HasErrors then failwithf "does not compile:\n%s\n%s" (r.Errors |> Seq.map string |> String.concat "\n") text
    assertSame text (train r.Ir true None 30) (train r.Ir false None 30)
    if text.Contains "batchnorm" then note "batchnorm"
    if text.Contains "spectral_norm: true" then note "spectral"
    if c.LazyReg then note "lazy"
    if c.Ema then note "ema"
    true

[<Fact>]
let ``Freezing the networks a step does not train changes no value: random specs over 30 iterations, bit for bit`` () =
    let n = max 20 (Generators.cases / 10)
    Check.One(Generators.config.WithMaxTest n, Prop.forAll (Arb.fromGenShrink (optCaseGen, shrinkOpt)) checkCase)
    coverage.Assert([ "batchnorm"; "spectral"; "lazy"; "ema" ], 2)

[<Fact>]
let ``Freezing changes no value in any spec of specs/: two iterations (four with lazy steps) at batch 8 on random data, bit for bit`` () =
    for path in TestFiles.specs () do
        let spec = GanSpec.Load(path, TestFiles.narrowWidths path)
        Assert.False(spec.HasErrors, path)
        let ir = spec.Ir
        let steps = if ir.Schedule.Order |> Seq.exists (fun e -> e.Every > 1) then 4 else 2
        assertSame (IO.Path.GetFileName path) (train ir true (Some 8) steps) (train ir false (Some 8) steps)

[<Fact>]
let ``Freezing D in mnist-mlp's G step saves its weight-gradient operators`` () =
    if isNull OpCounter.Unavailable then
        let ir = GanSpec.Load(TestFiles.spec "mnist-mlp.gan").Ir
        let count everyGradient =
            use scope = torch.NewDisposeScope()
            use t = new Trainer(ir, TrainOptions(RunFolder = false, EveryGradient = everyGradient, Batch = 8), randomData ir)
            t.RunSteps 2
            use counter = new OpCounter()
            t.RunSteps 1
            counter.Count
        let every, frozen = count true, count false
        // D's three linear layers: a weight-gradient mm (with its transposes) and a bias-gradient sum each, and their
        // accumulation into D's gradients.
        Assert.True(frozen + 12L <= every, sprintf "%d operators frozen, %d with every gradient" frozen every)
