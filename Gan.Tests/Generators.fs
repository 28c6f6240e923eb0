/// FsCheck generators: the property configuration, mutations of the real specs, token soup, random bytes,
/// whole trainable specs built from two generated networks (NetworkGenerators.fs), and loss scores.
module Gan.Tests.Generators

open System
open System.IO
open System.Text
open FsCheck
open FsCheck.FSharp
open Gan.Tests.NetworkGenerators

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

/// An image batch for the upsample layer: 1 to 4 images of 1 to 40 channels (mostly several: the channels-last path) and 1
/// to 9 pixels a side (1×1 images too), scaled by 2 or 3, nearest or bilinear.
type UpsampleCase = { Batch: int; Channels: int; H: int; W: int; Scale: int; Bilinear: bool }

let upsampleCaseGen =
    gen {
        let! batch = Gen.choose (1, 4)
        let! channels = Gen.frequency [ 1, Gen.constant 1; 6, Gen.choose (2, 40) ]
        let side = Gen.frequency [ 1, Gen.constant 1; 3, Gen.choose (2, 9) ]     // 1×1 images in one case in sixteen
        let! h = side
        let! w = side
        let! scale = Gen.elements [ 2; 3 ]
        let! bilinear = Gen.elements [ true; false ]
        return { Batch = batch; Channels = channels; H = h; W = w; Scale = scale; Bilinear = bilinear }
    }

let shrinkUpsample (c: UpsampleCase) =
    seq {
        if c.Batch > 1 then yield { c with Batch = 1 }
        if c.Channels > 2 then yield { c with Channels = 2 }
        if c.H > 1 then yield { c with H = c.H / 2 }
        if c.W > 1 then yield { c with W = c.W / 2 }
        if c.Scale > 2 then yield { c with Scale = 2 }
    }
