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

let config = Config.QuickThrowOnFailure.WithMaxTest(cases)

let specFiles = lazy (Directory.GetFiles(Path.Combine(GoldenTests.repoRoot, "specs"), "*.gan") |> Array.sort)
let specTexts = lazy (specFiles.Value |> Array.map File.ReadAllText)

/// One edit of a spec's text, as the property suite asks for.
type Mutation =
    | DeleteLine of line: int
    | DuplicateToken of at: int
    | ChangeNumber of nth: int * value: int
    | Truncate of at: int
    | SwapLines of a: int * b: int

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

let mutationGen =
    Gen.oneof [
        Gen.choose (0, 400) |> Gen.map DeleteLine
        Gen.choose (0, 5000) |> Gen.map DuplicateToken
        Gen.map2 (fun n v -> ChangeNumber(n, v)) (Gen.choose (0, 200)) (Gen.elements [ 0; 1; 3; 7; 13; 64; 100000; -1 ])
        Gen.choose (0, 5000) |> Gen.map Truncate
        Gen.map2 (fun a b -> SwapLines(a, b)) (Gen.choose (0, 400)) (Gen.choose (0, 400)) ]

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

let anyInput = Gen.frequency [ (3, mutatedSpec); (1, tokenSoup); (1, randomBytes) ]
