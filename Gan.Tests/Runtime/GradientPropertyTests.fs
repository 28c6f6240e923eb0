/// Property 3: for every layer kind and every loss primitive, autograd's gradient equals central finite
/// differences in float64 (DiffSharp is not available; finite differences are the oracle).
module Gan.Tests.Runtime.GradientPropertyTests

open Gan.Tests

open System
open System.Collections.Generic
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Dsl
open Gan.Dsl.Ir
open Gan.Dsl.Layers
open Gan.Dsl.Losses
open Gan.Runtime.Losses
open Gan.Runtime.Model
open Gan.Runtime.Training
open Gan.Tests.NetworkGenerators
open Gan.Tests.Generators
open Gan.Tests.FiniteDifferences

/// One single-layer network: the layer kind, the input declaration, the body lines and the batch size.
type LayerCase = { Kind: string; Inputs: string; Lines: string list; Seed: int }

let private pick (r: Random) (xs: 'a list) = xs.[r.Next xs.Length]

/// A random small instance of a layer kind (sizes from the case seed, so shrinking is by seed).
let layerCase (kind: string) (seed: int) : LayerCase =
    let r = Random seed
    let n () = r.Next(1, 5)
    let image minHw =
        let c, hh, w = r.Next(1, 3), r.Next(minHw, 6), r.Next(minHw, 6)
        sprintf "x: [%d, %d, %d]" c hh w, (c, hh, w)
    let flat () = let f = n () in sprintf "x: [%d]" f, f
    let one inputs line = { Kind = kind; Inputs = inputs; Lines = [ line ]; Seed = seed }
    match kind with
    | "linear" ->
        let i, _ = flat ()
        let option = pick r [ ""; ", spectral_norm: true"; ", equalized: true"; ", equalized: true, lr_mul: 0.01, bias_init: 1" ]
        one i (sprintf "linear(%d%s)" (n ()) option)
    | "conv2d" ->
        let i, _ = image 3
        let k = r.Next(1, 4)
        let pad = pick r [ "same"; "valid"; string (r.Next(0, 2)) ]
        let dil = if pad <> "same" && k <= 2 then r.Next(1, 3) else 1
        one i (sprintf "conv2d(%d, kernel: %d, stride: %d, padding: %s, dilation: %d%s)"
                   (r.Next(1, 3)) k (r.Next(1, 3)) pad dil (pick r [ ""; ""; ", spectral_norm: true"; ", equalized: true, lr_mul: 0.5" ]))
    | "conv_transpose2d" ->
        let i, _ = image 1
        let k = r.Next(1, 4)
        let pad = pick r [ "same"; "valid"; "0" ]
        one i (sprintf "conv_transpose2d(%d, kernel: %d, stride: %d, padding: %s%s)"
                   (r.Next(1, 3)) k (r.Next(1, 3)) pad (if r.Next 3 = 0 then ", spectral_norm: true" else ""))
    | "batchnorm" ->
        one (if r.Next 2 = 0 then fst (flat ()) else fst (image 1))
            (pick r [ "batchnorm"; "batchnorm(eps: 0.8)"; "batchnorm(scale: false)" ])
    | "layernorm" -> one (if r.Next 2 = 0 then fst (flat ()) else fst (image 1)) "layernorm"
    | "instancenorm" -> one (fst (image 2)) (pick r [ "instancenorm"; "instancenorm(affine: true)" ])
    | "dropout" -> one (fst (flat ())) "dropout(0.3)"
    | "relu" | "gelu" | "tanh" | "sigmoid" | "softplus" -> one (fst (flat ())) kind
    | "leaky_relu" -> one (fst (flat ())) "leaky_relu(0.2)"
    | "elu" -> one (fst (flat ())) "elu(0.7)"
    | "reshape" -> let i, (c, hh, w) = image 1 in one i (sprintf "reshape(%d, %d)" (c * hh) w)
    | "flatten" -> one (fst (image 1)) "flatten"
    | "concat" -> { Kind = kind; Inputs = fst (flat ()); Lines = [ "let a"; "tanh"; "concat(a)" ]; Seed = seed }
    | "add" -> { Kind = kind; Inputs = fst (flat ()); Lines = [ "let a"; "tanh"; "add(a)" ]; Seed = seed }
    | "mul" ->
        if r.Next 2 = 0 then { Kind = kind; Inputs = fst (flat ()); Lines = [ "let a"; "tanh"; "mul(a)" ]; Seed = seed }
        else { Kind = kind; Inputs = fst (image 1); Lines = [ "let a"; "global_avgpool"; "tanh"; "let v"; "from a"; "mul(v)" ]; Seed = seed }
    | "film" ->
        let bias = if r.Next 2 = 0 then ", bias: true" else ""
        let sn = if r.Next 3 = 0 then ", spectral_norm: true" else ""
        match r.Next 3 with
        | 0 ->        // by a label: the input is the label, embedded to the modulated value
            let k = r.Next(2, 5)
            { Kind = kind; Inputs = sprintf "y: label(%d)" k
              Lines = [ sprintf "embedding(%d, %d)" k (n ()); sprintf "film(by: y%s%s)" bias sn ]; Seed = seed }
        | 1 -> { Kind = kind; Inputs = fst (flat ()); Lines = [ "let a"; "tanh"; "let v"; "from a"; sprintf "film(by: v%s%s)" bias sn ]; Seed = seed }
        | _ ->
            { Kind = kind; Inputs = fst (image 1)
              Lines = [ "let a"; "global_avgpool"; sprintf "linear(%d)" (n ()); "let v"; "from a"; sprintf "film(by: v%s%s)" bias sn ]
              Seed = seed }
    | "modconv2d" ->
        { Kind = kind; Inputs = fst (image 1)
          Lines = [ "let a"; "global_avgpool"; sprintf "linear(%d)" (n ()); "let w"; "from a"
                    sprintf "modconv2d(%d, kernel: %d, style: w, demodulate: %b, bias: %b)"
                        (r.Next(1, 3)) (pick r [ 1; 3 ]) (r.Next 2 = 0) (r.Next 2 = 0) ]
          Seed = seed }
    | "embedding" ->
        let k = r.Next(2, 5)
        one (sprintf "y: label(%d)" k) (sprintf "embedding(%d, %d%s)" k (n ()) (if r.Next 2 = 0 then ", spectral_norm: true" else ""))
    | "upsample" -> one (fst (image 1)) (pick r [ "upsample(2)"; "upsample(2, mode: bilinear)" ])
    | "avgpool" | "maxpool" ->
        let i, (_, hh, w) = image 2
        let k = r.Next(1, min hh w + 1)
        one i (sprintf "%s(%d, padding: %d)" kind k (r.Next(0, k / 2 + 1)))
    | "global_avgpool" -> one (fst (image 1)) "global_avgpool"
    | "pixelnorm" -> one (if r.Next 2 = 0 then fst (flat ()) else fst (image 1)) "pixelnorm"
    | "sum" -> if r.Next 2 = 0 then one (fst (flat ())) "sum(over: features)" else one (fst (image 1)) "sum(over: spatial)"
    | "scale" -> one (if r.Next 2 = 0 then fst (flat ()) else fst (image 1)) (pick r [ "scale(1 / sqrt(2))"; "scale(-3)" ])
    | "self_attention" ->
        let hh, w = 2 * r.Next(1, 3), 2 * r.Next(1, 3)
        one (sprintf "x: [8, %d, %d]" hh w) (pick r [ "self_attention"; "self_attention(spectral_norm: true)" ])
    | "minibatch_stddev" ->
        // The gradient batch is 3: group 4 gives one group of 3; group 2 falls back to groups of 1 (σ = √1e-8, constant).
        let f = r.Next(1, 3)
        one (sprintf "x: [%d, %d, %d]" (f * r.Next(1, 3)) (r.Next(1, 4)) (r.Next(1, 4)))
            (sprintf "minibatch_stddev(group: %s, channels: %d)" (pick r [ "4"; "4"; "2" ]) f)
    | "noise" -> one (fst (image 1)) "noise"
    | "const" -> one (if r.Next 2 = 0 then fst (flat ()) else fst (image 1)) (sprintf "const(%d, %d, %d)" (n ()) (n ()) (n ()))
    | other -> failwithf "no gradient case for layer kind '%s': add one to GradientPropertyTests.layerCase" other

let private compileLayer (c: LayerCase) =
    let text, _ = specOf { Header = sprintf "network N(%s)" c.Inputs; Lines = c.Lines; Outputs = [] }
    let r = Compilation.Compile("grad.gan", text)
    if r.HasErrors then failwithf "case does not compile: %s\n%s" (r.Errors |> Seq.map string |> String.concat "\n") text
    r.Ir.Networks |> Seq.find (fun n -> n.Name = "N")

let private layerSeen = Dictionary<string, int>()

let checkLayer (c: LayerCase) =
    lock layerSeen (fun () -> layerSeen.[c.Kind] <- (match layerSeen.TryGetValue c.Kind with | true, k -> k + 1 | _ -> 1))
    let ir = compileLayer c
    use scope = torch.NewDisposeScope()
    torch.manual_seed (int64 c.Seed) |> ignore
    use m = new NetworkModule(ir)
    m.``to``(torch.float64) |> ignore
    // Scalar gains that start at 0 (self_attention's γ, noise's strength) would hide the gradient of what they scale.
    do
        use _ = torch.no_grad()
        for struct (_, p) in m.named_parameters() do
            if p.numel() = 1L then p.fill_(0.7) |> ignore
    // Spectral norm's power iteration changes u each training forward: check the formula with u, v fixed (eval).
    if c.Lines |> List.exists (fun l -> l.Contains "spectral_norm") then m.eval() else m.train()
    let batch = 3L
    let input = ir.Inputs.[0]
    let x =
        if input.Kind = InputKind.Label then torch.randint(0L, int64 input.Classes, [| batch |])
        else torch.randn(Array.append [| batch |] (input.Shape |> Seq.map int64 |> Seq.toArray), dtype = torch.float64)
    let outShape = Array.append [| batch |] (ir.Nodes.[ir.Outputs.[ir.DefaultOutput]].Shape |> Seq.map int64 |> Seq.toArray)
    let weights = torch.randn(outShape, dtype = torch.float64)
    // f = Σ out ⊙ R: a scalar that depends on every output element. Dropout's mask is fixed by reseeding.
    let f (x: torch.Tensor) =
        torch.manual_seed 11L |> ignore
        (m.Output([| x |], ir.DefaultOutput) * weights).sum()
    let xg = if x.is_floating_point() then x.clone().requires_grad_(true) else x
    f(xg).backward()
    let parameters = m.named_parameters() |> Seq.map (fun struct (name, p) -> name, p) |> List.ofSeq
    if x.is_floating_point() then
        // Evaluated on the leaf that requires grad, as autograd's was: dropout draws its mask differently otherwise.
        // const does not read its input's values: no gradient reaches it, and the differences must all be 0.
        let auto = if isNull xg.grad then Array.zeroCreate (int (xg.numel())) else xg.grad.flatten().data<float>().ToArray()
        compareGradients (c.Kind + " input") auto (finiteDifferences (fun () -> f(xg).item<float>()) xg)
    for (name, p) in parameters do
        if isNull p.grad then failwithf "%s %s: no gradient reached this parameter" c.Kind name
        let auto = p.grad.flatten().data<float>().ToArray()
        compareGradients (sprintf "%s %s" c.Kind name) auto (finiteDifferences (fun () -> f(xg).item<float>()) p)
    true

/// Cases of one layer kind, from random seeds.
let private arbLayerCase (kind: string) =
    let g = Gen.choose (0, 1_000_000) |> Gen.map (layerCase kind)
    Arb.fromGenShrink (g, fun c -> Seq.init 3 (fun i -> layerCase c.Kind i) |> Seq.filter (fun d -> d.Seed < c.Seed))

[<Fact>]
let ``For every layer kind, autograd's gradient with respect to the input and every parameter equals central finite differences in float64`` () =
    // Every kind gets its share of the cases: drawing the kind at random missed one kind in six runs of 200 cases.
    let kinds = List.ofSeq LayerRegistry.Kinds.Keys
    let perKind = max 3 (max cases 100 / kinds.Length)
    for kind in kinds do Check.One(config.WithMaxTest perKind, Prop.forAll (arbLayerCase kind) checkLayer)
    let missing = LayerRegistry.Kinds.Keys |> Seq.filter (fun k -> not (layerSeen.ContainsKey k)) |> List.ofSeq
    Assert.True(missing.IsEmpty, sprintf "layer kinds never generated: %A" missing)
    Assert.True(
        kinks () * 1000 < elements (),
        sprintf "%d of %d elements sat on a kink: the comparison skipped too many" (kinks ()) (elements ()))

/// A loss primitive (or the gradient penalty / R1) on random float64 inputs of a random batch size.
type LossCase = { Primitive: string; Seed: int }

/// Every primitive of the compiler's table, and the penalties.
let private lossNames = [ for p in LossPrimitives.All -> p.Name ] @ [ "gradient_penalty"; "r1" ]

/// A primitive evaluated through the runtime's table, as a training step evaluates it.
let private viaTable (name: string) (args: torch.Tensor list) =
    let exprs =
        System.Collections.Immutable.ImmutableArray.CreateRange(
            args |> List.map (fun _ -> Gan.Dsl.Ir.RealIr() :> Gan.Dsl.Ir.LossExprIr))
    LossTable.Functions.[name].Invoke(LossArguments(Array.ofList args, exprs, null))
let private lossSeen = HashSet<string>()

let checkLoss (c: LossCase) =
    lock lossSeen (fun () -> lossSeen.Add c.Primitive |> ignore)
    use scope = torch.NewDisposeScope()
    torch.manual_seed (int64 c.Seed) |> ignore
    let r = Random c.Seed
    let n = int64 (r.Next(2, 6))
    let f64 (shape: int64[]) = torch.randn(shape, dtype = torch.float64)
    let col () = f64 [| n; 1L |]
    let target () = torch.tensor(r.NextDouble(), dtype = torch.float64)
    // Each case: the differentiated inputs and the loss as a function of them.
    let inputs, loss =
        match c.Primitive with
        | "bce_logits" -> let t = target () in [ col () ], (fun (a: torch.Tensor list) -> viaTable c.Primitive [ a.[0]; t ])
        | "bce" -> let t = target () in [ col().sigmoid() ], (fun a -> viaTable c.Primitive [ a.[0]; t ])
        | "cross_entropy" ->
            let k = int64 (r.Next(2, 6))
            let labels = torch.randint(0L, k, [| n |])
            [ f64 [| n; k |] ], (fun a -> viaTable c.Primitive [ a.[0]; labels ])
        | "mse" | "l1" -> [ f64 [| n; 3L |]; f64 [| n; 3L |] ], viaTable c.Primitive
        | "mean" -> [ f64 [| n; 2L |] ], viaTable c.Primitive
        | "hinge_d" -> [ col () * 2.0; col () * 2.0 ], viaTable c.Primitive
        | "wasserstein_d" | "lsgan_d" | "ragan_d" | "ragan_g" -> [ col (); col () ], viaTable c.Primitive
        | "wasserstein_g" | "hinge_g" | "lsgan_g" -> [ col () ], viaTable c.Primitive
        | "gradient_penalty" | "r1" ->
            // A small tanh critic; the penalty's gradient with respect to its weights needs a double backward.
            let real, fake = f64 [| n; 2L |], f64 [| n; 2L |]
            let critic (w: torch.Tensor) (x: torch.Tensor) = x.matmul(w.t()).tanh().sum(1L, keepdim = true)
            [ f64 [| 3L; 2L |] ],
            (fun a ->
                if c.Primitive = "r1" then LossFunctions.R1(critic a.[0], real, 2.0)
                else
                    use g = new torch.Generator(uint64 c.Seed)
                    LossFunctions.GradientPenalty(critic a.[0], real, fake, 1.0, 10.0, g))
        | other -> failwithf "no gradient case for loss primitive '%s': add one to GradientPropertyTests.checkLoss" other
    let xs = inputs |> List.map (fun x -> x.detach().clone().requires_grad_(true))
    (loss xs).backward()
    for i, (x, leaf) in List.indexed (List.zip inputs xs) do
        let numeric = finiteDifferences (fun () -> (loss inputs).item<float>()) x
        compareGradients (sprintf "%s argument %d" c.Primitive i) (leaf.grad.flatten().data<float>().ToArray()) numeric
    true

[<Fact>]
let ``For every loss primitive, the gradient penalty and R1, autograd's gradient equals central finite differences in float64`` () =
    // Every primitive gets its share of the cases, as every layer kind above.
    for p in lossNames do
        let g = Gen.choose (0, 1_000_000) |> Gen.map (fun s -> { Primitive = p; Seed = s })
        Check.One(config.WithMaxTest(max 3 (cases / lossNames.Length)), Prop.forAll (Arb.fromGen g) checkLoss)
    let missing = lossNames |> List.filter (lossSeen.Contains >> not)
    Assert.True(missing.IsEmpty, sprintf "loss primitives never generated: %A" missing)

