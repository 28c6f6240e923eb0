/// Properties 1 and 2 on random networks: the checker's shapes and parameter counts against TorchSharp.
module Gan.Tests.Runtime.NetworkPropertyTests

open Gan.Tests

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Dsl
open Gan.Dsl.Ir
open Gan.Runtime.Model
open Gan.Tests.NetworkGenerators
open Gan.Tests.Generators

/// Compiles a generated network inside a minimal spec; a rejected valid network is a checker bug.
let compileNet (net: NetCase) =
    let r = render net
    let text, _ = specOf r
    let c = Compilation.Compile("net.gan", text)
    if c.HasErrors then
        failwithf "the checker rejected a valid generated network:\n%s\n%s"
            (c.Errors |> Seq.map (fun d -> d.Format false) |> String.concat "\n") text
    r, text, c.Ir.Networks |> Seq.find (fun n -> n.Name = "N")

let inputsFor (ir: NetworkIr) (batch: int) =
    [| for i in ir.Inputs ->
         if i.Kind = InputKind.Label then torch.randint(0L, int64 i.Classes, [| int64 batch |])
         else torch.randn(Array.append [| int64 batch |] (i.Shape |> Seq.map int64 |> Seq.toArray)) |]

/// Which interesting features the generated cases had (so a property cannot pass by never meeting them).
let private coverage = Coverage()
let private features =
    [ "conv2d"; "conv_transpose2d"; "padding: same"; "padding: valid"; "batchnorm"; "instancenorm"; "concat"; "output h1"
      "label("; "upsample"; "maxpool"; "avgpool"; "spectral_norm"; "global_avgpool"; "layernorm"; "reshape"; "pixelnorm"
      "residual {"; "} shortcut {"; "add("; "mul("; "film(by:"; "bias: true)"; "modconv2d("
      "sum(over"; "minibatch_stddev"; "noise"; "const("; "equalized" ]
let private note (text: string) = for k in features do coverage.Note(k, text.Contains k)

/// Every feature appeared in at least one case in 50.
let private assertCoverage () = coverage.Assert(features, cases / 50)

[<Fact>]
let ``The shape the checker infers equals the shape TorchSharp produces, for every generated network at batch sizes 1 to 5`` () =
    let prop (net: NetCase) =
        let r, text, ir = compileNet net
        note text
        use scope = torch.NewDisposeScope()
        use m = new NetworkModule(ir)
        for batch in 1 .. 5 do
            // BatchNorm over a batch of one has no batch statistics: batch 1 runs in eval mode.
            if batch = 1 then m.eval() else m.train()
            let values = m.Forward(inputsFor ir batch)
            for node in ir.Nodes do
                let actual = values.[node.Id].shape |> Array.map int |> List.ofArray
                let expected = batch :: List.ofSeq node.Shape
                if actual <> expected then
                    failwithf "batch %d, node %s (%s): TorchSharp %A, checker %A\n%s" batch node.Name node.Op.OpName actual expected text
        // The generator's own bookkeeping is a third opinion on the output shapes.
        for (name, shape) in r.Outputs do
            let node = ir.Nodes.[ir.Outputs.[if name = "" then ir.DefaultOutput else name]]
            if List.ofSeq node.Shape <> shape then
                failwithf "output %s: checker %A, generator %A\n%s" name (List.ofSeq node.Shape) shape text
        true
    Check.One(config, Prop.forAll arbNet prop)
    assertCoverage ()

[<Fact>]
let ``The parameter count the checker reports equals the sum of numel over the built module's trainable parameters, node by node`` () =
    let prop (net: NetCase) =
        let _, text, ir = compileNet net
        use m = new NetworkModule(ir)
        let built =
            m.named_parameters()
            |> Seq.filter (fun struct (_, p) -> p.requires_grad)
            |> Seq.groupBy (fun struct (name, _) -> name.Split('.').[0])
            |> Seq.map (fun (node, ps) -> node, ps |> Seq.sumBy (fun struct (_, p) -> p.numel()))
            |> Map.ofSeq
        for node in ir.Nodes do
            let b = built |> Map.tryFind node.Name |> Option.defaultValue 0L
            if b <> node.Parameters then failwithf "node %s (%s): built %d, checker %d\n%s" node.Name node.Op.OpName b node.Parameters text
        if m.TrainableCount <> ir.Parameters then failwithf "network: built %d, checker %d\n%s" m.TrainableCount ir.Parameters text
        true
    Check.One(config, Prop.forAll arbNet prop)

/// Greedy shrinking with the suite's own shrinker, as FsCheck does it.
let rec private minimise (fails: NetCase -> bool) (n: NetCase) =
    match shrinkNet n |> Seq.tryFind fails with
    | Some smaller -> minimise fails smaller
    | None -> n

[<Fact>]
let ``A failing network shrinks to a minimal one: a single layer on the smallest input`` () =
    // A stand-in for a bug in conv_transpose2d with stride 2: every network that renders one "fails".
    let fails (n: NetCase) = (render n).Lines |> List.exists (fun l -> l.StartsWith "conv_transpose2d" && l.Contains "stride: 2")
    let failing = Gen.sample 40 (netCaseGen |> Gen.filter fails)
    Assert.NotEmpty failing
    for n in failing do
        let m = minimise fails n
        Assert.Equal(0, m.Label)
        Assert.Empty(m.Heads)
        Assert.Equal<int list>([ 1 ], m.Input)
        Assert.Equal<Layer list>([ ConvT(1, 1, 2, Valid) ], m.Trunk)

/// A size edit that must break the shapes at its own line: a wrong stated input size, a wrong feature
/// count, or a reshape to a different element count.
let private breakingEdits (line: string) : (string * string) list =
    let m = System.Text.RegularExpressions.Regex.Match(line, @"in: (\d+)")
    [ if m.Success then
          let n = int m.Groups.[1].Value
          yield "in", line.Replace(m.Value, sprintf "in: %d" (n + 1))
      let bn = System.Text.RegularExpressions.Regex.Match(line, @"^batchnorm\((\d+)\)$")
      if bn.Success then yield "batchnorm", sprintf "batchnorm(%d)" (int bn.Groups.[1].Value + 2)
      let rs = System.Text.RegularExpressions.Regex.Match(line, @"^reshape\((\d+)")
      if rs.Success then yield "reshape", line.Replace(rs.Value, sprintf "reshape(%d" (2 * int rs.Groups.[1].Value)) ]

let private edited = Dictionary<string, int>()

[<Fact>]
let ``Changing one size in a valid network so that the shapes break yields a shape error at the edited line and no new diagnostic elsewhere`` () =
    let prop (net: NetCase, pick: int) =
        let r = render net
        let text, firstLine = specOf r
        let edits = r.Lines |> List.indexed |> List.collect (fun (i, l) -> breakingEdits l |> List.map (fun (kind, e) -> i, kind, e))
        if edits.IsEmpty then true
        else
            let i, kind, newLine = edits.[abs pick % edits.Length]
            lock edited (fun () -> edited.[kind] <- (match edited.TryGetValue kind with | true, n -> n + 1 | _ -> 1))
            let brokenText, _ = specOf { r with Lines = List.updateAt i newLine r.Lines }
            let line = firstLine + i
            let key (d: Gan.Dsl.Diagnostics.Diagnostic) = (let struct (l, _) = d.Position in l), d.Code
            // (The valid spec's only diagnostic is the warning that N is unused; lints are skipped once there are errors.)
            let before = Compilation.Compile("net.gan", text).Diagnostics |> Seq.map key |> Set.ofSeq
            let after = Compilation.Compile("net.gan", brokenText).Diagnostics |> Seq.map key |> Set.ofSeq
            let added = Set.difference after before
            let describe () = sprintf "edited line %d to '%s'; new diagnostics %A\n%s" line newLine (List.ofSeq added) brokenText
            if added.IsEmpty then failwithf "no diagnostic: %s" (describe ())
            if added |> Set.exists (fun (l, code) -> l <> line || not (code.StartsWith "GAN03")) then
                failwithf "a diagnostic away from the edit, or not a shape code: %s" (describe ())
            true
    Check.One(
        config,
        Prop.forAll
            (Arb.fromGenShrink (Gen.zip netCaseGen (Gen.choose (0, 1000)), fun (n, p) -> shrinkNet n |> Seq.map (fun n -> n, p)))
            prop)
    for kind in [ "in"; "batchnorm"; "reshape" ] do
        Assert.True(edited.GetValueOrDefault kind > cases / 20, sprintf "only %d edits of kind %s" (edited.GetValueOrDefault kind) kind)
