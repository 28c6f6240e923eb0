/// The flat-buffer optimisers (Training/Flat): the same results as TorchSharp's own optimisers, over random specs and
/// by hand; the same checkpoint files; parameters that stay views of the flat buffer through loads.
module Gan.Tests.Runtime.FlatOptimizerTests

open Gan.Tests

open System
open System.IO
open FsCheck
open FsCheck.FSharp
open global.Xunit
open Xunit.Abstractions
open TorchSharp
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Model
open Gan.Runtime.Training
open Gan.Runtime.Training.Flat
open Gan.Tests.OptimizerGenerators

let private compile (text: string) =
    let r = Compilation.Compile("flat.gan", text)
    if r.HasErrors then failwithf "does not compile:\n%s\n%s" (r.Errors |> Seq.map string |> String.concat "\n") text
    r.Ir

/// Every parameter and buffer of every network (EMA copies included), as float64 values, by name.
let private state (t: Trainer) =
    [ for KeyValue (net, m) in t.Networks |> Seq.sortBy (fun kv -> kv.Key) do
        for struct (name, p) in m.named_parameters() -> $"{net}.{name}", p.detach().to_type(torch.float64).data<double>().ToArray()
        for struct (name, b) in m.named_buffers() -> $"{net}.{name}", b.detach().to_type(torch.float64).data<double>().ToArray() ]

let private train (ir: Gan.Dsl.Ir.ModelIr) (torchSharp: bool) (steps: int) (check: Trainer -> unit) =
    use scope = torch.NewDisposeScope()
    torch.manual_seed 99L |> ignore
    let data = new Gan.Runtime.Data.TensorDataset(torch.randn(64L, 2L), null)
    use t = new Trainer(ir, TrainOptions(RunFolder = false, TorchSharpOptimizers = torchSharp), data)
    t.RunSteps steps
    check t
    state t

let mutable private maxAbs = 0.0
let mutable private maxRel = 0.0
let mutable private bitEqual = 0
let mutable private counter = 0
let private seen = Collections.Generic.Dictionary<string, int>()
let private note what = seen.[what] <- (match seen.TryGetValue what with | true, n -> n + 1 | _ -> 1)

/// 100 iterations with TorchSharp's optimisers and with the flat ones from the same seed: every parameter and buffer within
/// fp32 rounding of the other (the largest differences are kept for the report).
let private checkCase (c: OptCase) =
    counter <- counter + 1
    let c = { c with Opt = counter % optimizerTexts.Length }     // every configuration in turn
    let text = optSpec c 100
    let ir = compile text
    let flatCheck (t: Trainer) =
        for o in [ "opt_d"; "opt_g" ] do
            match box (t.OptimizerOf o) with
            | :? IFlatOptimizer as f ->
                if f.FlatSteps > 0L then note $"flat:{o}"
                if not (isNull (Optimizers.FlatSlice(t.OptimizerOf o, t.Networks.[if o = "opt_d" then "D" else "G"]))) then
                    note $"bound:{o}"
            | other -> failwithf "%s is TorchSharp's %s, not a flat optimiser\n%s" o (other.GetType().FullName) text
        if c.LazyReg then Assert.Same(t.OptimizerOf "opt_d", t.OptimizerOf "opt_dreg")
    let reference = train ir true 100 ignore
    let flat = train ir false 100 flatCheck
    let mutable equal = true
    for (name, a), (name2, b) in List.zip reference flat do
        Assert.Equal(name, name2)
        for i in 0 .. a.Length - 1 do
            let d = abs (a.[i] - b.[i])
            if d <> 0.0 then equal <- false
            maxAbs <- max maxAbs d
            maxRel <- max maxRel (d / max (abs a.[i]) 1e-3)
            if d > 1e-4 * max 1.0 (abs a.[i]) then
                failwithf "%s[%d]: TorchSharp %g, flat %g after 100 iterations\n%s" name i a.[i] b.[i] text
    if equal then bitEqual <- bitEqual + 1
    note $"opt{c.Opt}"
    if c.Clip then note "clip"
    if c.Ema then note "ema"
    if c.Decay then note "decay"
    if c.LazyReg then note "lazy"
    if reference |> List.exists (fun (n, _) -> n.Contains "running_") then note "batchnorm"
    if text.Contains "spectral: true" then note "spectral"
    true

type FlatOptimizerTests(output: ITestOutputHelper) =
    [<Fact>]
    member _.``The flat optimisers train random specs exactly as TorchSharp's do over 100 iterations``() =
        let n = max 21 (Generators.cases / 10)
        Check.One(Generators.config.WithMaxTest n, Prop.forAll (Arb.fromGenShrink (optCaseGen, shrinkOpt)) checkCase)
        let count k = match seen.TryGetValue k with | true, v -> v | _ -> 0
        output.WriteLine(sprintf "%d cases, %d bit-equal; max |Δ| %g, max relative %g; %A" n bitEqual maxAbs maxRel (List.ofSeq seen))
        for i in 0 .. optimizerTexts.Length - 1 do
            let k = $"opt{i}"
            Assert.True(count k >= 2, $"configuration {i} trained in {count k} cases")
        for k in [ "clip"; "ema"; "decay"; "lazy"; "batchnorm" ] do Assert.True(count k >= 2, $"{k}: {count k} cases")
        // The flat path ran and the parameters were its views at the end in most cases (a parameter that gets no gradient
        // at all, e.g. behind a zero-width branch, keeps an optimiser on TorchSharp's per-parameter path).
        Assert.True(count "flat:opt_d" > n / 2 && count "flat:opt_g" > n / 2, sprintf "%A" (List.ofSeq seen))
        Assert.True(count "bound:opt_d" = n && count "bound:opt_g" = n, sprintf "%A" (List.ofSeq seen))
