/// FsCheck generators and shrinkers for random valid networks.
///
/// A case is a recipe: an input, an optional label input, a trunk of layers and optional extra heads.
/// `render` turns any recipe into a network whose shapes are consistent, adapting each layer to the
/// shape it receives (a conv after a flat vector gets a reshape first, a kernel larger than the image
/// shrinks to fit, an upsample that would exceed the size bound is left out). So every recipe the
/// shrinker produces is still a valid network, and a failure shrinks to a minimal one.
module Gan.Tests.NetworkGenerators

open System
open FsCheck
open FsCheck.FSharp

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
    | Sum
    | Scale of k: int
    | SelfAttention of spectral: bool
    | MinibatchStddev of group: int * channels: int
    | Noise
    | Const of c: int * h: int * w: int
    | Equalized of out: int * conv: bool
    | Branch of Layer list * Layer list
    /// residual { main } shortcut { shortcut }, the shortcut fitted to the main branch's shape.
    | Residual of main: Layer list * shortcut: Layer list
    /// A value computed from the current one by a side branch, then combined: 0 add, 1 mul, 2 mul by a channel vector,
    /// 3 film, 4 film with bias, 5 modconv2d by it as the style (a flat value reshaped to an image first).
    | Combine of kind: int * side: Layer list

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
        else
            pre @ [ sprintf "conv_transpose2d(%d, in: %d, kernel: %d, stride: %d, padding: %s)" out c k st (padText pad) ],
            [ out; axis h; axis w ]
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
    | Sum ->
        match shape with
        | [ c; _; _ ] -> [ "sum(over: spatial)" ], [ c ]
        | _ -> [ "sum(over: features)" ], [ 1 ]
    | Scale k -> [ sprintf "scale(%s)" ([| "1 / sqrt(2)"; "sqrt(2)"; "-0.5"; "3" |].[abs k % 4]) ], shape
    | SelfAttention sn ->
        // C divisible by 8 and even H, W: upsample an odd image when it fits, then a 1×1 conv to 8 channels.
        let pre, img = toImage shape
        let even = img.[1] % 2 = 0 && img.[2] % 2 = 0
        if not even && 2 * max img.[1] img.[2] > maxSpatial then [], shape
        else
            let up, img = if even then [], img else [ "upsample(2)" ], [ img.[0]; 2 * img.[1]; 2 * img.[2] ]
            let widen, c = if img.[0] % 8 = 0 then [], img.[0] else [ sprintf "conv2d(8, in: %d, kernel: 1)" img.[0] ], 8
            pre @ up @ widen @ [ sprintf "self_attention(spectral_norm: %b)" sn ], [ c; img.[1]; img.[2] ]
    | MinibatchStddev (g, f) ->
        // The spec's batch is 8: groups 2, 4 and 8 divide it (smaller runtime batches take min(group, N) or a divisor).
        let pre, img = toImage shape
        let f = if img.[0] % (clamp 1 3 f) = 0 then clamp 1 3 f else 1
        pre @ [ sprintf "minibatch_stddev(group: %d, channels: %d)" ([| 2; 4; 8 |].[abs g % 3]) f ], [ img.[0] + f; img.[1]; img.[2] ]
    | Noise -> let pre, img = toImage shape in pre @ [ "noise" ], img
    | Const (c, h, w) -> let c, h, w = clamp 1 4 c, clamp 1 6 h, clamp 1 6 w in [ sprintf "const(%d, %d, %d)" c h w ], [ c; h; w ]
    | Equalized (out, conv) ->
        let out = clamp 1 6 out
        if conv then
            let pre, img = toImage shape
            pre @ [ sprintf "conv2d(%d, in: %d, kernel: 3, padding: same, equalized: true)" out img.[0] ], [ out; img.[1]; img.[2] ]
        else
            let pre, n = (match shape with [ n ] -> [], n | _ -> [ "flatten" ], count shape)
            pre @ [ sprintf "linear(%d, in: %d, equalized: true, lr_mul: 0.01)" out n ], [ out ]
    | Branch (a, b) ->
        let id = fresh ()
        let la, sa = emitAll fresh shape a
        let lb, sb = emitAll fresh shape b
        let joinable = sa.Length = sb.Length && List.tail sa = List.tail sb
        let save = [ sprintf "let s%d" id ]
        if joinable then
            save @ la @ [ sprintf "let a%d" id; sprintf "from s%d" id ] @ lb @ [ sprintf "concat(a%d)" id ],
            (sb.[0] + sa.[0]) :: List.tail sa
        else
            save @ la @ [ "flatten"; sprintf "let a%d" id; sprintf "from s%d" id ] @ lb @ [ "flatten"; sprintf "concat(a%d)" id ],
            [ count sa + count sb ]

    | Residual (main, shortcut) ->
        let lm, sm = emitAll fresh shape main
        let ls, ss = emitAll fresh shape shortcut
        match fit ss sm with
        | Some adapter -> [ "residual {" ] @ lm @ [ "} shortcut {" ] @ ls @ adapter @ [ "}" ], sm
        | None -> [], shape
    | Combine (kind, side) ->
        let id = fresh ()
        let l, sv = emitAll fresh shape side
        // The side value fitted to what the combination needs: the same shape, a channel vector, or any flat vector.
        let kind = kind % 6
        // modconv2d needs an image: a flat value is reshaped to one first.
        let pre, img = if kind = 5 then toImage shape else [], shape
        let target =
            match kind, shape with
            | 2, [ c; _; _ ] -> [ c ]
            | (3 | 4 | 5), _ -> (match sv with [ f ] -> [ f ] | _ -> [ min 16 (count sv) ])
            | _ -> shape
        let out = 1 + id % 4
        let op, result =
            match kind with
            | 0 -> sprintf "add(v%d)" id, shape
            | 1 | 2 -> sprintf "mul(v%d)" id, shape
            | 3 -> sprintf "film(by: v%d)" id, shape
            | 4 -> sprintf "film(by: v%d, bias: true)" id, shape
            | _ ->
                sprintf "modconv2d(%d, kernel: %d, style: v%d%s)" out (if id % 2 = 0 then 3 else 1) id
                    (if id % 3 = 0 then ", demodulate: false" else ""),
                out :: List.tail img
        match fit sv target with
        | Some adapter ->
            [ sprintf "let s%d" id ] @ l @ adapter @ [ sprintf "let v%d" id; sprintf "from s%d" id ] @ pre @ [ op ], result
        | None -> [], shape

/// Lines that turn a value of shape `from` into one of shape `target` (flatten, linear, reshape), or None when that
/// linear map would be too large for a property case.
and private fit (from: int list) (target: int list) : string list option =
    if from = target then Some []
    elif count target > 256 || count from > 1024 then None
    else
        Some(
            (match from with [ _ ] -> [] | _ -> [ "flatten" ])
            @ [ sprintf "linear(%d)" (count target) ]
            @ (match target with [ c; h; w ] -> [ sprintf "reshape(%d, %d, %d)" c h w ] | _ -> []))

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
            let sn = if k % 2 = 0 then ", spectral_norm: true" else ""      // an even class count: a spectrally normalised table
            let embed, joined =
                match input with
                | [ c; h; w ] -> [ sprintf "embedding(%d, %d%s)" k (h * w) sn; sprintf "reshape(1, %d, %d)" h w ], [ c + 1; h; w ]
                | _ -> [ sprintf "embedding(%d, 4%s)" k sn ], [ input.[0] + 4 ]
            sprintf "network N(x: [%s], y: label(%d))" dims k, [ "from y" ] @ embed @ [ "let e"; "from x"; "concat(e)" ], joined
        else sprintf "network N(x: [%s])" dims, [], input
    let trunk, shape = emitAll fresh start net.Trunk
    let trunk = if prelude.IsEmpty && trunk.IsEmpty then [ "tanh" ] else trunk     // a network needs a layer
    match net.Heads with
    | [] -> { Header = header; Lines = prelude @ trunk; Outputs = [ "", shape ] }
    | heads ->
        let parts =
            heads
            |> List.mapi (fun i h ->
                let l, s = emitAll fresh shape h
                (if i = 0 then [] else [ "from trunk" ]) @ l @ [ sprintf "output h%d" i ], (sprintf "h%d" i, s))
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
        (4,
         gen {
             let! o = Gen.choose (1, 6)
             let! k = small
             let! s = Gen.choose (1, 2)
             let! p = padGen
             return Conv(o, k, s, p)
         })
        (3,
         gen {
             let! o = Gen.choose (1, 6)
             let! k = Gen.choose (1, 4)
             let! s = Gen.choose (1, 2)
             let! p = padGen
             return ConvT(o, k, s, p)
         })
        (3, Gen.constant BatchNorm); (1, Gen.constant LayerNorm); (1, Gen.constant InstanceNorm)
        (4, Gen.choose (0, 6) |> Gen.map Activation)
        (2, Gen.elements [ true; false ] |> Gen.map Reshape); (1, Gen.constant Flatten)
        (1, Gen.elements [ true; false ] |> Gen.map Upsample)
        (2,
         gen {
             let! m = Gen.elements [ true; false ]
             let! k = Gen.choose (1, 3)
             let! p = Gen.choose (0, 1)
             return Pool(m, k, p)
         })
        (1, Gen.constant GlobalAvgPool); (1, Gen.constant Dropout); (1, Gen.constant PixelNorm)
        (1, Gen.constant Sum); (1, Gen.choose (0, 3) |> Gen.map Scale); (1, Gen.elements [ true; false ] |> Gen.map SelfAttention)
        (1, Gen.map2 (fun g f -> MinibatchStddev(g, f)) (Gen.choose (0, 2)) (Gen.choose (1, 3))); (1, Gen.constant Noise)
        (1, Gen.map3 (fun c h w -> Const(c, h, w)) (Gen.choose (1, 4)) (Gen.choose (1, 6)) (Gen.choose (1, 6)))
        (1, Gen.map2 (fun o c -> Equalized(o, c)) (Gen.choose (1, 6)) (Gen.elements [ true; false ])) ]

let rec private layersGen depth =
    gen {
        let! n = Gen.choose (0, 6)
        return! Gen.listOfLength n (layerGen depth)
    }

and private layerGen depth =
    if depth = 0 then leafGen
    else
        Gen.frequency [
            (10, leafGen)
            (1, Gen.map2 (fun a b -> Branch(a, b)) (layersGen (depth - 1)) (layersGen (depth - 1)))
            (1, Gen.map2 (fun a b -> Residual(a, b)) (layersGen (depth - 1)) (layersGen (depth - 1)))
            (1, Gen.map2 (fun k a -> Combine(k, a)) (Gen.choose (0, 5)) (layersGen (depth - 1))) ]

let netCaseGen =
    gen {
        let! image = Gen.frequency [ (1, Gen.constant true); (1, Gen.constant false) ]
        let! input =
            if image then Gen.map3 (fun c h w -> [ c; h; w ]) (Gen.choose (1, 4)) (Gen.choose (1, 12)) (Gen.choose (1, 12))
            else Gen.choose (1, 32) |> Gen.map List.singleton
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
    | Pool (m, k, p) ->
        seq { yield! shrinkInt 1 k |> Seq.map (fun k -> Pool(m, k, p)); yield! shrinkInt 0 p |> Seq.map (fun p -> Pool(m, k, p)) }
    | Activation k -> shrinkInt 0 k |> Seq.map Activation
    | Branch (a, b) ->
        seq { yield! shrinkLayers a |> Seq.map (fun a -> Branch(a, b)); yield! shrinkLayers b |> Seq.map (fun b -> Branch(a, b)) }
    | Residual (a, b) ->
        seq { yield! shrinkLayers a |> Seq.map (fun a -> Residual(a, b)); yield! shrinkLayers b |> Seq.map (fun b -> Residual(a, b)) }
    | Combine (k, a) -> seq { yield! shrinkInt 0 k |> Seq.map (fun k -> Combine(k, a)); yield! shrinkLayers a |> Seq.map (fun a -> Combine(k, a)) }
    | _ -> Seq.empty

/// Smaller layer lists: remove one layer, inline a branch, or shrink one layer.
and shrinkLayers (ls: Layer list) : seq<Layer list> =
    seq {
        for i in 0 .. ls.Length - 1 do yield List.removeAt i ls
        for i in 0 .. ls.Length - 1 do
            match ls.[i] with
            | Branch (a, b) | Residual (a, b) ->
                yield List.take i ls @ a @ List.skip (i + 1) ls; yield List.take i ls @ b @ List.skip (i + 1) ls
            | Combine (_, a) -> yield List.take i ls @ a @ List.skip (i + 1) ls
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
