/// FsCheck generators: mutations of the real specs, token soup and random bytes.
module Gan.Tests.Generators

open System
open System.IO
open System.Text
open FsCheck
open FsCheck.FSharp

/// How many cases each property runs: GANDSL_PROPERTY_CASES raises it for a deeper run.
let cases =
    match Environment.GetEnvironmentVariable "GANDSL_PROPERTY_CASES" with
    | null | "" -> 200
    | s -> int s

/// GANDSL_PROPERTY_REPLAY="seed,gamma" (as printed by a failure) replays one failing run.
let private replay =
    match Environment.GetEnvironmentVariable "GANDSL_PROPERTY_REPLAY" with
    | null | "" -> None
    | s ->
        let parts = s.Trim('(', ')', ' ').Split(',') |> Array.map (fun p -> UInt64.Parse(p.Trim()))
        Some { Rnd = Rnd(parts.[0], parts.[1]); Size = None }

let config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(replay)

let specFiles = lazy (Directory.GetFiles(Path.Combine(TestFiles.repoRoot, "specs"), "*.gan") |> Array.sort)
let specTexts = lazy (specFiles.Value |> Array.map File.ReadAllText)

/// One edit of a spec's text, as the property suite asks for.
type Mutation =
    | DeleteLine of line: int
    | DuplicateToken of at: int
    | ChangeNumber of nth: int * value: int
    | Truncate of at: int
    | SwapLines of a: int * b: int
    | Rename of nth: int * other: int

let applyMutation (text: string) (m: Mutation) =
    let lines = text.Split '\n'
    let clampLine i = if lines.Length = 0 then 0 else abs i % lines.Length
    match m with
    | DeleteLine i -> lines |> Array.removeAt (clampLine i) |> String.concat "\n"
    | DuplicateToken at ->
        let i = if text.Length = 0 then 0 else abs at % text.Length
        let j = let mutable j = i in (while j < text.Length && not (Char.IsWhiteSpace text.[j]) do j <- j + 1); j
        text.Substring(0, j) + " " + text.Substring(i, j - i) + text.Substring j
    | ChangeNumber (nth, value) ->
        let ms = RegularExpressions.Regex.Matches(text, @"\d+")
        if ms.Count = 0 then text
        else
            let m = ms.[abs nth % ms.Count]
            text.Substring(0, m.Index) + string value + text.Substring(m.Index + m.Length)
    | Truncate at -> if text.Length = 0 then text else text.Substring(0, abs at % text.Length)
    | SwapLines (a, b) ->
        let a, b = clampLine a, clampLine b
        let copy = Array.copy lines
        copy.[a] <- lines.[b]
        copy.[b] <- lines.[a]
        String.concat "\n" copy
    | Rename (nth, other) ->
        // One identifier becomes another of the file's identifiers, or a misspelling of itself: names, not syntax, break.
        let ms = RegularExpressions.Regex.Matches(text, @"\b[A-Za-z_][A-Za-z_0-9]*\b")
        if ms.Count = 0 then text
        else
            let m = ms.[abs nth % ms.Count]
            let replacement = if other % 3 = 0 then m.Value + "q" else ms.[abs other % ms.Count].Value
            text.Substring(0, m.Index) + replacement + text.Substring(m.Index + m.Length)

/// Edits that keep the syntax (numbers, names) are the more frequent, so that most mutants reach the binder and checker.
let mutationGen =
    Gen.frequency [
        (2, Gen.choose (0, 400) |> Gen.map DeleteLine)
        (1, Gen.choose (0, 5000) |> Gen.map DuplicateToken)
        (5, Gen.map2 (fun n v -> ChangeNumber(n, v)) (Gen.choose (0, 200)) (Gen.elements [ 0; 1; 3; 7; 13; 64; 100000; -1 ]))
        (1, Gen.choose (0, 5000) |> Gen.map Truncate)
        (1, Gen.map2 (fun a b -> SwapLines(a, b)) (Gen.choose (0, 400)) (Gen.choose (0, 400)))
        (4, Gen.map2 (fun n o -> Rename(n, o)) (Gen.choose (0, 2000)) (Gen.choose (0, 2000))) ]

/// A spec from specs/ with 1 to 3 mutations applied.
let mutatedSpec =
    gen {
        let! i = Gen.choose (0, specTexts.Value.Length - 1)
        let! ms = Gen.listOfLength 3 mutationGen
        let! k = Gen.choose (1, 3)
        return ms |> List.truncate k |> List.fold applyMutation specTexts.Value.[i]
    }

let private soupTokens =
    [| "gan"; "network"; "loss"; "optimizer"; "schedule"; "sample"; "data"; "latent"; "block"; "param"; "use"; "if"; "else"
       "let"; "from"; "output"; "init"; "quirk"; "minimize"; "G"; "D"; "z"; "real"; "labels"; "linear"; "conv2d"; "batchnorm"
       "reshape"; "concat"; "detach"; "bce_logits"; "gradient_penalty"; "("; ")"; "{"; "}"; "["; "]"; ","; ":"; "="; "."
       "+"; "-"; "*"; "/"; "0"; "1"; "28"; "2e-4"; "-1"; "\"s\""; "\n"; "#c\n"; "$"; "\"" |]

/// Random sequences of the language's own tokens.
let tokenSoup = Gen.elements soupTokens |> Gen.listOf |> Gen.map (String.concat " ")

/// Random bytes read as Latin-1 text.
let randomBytes = Gen.choose (0, 255) |> Gen.map byte |> Gen.arrayOf |> Gen.map (fun b -> Encoding.Latin1.GetString b)


// ---------------------------------------------------------------------------------------------
// Random valid networks.
//
// A case is a recipe: an input, an optional label input, a trunk of layers and optional extra heads.
// `render` turns any recipe into a network whose shapes are consistent, adapting each layer to the
// shape it receives (a conv after a flat vector gets a reshape first, a kernel larger than the image
// shrinks to fit, an upsample that would exceed the size bound is left out). So every recipe the
// shrinker produces is still a valid network, and a failure shrinks to a minimal one.
// ---------------------------------------------------------------------------------------------

type Pad =
    | Same
    | Valid
    | Explicit of int

type Layer =
    | Linear of out: int * spectral: bool
    | Conv of out: int * kernel: int * stride: int * pad: Pad
    | ConvT of out: int * kernel: int * stride: int * pad: Pad
    | BatchNorm
    | LayerNorm
    | InstanceNorm
    | Activation of kind: int
    | Reshape of transpose: bool
    | Flatten
    | Upsample of bilinear: bool
    | Pool of max: bool * kernel: int * padding: int
    | GlobalAvgPool
    | Dropout
    | PixelNorm
    | Branch of Layer list * Layer list

/// Input is [n] or [c; h; w]; Label is the class count of a second, label input (0: none).
type NetCase = { Input: int list; Label: int; Trunk: Layer list; Heads: Layer list list }

/// A rendered network: its body lines and the shape of each output.
type RenderedNet = { Header: string; Lines: string list; Outputs: (string * int list) list }

let private maxSpatial = 12
let private activationNames = [| "relu"; "leaky_relu(0.2)"; "elu"; "gelu"; "tanh"; "sigmoid"; "softplus" |]
let private clamp lo hi x = max lo (min hi x)
let private count (s: int list) = List.fold (*) 1 s
let private padText = function Same -> "same" | Valid -> "valid" | Explicit p -> string p

/// A flat vector as an image: the largest square spatial size (≤ the bound) that divides it.
let private toImage (shape: int list) =
    match shape with
    | [ _; _; _ ] -> [], shape
    | _ ->
        let n = count shape
        let h = [ min maxSpatial (int (sqrt (float n))) .. -1 .. 1 ] |> List.find (fun h -> n % (h * h) = 0)
        [ sprintf "reshape(%d, %d, %d)" (n / (h * h)) h h ], [ n / (h * h); h; h ]

let rec private emit (fresh: unit -> int) (shape: int list) (layer: Layer) : string list * int list =
    match layer with
    | Linear (out, sn) ->
        let pre, n = (match shape with [ n ] -> [], n | _ -> [ "flatten" ], count shape)
        let out = clamp 1 32 out
        pre @ [ sprintf "linear(%d, in: %d%s)" out n (if sn then ", spectral_norm: true" else "") ], [ out ]
    | Conv (out, k, st, pad) ->
        let pre, img = toImage shape
        let c, h, w = img.[0], img.[1], img.[2]
        let out, st = clamp 1 6 out, clamp 1 2 st
        let k = match pad with Same -> clamp 1 5 k | _ -> clamp 1 (min 5 (min h w)) k
        let pad = match pad with Explicit p -> Explicit(clamp 0 2 p) | p -> p
        let axis n =
            match pad with
            | Same -> (n + st - 1) / st
            | Valid -> (n - k) / st + 1
            | Explicit p -> (n + 2 * p - k) / st + 1
        pre @ [ sprintf "conv2d(%d, in: %d, kernel: %d, stride: %d, padding: %s)" out c k st (padText pad) ], [ out; axis h; axis w ]
    | ConvT (out, k, st, pad) ->
        let pre, img = toImage shape
        let c, h, w = img.[0], img.[1], img.[2]
        let out, st, k = clamp 1 6 out, clamp 1 2 st, clamp 1 4 k
        let full n = (n - 1) * st + k
        // Explicit padding crops p from each side; keep at least one row.
        let pad = match pad with Explicit p -> Explicit(clamp 0 ((min (full h) (full w) - 1) / 2) p) | p -> p
        let axis n =
            match pad with
            | Same -> n * st
            | Valid -> n * st + max (k - st) 0
            | Explicit p -> full n - 2 * p
        if axis h > 2 * maxSpatial || axis w > 2 * maxSpatial then [], shape
        else pre @ [ sprintf "conv_transpose2d(%d, in: %d, kernel: %d, stride: %d, padding: %s)" out c k st (padText pad) ], [ out; axis h; axis w ]
    | BatchNorm -> [ sprintf "batchnorm(%d)" shape.[0] ], shape
    | LayerNorm -> [ "layernorm" ], shape
    | InstanceNorm ->
        let pre, img = toImage shape
        // InstanceNorm normalises over H×W, so it needs more than one spatial element.
        if img.[1] * img.[2] < 2 then [], shape else pre @ [ "instancenorm(affine: true)" ], img
    | Activation k -> [ activationNames.[abs k % activationNames.Length] ], shape
    | Reshape transpose ->
        match shape with
        | [ c; h; w ] when transpose -> [ sprintf "reshape(%d, %d, %d)" c w h ], [ c; w; h ]
        | [ _; _; _ ] -> [ sprintf "reshape(%d)" (count shape) ], [ count shape ]
        | _ -> toImage shape
    | Flatten -> [ "flatten" ], [ count shape ]
    | Upsample bilinear ->
        let pre, img = toImage shape
        if 2 * max img.[1] img.[2] > maxSpatial then [], shape
        else pre @ [ sprintf "upsample(2, mode: %s)" (if bilinear then "bilinear" else "nearest") ], [ img.[0]; 2 * img.[1]; 2 * img.[2] ]
    | Pool (isMax, k, p) ->
        let pre, img = toImage shape
        let k = clamp 1 (min 3 (min img.[1] img.[2])) k
        let p = clamp 0 (k / 2) p                 // PyTorch: padding at most half the window
        let axis n = (n + 2 * p - k) / k + 1
        pre @ [ sprintf "%s(%d, padding: %d)" (if isMax then "maxpool" else "avgpool") k p ], [ img.[0]; axis img.[1]; axis img.[2] ]
    | GlobalAvgPool ->
        let pre, img = toImage shape
        pre @ [ "global_avgpool" ], [ img.[0] ]
    | Dropout -> [ "dropout(0.25)" ], shape
    | PixelNorm -> [ "pixelnorm" ], shape
    | Branch (a, b) ->
        let id = fresh ()
        let la, sa = emitAll fresh shape a
        let lb, sb = emitAll fresh shape b
        let joinable = sa.Length = sb.Length && List.tail sa = List.tail sb
        let save = [ sprintf "let s%d" id ]
        if joinable then
            save @ la @ [ sprintf "let a%d" id; sprintf "from s%d" id ] @ lb @ [ sprintf "concat(a%d)" id ], (sb.[0] + sa.[0]) :: List.tail sa
        else
            save @ la @ [ "flatten"; sprintf "let a%d" id; sprintf "from s%d" id ] @ lb @ [ "flatten"; sprintf "concat(a%d)" id ], [ count sa + count sb ]

and private emitAll (fresh: unit -> int) (shape: int list) (layers: Layer list) : string list * int list =
    layers |> List.fold (fun (lines, s) l -> let l2, s2 = emit fresh s l in lines @ l2, s2) ([], shape)

let private inputShape (s: int list) =
    match s with
    | [ c; h; w ] -> [ clamp 1 4 c; clamp 1 maxSpatial h; clamp 1 maxSpatial w ]
    | [ n ] -> [ clamp 1 32 n ]
    | _ -> [ 4 ]

/// Renders a recipe as the body of `network N(...)`.
let render (net: NetCase) : RenderedNet =
    let mutable next = 0
    let fresh () = next <- next + 1; next
    let input = inputShape net.Input
    let dims = input |> List.map string |> String.concat ", "
    let header, prelude, start =
        if net.Label > 0 then
            let k = clamp 2 10 net.Label
            let embed, joined =
                match input with
                | [ c; h; w ] -> [ sprintf "embedding(%d, %d)" k (h * w); sprintf "reshape(1, %d, %d)" h w ], [ c + 1; h; w ]
                | _ -> [ sprintf "embedding(%d, 4)" k ], [ input.[0] + 4 ]
            sprintf "network N(x: [%s], y: label(%d))" dims k, [ "from y" ] @ embed @ [ "let e"; "from x"; "concat(e)" ], joined
        else sprintf "network N(x: [%s])" dims, [], input
    let trunk, shape = emitAll fresh start net.Trunk
    let trunk = if prelude.IsEmpty && trunk.IsEmpty then [ "tanh" ] else trunk     // a network needs a layer
    match net.Heads with
    | [] -> { Header = header; Lines = prelude @ trunk; Outputs = [ "", shape ] }
    | heads ->
        let parts = heads |> List.mapi (fun i h -> let l, s = emitAll fresh shape h in (if i = 0 then [] else [ "from trunk" ]) @ l @ [ sprintf "output h%d" i ], (sprintf "h%d" i, s))
        { Header = header; Lines = prelude @ trunk @ [ "let trunk" ] @ (parts |> List.collect fst); Outputs = parts |> List.map snd }

/// A whole valid spec around the network: N itself is unused (a warning), the rest is a minimal GAN.
let specOf (r: RenderedNet) =
    let body = r.Lines |> List.map (fun l -> "  " + l)
    let lines =
        [ "gan p \"property case\""
          "data gaussian2d(mean: [0, 0], transform: [[1, 0], [0, 1]], count: 64)"
          "latent z = normal(2)"
          "network G(z: [2]) {"; "  linear(2)"; "}"
          "network D(x: [2]) {"; "  linear(1)"; "}"
          "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
          "loss g_loss = bce_logits(D(G(z)), 1)"
          "optimizer opt_d = adam(D, lr: 1e-3) minimize d_loss"
          "optimizer opt_g = adam(G, lr: 1e-3) minimize g_loss"
          "schedule {"; "  batch: 8"; "  steps: 1"; "  order: [opt_d, opt_g]"; "}"
          r.Header + " {" ]
    // The first body line's 1-based line number in the spec.
    String.concat "\n" (lines @ body @ [ "}"; "" ]), lines.Length + 1

let private padGen = Gen.oneof [ Gen.constant Same; Gen.constant Valid; Gen.choose (0, 2) |> Gen.map Explicit ]

let private leafGen =
    let size = Gen.choose (1, 32)
    let small = Gen.choose (1, 5)
    Gen.frequency [
        (4, Gen.map2 (fun o sn -> Linear(o, sn)) size (Gen.frequency [ (4, Gen.constant false); (1, Gen.constant true) ]))
        (4, gen { let! o = Gen.choose (1, 6) in let! k = small in let! s = Gen.choose (1, 2) in let! p = padGen in return Conv(o, k, s, p) })
        (3, gen { let! o = Gen.choose (1, 6) in let! k = Gen.choose (1, 4) in let! s = Gen.choose (1, 2) in let! p = padGen in return ConvT(o, k, s, p) })
        (3, Gen.constant BatchNorm); (1, Gen.constant LayerNorm); (1, Gen.constant InstanceNorm)
        (4, Gen.choose (0, 6) |> Gen.map Activation)
        (2, Gen.elements [ true; false ] |> Gen.map Reshape); (1, Gen.constant Flatten)
        (1, Gen.elements [ true; false ] |> Gen.map Upsample)
        (2, gen { let! m = Gen.elements [ true; false ] in let! k = Gen.choose (1, 3) in let! p = Gen.choose (0, 1) in return Pool(m, k, p) })
        (1, Gen.constant GlobalAvgPool); (1, Gen.constant Dropout); (1, Gen.constant PixelNorm) ]

let rec private layersGen depth =
    gen {
        let! n = Gen.choose (0, 6)
        return! Gen.listOfLength n (layerGen depth)
    }

and private layerGen depth =
    if depth = 0 then leafGen
    else Gen.frequency [ (10, leafGen); (1, Gen.map2 (fun a b -> Branch(a, b)) (layersGen (depth - 1)) (layersGen (depth - 1))) ]

let netCaseGen =
    gen {
        let! image = Gen.frequency [ (1, Gen.constant true); (1, Gen.constant false) ]
        let! input = if image then Gen.map3 (fun c h w -> [ c; h; w ]) (Gen.choose (1, 4)) (Gen.choose (1, 12)) (Gen.choose (1, 12)) else Gen.choose (1, 32) |> Gen.map List.singleton
        let! label = Gen.frequency [ (3, Gen.constant 0); (1, Gen.choose (2, 10)) ]
        let! trunk = layersGen 2
        let! headCount = Gen.frequency [ (3, Gen.constant 0); (1, Gen.choose (2, 3)) ]
        let! heads = Gen.listOfLength headCount (layersGen 1)
        return { Input = input; Label = label; Trunk = trunk; Heads = heads }
    }

let private shrinkInt lo x =
    seq {
        if x > lo then yield lo
        if x / 2 > lo then yield x / 2
        if x - 1 > lo && x - 1 <> x / 2 then yield x - 1
    }

let private shrinkPad = function
    | Same -> Seq.singleton Valid
    | Valid -> Seq.empty
    | Explicit 0 -> Seq.singleton Valid
    | Explicit p -> seq { yield Valid; yield Explicit(p - 1) }

/// Smaller versions of one layer: one size shrunk at a time.
let rec shrinkLayer (l: Layer) : seq<Layer> =
    match l with
    | Linear (o, sn) -> seq { yield! shrinkInt 1 o |> Seq.map (fun o -> Linear(o, sn)); if sn then yield Linear(o, false) }
    | Conv (o, k, s, p) ->
        seq { yield! shrinkInt 1 o |> Seq.map (fun o -> Conv(o, k, s, p)); yield! shrinkInt 1 k |> Seq.map (fun k -> Conv(o, k, s, p))
              yield! shrinkInt 1 s |> Seq.map (fun s -> Conv(o, k, s, p)); yield! shrinkPad p |> Seq.map (fun p -> Conv(o, k, s, p)) }
    | ConvT (o, k, s, p) ->
        seq { yield! shrinkInt 1 o |> Seq.map (fun o -> ConvT(o, k, s, p)); yield! shrinkInt 1 k |> Seq.map (fun k -> ConvT(o, k, s, p))
              yield! shrinkInt 1 s |> Seq.map (fun s -> ConvT(o, k, s, p)); yield! shrinkPad p |> Seq.map (fun p -> ConvT(o, k, s, p)) }
    | Pool (m, k, p) -> seq { yield! shrinkInt 1 k |> Seq.map (fun k -> Pool(m, k, p)); yield! shrinkInt 0 p |> Seq.map (fun p -> Pool(m, k, p)) }
    | Activation k -> shrinkInt 0 k |> Seq.map Activation
    | Branch (a, b) -> seq { yield! shrinkLayers a |> Seq.map (fun a -> Branch(a, b)); yield! shrinkLayers b |> Seq.map (fun b -> Branch(a, b)) }
    | _ -> Seq.empty

/// Smaller layer lists: remove one layer, inline a branch, or shrink one layer.
and shrinkLayers (ls: Layer list) : seq<Layer list> =
    seq {
        for i in 0 .. ls.Length - 1 do yield List.removeAt i ls
        for i in 0 .. ls.Length - 1 do
            match ls.[i] with
            | Branch (a, b) -> yield List.take i ls @ a @ List.skip (i + 1) ls; yield List.take i ls @ b @ List.skip (i + 1) ls
            | _ -> ()
        for i in 0 .. ls.Length - 1 do
            for l in shrinkLayer ls.[i] do yield List.updateAt i l ls
    }

let shrinkNet (n: NetCase) : seq<NetCase> =
    seq {
        for i in 0 .. n.Heads.Length - 1 do yield { n with Heads = List.removeAt i n.Heads |> fun hs -> if hs.Length = 1 then [] else hs }
        for h in n.Heads do yield { n with Trunk = n.Trunk @ h; Heads = [] }          // one head only: it joins the trunk
        if n.Label > 0 then yield { n with Label = 0 }
        for t in shrinkLayers n.Trunk do yield { n with Trunk = t }
        for i in 0 .. n.Heads.Length - 1 do
            for h in shrinkLayers n.Heads.[i] do yield { n with Heads = List.updateAt i h n.Heads }
        for i in 0 .. n.Input.Length - 1 do
            for d in shrinkInt 1 n.Input.[i] do yield { n with Input = List.updateAt i d n.Input }
        if n.Input.Length = 3 then yield { n with Input = [ count n.Input ] }
    }

let arbNet = Arb.fromGenShrink (netCaseGen, shrinkNet)

// ---------------------------------------------------------------------------------------------
// Random whole specs: a generated G and D on 2-D data, with a random optimiser and bn_stats.
// ---------------------------------------------------------------------------------------------

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

let stepCaseGen =
    gen {
        let! g = netCaseGen
        let! d = netCaseGen
        let! own = Gen.elements [ true; false ]
        let! o = Gen.choose (0, 2)
        return { G = g; D = d; OwnStats = own; Optimizer = o }
    }

let shrinkStep (c: StepCase) =
    seq {
        for g in shrinkNet c.G do yield { c with G = g }
        for d in shrinkNet c.D do yield { c with D = d }
        if c.Optimizer <> 0 then yield { c with Optimizer = 0 }
    }


/// The same spec with random layout: indentation, spaces after commas and colons, blank lines and
/// end-of-line comments, so that the formatter has something to do.
let layoutNoise (seed: int) (text: string) =
    let r = Random seed
    text.Split '\n'
    |> Array.collect (fun line ->
        let body = line.Trim().Replace(", ", (if r.Next 2 = 0 then "," else ",   ")).Replace(": ", (if r.Next 2 = 0 then ":" else ":  "))
        let comment = if body <> "" && r.Next 6 = 0 then "   # note" else ""
        let blank = if r.Next 8 = 0 then [| "" |] else [||]
        Array.append blank [| String(' ', r.Next 7) + body + comment |])
    |> String.concat "\n"

/// Random whole specs as text, laid out at random.
let wholeSpec = Gen.map2 (fun c seed -> layoutNoise seed (stepSpec c)) stepCaseGen (Gen.choose (0, 100000))

/// D scores for a random batch of 1 to 6 real and as many fake samples, each in [−bound, bound] (steps of 0.001).
let scorePairs (bound: float) =
    gen {
        let! n = Gen.choose (1, 6)
        let k = int (bound * 1000.0)
        let value = Gen.choose (-k, k) |> Gen.map (fun i -> float i / 1000.0)
        let! real = Gen.arrayOfLength n value
        let! fake = Gen.arrayOfLength n value
        return real, fake
    }
