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
let mutable private firstDiffs = ""      // each differing case's first difference, with its spec
let private coverage = Coverage()
let private note (what: string) = coverage.Note what

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
                match f with
                | :? Flat.Adam as a when a.FusedSteps > 0L -> note "fused:adam"
                | :? Flat.RMSProp as r when r.FusedSteps > 0L -> note "fused:rmsprop"
                | _ -> ()

                if not (isNull (Optimizers.FlatSlice(t.OptimizerOf o, t.Networks.[if o = "opt_d" then "D" else "G"]))) then
                    note $"bound:{o}"
            | other -> failwithf "%s is TorchSharp's %s, not a flat optimiser\n%s" o (other.GetType().FullName) text
        if c.LazyReg then Assert.Same(t.OptimizerOf "opt_d", t.OptimizerOf "opt_dreg")
        if c.Ema then Assert.True(EmaCopies.IsFlat t.Networks.["G_ema"], "G_ema's parameters are not views of one buffer")
    let reference = train ir true 100 ignore
    // Every other case: Adam and RMSprop take their one-pass CPU updates (CpuAdamKernel, CpuRmsPropKernel) over the default
    // chunk of 2¹⁷ (one chunk in these specs). The others: their tensor-op updates over chunks of 7 or 100 elements (several
    // per buffer, a short last one). Seven configurations, cycled, so each takes both ways.
    let fused = counter % 2 = 1
    let chunk = if fused then 0L else [| 7L; 100L |].[counter / 2 % 2]
    FlatChunks.CpuChunk <- chunk
    CpuAdamKernel.Enabled <- fused
    CpuRmsPropKernel.Enabled <- fused
    if not fused then note "chunked"
    let flat =
        try train ir false 100 flatCheck
        finally
            FlatChunks.CpuChunk <- 0L
            CpuAdamKernel.Enabled <- true
            CpuRmsPropKernel.Enabled <- true
    let mutable equal = true
    let mutable diverged = false
    for (name, a), (name2, b) in List.zip reference flat do
        Assert.Equal(name, name2)
        for i in 0 .. a.Length - 1 do
            // A random spec may diverge: both optimisers then reach NaN at the same element, which is the same result.
            let bothNaN = Double.IsNaN a.[i] && Double.IsNaN b.[i]
            if bothNaN then diverged <- true
            let d = if bothNaN then 0.0 else abs (a.[i] - b.[i])
            if d <> 0.0 then
                if equal then
                    firstDiffs <- firstDiffs + sprintf "\n%s[%d] of %d: %g vs %g (chunk %d)\n%s" name i a.Length a.[i] b.[i] chunk text
                equal <- false
            maxAbs <- max maxAbs d
            maxRel <- max maxRel (d / max (abs a.[i]) 1e-3)
            if Double.IsNaN d || d > 1e-4 * max 1.0 (abs a.[i]) then
                failwithf "%s[%d]: TorchSharp %g, flat %g after 100 iterations\n%s" name i a.[i] b.[i] text
    if diverged then note "diverged"
    if equal then bitEqual <- bitEqual + 1 else note $"differs:opt{c.Opt}:chunk{chunk}"
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
        let count (k: string) = coverage.Count k
        output.WriteLine firstDiffs
        output.WriteLine(sprintf "%d cases, %d bit-equal; max |Δ| %g, max relative %g; %O" n bitEqual maxAbs maxRel coverage)
        for i in 0 .. optimizerTexts.Length - 1 do
            let k = $"opt{i}"
            Assert.True(count k >= 2, $"configuration {i} trained in {count k} cases")
        coverage.Assert([ "clip"; "ema"; "decay"; "lazy"; "batchnorm"; "chunked"; "fused:adam"; "fused:rmsprop" ], 2)
        // Elementwise operations give the same bits on a whole buffer as on each parameter (CPU): every case bit-equal.
        Assert.True((bitEqual = counter), sprintf "%d of %d cases bit-equal (max |Δ| %g)" bitEqual counter maxAbs)
        // The flat path ran and the parameters were its views at the end in most cases (a parameter that gets no gradient
        // at all, a layer whose output the network never uses, keeps the optimiser on TorchSharp's per-parameter path, which
        // skips it, as it must).
        Assert.True(count "flat:opt_d" > n / 2 && count "flat:opt_g" > n / 2, string coverage)
        Assert.True(count "bound:opt_d" = n && count "bound:opt_g" = n, string coverage)

/// A TorchSharp optimiser and the flat one of the same kind over copies of the same parameters.
type private Kind = { Name: string; Torch: Modules.Parameter list -> Modules.OptimizerHelper; Flat: FlatLayout -> Modules.OptimizerHelper }

let private kinds =
    [ { Name = "adam"; Torch = (fun ps -> torch.optim.Adam(ps, 1e-2, 0.5, 0.999, 1e-8, 1e-2))
        Flat = fun l -> new Flat.Adam(l, 1e-2, 0.5, 0.999, 1e-8, 1e-2) }
      { Name = "rmsprop"; Torch = (fun ps -> torch.optim.RMSProp(ps, 1e-2, 0.99, 1e-8, 1e-3, 0.9))
        Flat = fun l -> new Flat.RMSProp(l, 1e-2, 0.99, 1e-8, 1e-3, 0.9) }
      { Name = "rmsprop-plain"; Torch = (fun ps -> torch.optim.RMSProp(ps, 1e-2, 0.99, 1e-8, 0.0, 0.0))
        Flat = fun l -> new Flat.RMSProp(l, 1e-2, 0.99, 1e-8, 0.0, 0.0) }
      { Name = "sgd"; Torch = (fun ps -> torch.optim.SGD(ps, 1e-2, 0.9, weight_decay = 1e-3))
        Flat = fun l -> new Flat.SGD(l, 1e-2, 0.9, 1e-3) }
      { Name = "sgd-plain"; Torch = (fun ps -> torch.optim.SGD(ps, 1e-2)); Flat = fun l -> new Flat.SGD(l, 1e-2, 0.0, 0.0) } ]

/// A tensor's float32 bits (CpuFlatKernelTests uses it too).
let internal bitsOf (t: torch.Tensor) = t.detach().data<float32>().ToArray() |> Array.map BitConverter.SingleToInt32Bits

/// An optimiser's saved state, as its checkpoint file holds it.
let internal saved (o: Modules.OptimizerHelper) =
    use m = new MemoryStream()
    use w = new BinaryWriter(m)
    o.save_state_dict w
    w.Flush()
    m.ToArray()

/// Every parameter's view starts on a 64-byte boundary of the flat buffers, as a tensor of its own does: MKL's sgemm rounds
/// differently for differently aligned operands, and packed views made a linear layer's output differ in its last bit.
/// The gaps between views are zero and stay zero through steps.
[<Fact>]
let ``Each parameter's flat view is 64-byte aligned and the gaps between views stay zero`` () =
    for k in kinds do
        use scope = torch.NewDisposeScope()
        torch.manual_seed 3L |> ignore
        let shapes = [ [| 5L |]; [| 3L; 7L |]; [||]; [| 2L; 3L; 5L |]; [| 16L |]; [| 1L |] ]
        let ps = [ for s in shapes -> new Modules.Parameter(torch.randn(s)) ]
        let layout = FlatLayout.TryCreate ps
        Assert.NotNull layout
        let opt = k.Flat layout
        for _ in 1 .. 3 do
            opt.zero_grad()
            let loss = ps |> List.map (fun p -> (p * p).sum()) |> List.reduce (+)
            loss.backward()
            opt.step() |> ignore
        let inViews = Collections.Generic.HashSet<int64>()
        for p in ps do
            let offset = p.storage_offset()
            Assert.Equal(0L, offset * 4L % int64 FlatLayout.Alignment)
            // The one-pass CPU updates read each parameter's own gradient (their zero_grad sets them to none): no gradient views.
            match box opt with
            | :? Adam as a when a.FusedSteps > 0L -> ()
            | :? RMSProp as r when r.FusedSteps > 0L -> ()
            | _ -> Assert.Equal(offset, p.grad.storage_offset())
            for j in 0L .. p.numel() - 1L do inViews.Add(offset + j) |> ignore
        let values = layout.Values.data<float32>().ToArray()
        Assert.Equal((List.last ps).storage_offset() + 1L, values.LongLength)
        for j in 0 .. values.Length - 1 do
            if not (inViews.Contains(int64 j)) then Assert.Equal(0.0f, values.[j])
        Assert.True(inViews.Count < values.Length, "the layout has gaps")

/// 30 steps of both optimisers on a random quadratic loss: the parameters and the saved state are bit-equal after every
/// step, through a parameter left out of the first three losses (no gradient), a gradient replaced by a fresh tensor, a
/// parameter set to a new tensor, and a learning-rate change.
[<Fact>]
let ``The flat optimisers step exactly as TorchSharp's through missing gradients, replaced gradients and moved parameters`` () =
    for k in kinds do
        for skip in [ false; true ] do
            use scope = torch.NewDisposeScope()
            torch.manual_seed 5L |> ignore
            let shapes = [ [| 3L; 4L |]; [| 4L |]; [||]; [| 2L; 3L; 5L |] ]
            let init = [ for s in shapes -> torch.randn(s) ]
            let refPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
            let flatPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
            let refOpt = k.Torch refPs
            let layout = FlatLayout.TryCreate(flatPs)
            Assert.NotNull layout
            let flatOpt = k.Flat layout
            for step in 1 .. 30 do
                let ws = [ for s in shapes -> torch.randn(s) ]
                for ps, opt in [ refPs, refOpt; flatPs, flatOpt ] do
                    opt.zero_grad()
                    let terms = [ for i, (p, w) in List.indexed (List.zip ps ws) do
                                    if not (skip && i = 2 && step <= 3) then (p * w).sum() + 0.1 * (p * p).sum() ]
                    (List.reduce (+) terms).backward()
                    use _ = torch.no_grad()
                    if step = 10 then ps.[0].grad <- ps.[0].grad.clone()
                    if step = 15 then ps.[1].set_(ps.[1].clone()) |> ignore
                    if step = 20 then for g in opt.ParamGroups do g.LearningRate <- 3e-3
                    opt.step() |> ignore
                for i, (a, b) in List.indexed (List.zip refPs flatPs) do
                    if bitsOf a <> bitsOf b then failwithf "%s (skip %b): parameter %d differs after step %d" k.Name skip i step
                Assert.Equal<byte[]>(saved refOpt, saved flatOpt)
            let flat = box flatOpt :?> IFlatOptimizer
            // Adam's per-parameter step counts differ for good once a parameter missed steps: the per-parameter path then;
            // SGD's momentum buffers are there for some parameters only at step 4 (a per-parameter step).
            let expected =
                match skip, k.Name with
                | false, _ -> 30L
                | true, "adam" -> 0L
                | true, "sgd" -> 26L
                | true, _ -> 27L
            Assert.True((flat.FlatSteps = expected), $"{k.Name} (skip {skip}): {flat.FlatSteps} flat steps, expected {expected}")
            Assert.Same(layout, flat.Layout)
            Assert.NotNull(layout.Slice flatPs)      // every parameter a view of the buffer again

/// Checkpoints: an optimiser file written by TorchSharp's optimisers loads into the flat ones and back, byte for byte; the
/// networks' and optimisers' loads (and a safetensors import) write into the flat buffers: the parameters stay views.
[<Fact>]
let ``Checkpoint files are the same for the flat and TorchSharp's optimisers and loads keep the parameters views`` () =
    let optimizers =
        [ "optimizer opt_d = adam(D, lr: 0.05, weight_decay: 1e-3) minimize d_loss\noptimizer opt_g = adam(G, lr: 0.01) minimize g_loss"
          "optimizer opt_d = rmsprop(D, lr: 0.01, momentum: 0.5) minimize d_loss\noptimizer opt_g = rmsprop(G, lr: 0.01) minimize g_loss"
          "optimizer opt_d = sgd(D, lr: 0.05, momentum: 0.9) minimize d_loss\noptimizer opt_g = sgd(G, lr: 0.05) minimize g_loss" ]
    for opts in optimizers do
        let text =
            File.ReadAllText(TestFiles.spec "gaussian2d.gan")
                .Replace("optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\noptimizer opt_g = adam(G, lr: 0.01) minimize g_loss", opts)
                .Replace("  order: [opt_d, opt_g]", "  order: [opt_d, opt_g]\n  ema: [G, decay: 0.9]")
        let ir = compile text
        let trainer torchSharp = new Trainer(ir, TrainOptions(RunFolder = false, TorchSharpOptimizers = torchSharp))
        for fromTorch in [ true; false ] do
            TestFiles.withTempDir (fun dir ->
                use scope = torch.NewDisposeScope()
                use a = trainer fromTorch
                a.RunSteps 7
                for KeyValue (n, m) in a.Networks do m.save(Path.Combine(dir, $"net-{n}.dat")) |> ignore
                for o in [ "opt_d"; "opt_g" ] do (a.OptimizerOf o).save_state_dict(Path.Combine(dir, $"opt-{o}.dat"))
                Gan.Runtime.Interop.WeightsExchange.Export(ir, a.Networks, Path.Combine(dir, "w.safetensors"), null,
                                                           Gan.Runtime.Interop.WeightNaming.PyTorch, 7L) |> ignore
                use b = trainer (not fromTorch)
                let flat = if fromTorch then b else a
                for KeyValue (n, m) in b.Networks do m.load(Path.Combine(dir, $"net-{n}.dat")) |> ignore
                for o in [ "opt_d"; "opt_g" ] do (b.OptimizerOf o).load_state_dict(Path.Combine(dir, $"opt-{o}.dat"))
                Assert.Equal<(string * double[]) list>(state a, state b)
                for o in [ "opt_d"; "opt_g" ] do Assert.Equal<byte[]>(saved (a.OptimizerOf o), saved (b.OptimizerOf o))
                Gan.Runtime.Interop.WeightsExchange.Import(b.Networks, Path.Combine(dir, "w.safetensors"), null, ir.Schedule.Emas)
                |> ignore
                Assert.Equal<(string * double[]) list>(state a, state b)
                // The flat trainer's parameters are still views of its buffers (ResumeTests: a resumed run goes on as one
                // that was not interrupted).
                for o, n in [ "opt_d", "D"; "opt_g", "G" ] do Assert.NotNull(Optimizers.FlatSlice(flat.OptimizerOf o, flat.Networks.[n])))
