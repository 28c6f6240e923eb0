module Gan.Tests.Dsl.GoldenTests

open Gan.Tests

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open Gan.Dsl

let goldenRoot = TestFiles.goldenRoot
let repoRoot = TestFiles.repoRoot
let goldenFiles = TestFiles.goldenFiles

/// The (line, col, code) triples marked with `#! CODE@COL` comments.
let expected (text: string) =
    text.Split '\n'
    |> Array.mapi (fun i line ->
        match line.IndexOf "#!" with
        | -1 -> []
        | k ->
            [ for m in Regex.Matches(line.Substring(k + 2), @"(GAN\d{4})@(\d+)") -> (i + 1, int m.Groups.[2].Value, m.Groups.[1].Value) ])
    |> List.concat
    |> List.sort

let cases () : obj[] seq =
    goldenFiles () |> Seq.map (fun f -> [| box (Path.GetRelativePath(goldenRoot, f)) |])

/// The full text of each diagnostic, pinned in `<case>.expected` beside the spec: `line:col CODE message`, sorted.
let private expectedFile (path: string) = Path.ChangeExtension(path, ".expected")

/// Each diagnostic as `line:col CODE message`, sorted; the checkout's own folder reads `<golden>` so that the pinned
/// text is the same in every clone.
let private messages (result: CompileResult) =
    [ for d in result.Diagnostics do
        let struct (line, col) = d.Position
        yield (line, col, d.Code), sprintf "%d:%d %s %s" line col d.Code (d.Message.Replace(goldenRoot, "<golden>")) ]
    |> List.sortBy fst |> List.map snd

[<Theory>]
[<MemberData(nameof cases)>]
let ``Each golden spec produces exactly its marked diagnostics, with the messages its expected file pins`` (relative: string) =
    let path = Path.Combine(goldenRoot, relative)
    let text = File.ReadAllText path
    let result = Compilation.Compile(path, text)
    let actual =
        [ for d in result.Diagnostics do
            let struct (line, col) = d.Position
            yield (line, col, d.Code) ] |> List.sort
    let show xs = xs |> List.map (fun (l, c, code) -> sprintf "%d:%d %s" l c code) |> String.concat ", "
    let exp = expected text
    Assert.True((exp = actual), sprintf "%s\nexpected: %s\nactual:   %s\n%s" relative (show exp) (show actual)
                                         (result.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n"))
    // The wording is pinned too, so that a change of message shows in review. GANDSL_GOLDEN_UPDATE=1 rewrites the files.
    let file = expectedFile path
    let lines = messages result
    if Environment.GetEnvironmentVariable "GANDSL_GOLDEN_UPDATE" = "1" then
        if lines.IsEmpty then File.Delete file else File.WriteAllText(file, String.concat "\n" lines + "\n")
    elif lines.IsEmpty then Assert.False(File.Exists file, sprintf "%s has no diagnostics but an expected file" relative)
    else
        Assert.True(
            File.Exists file,
            sprintf "%s has no expected file %s; run GANDSL_GOLDEN_UPDATE=1 ./test --filter Golden and review it" relative file)
        let pinned = File.ReadAllLines file |> Array.filter (fun l -> l <> "") |> List.ofArray
        Assert.Equal<string list>(pinned, lines)

[<Fact>]
let ``There are at least 40 golden specs and every diagnostic code has one`` () =
    let files = goldenFiles ()
    Assert.True(files.Length >= 40, sprintf "only %d golden specs" files.Length)
    let covered = files |> Seq.collect (fun f -> expected (File.ReadAllText f)) |> Seq.map (fun (_, _, c) -> c) |> Set.ofSeq
    let missing =
        Diagnostics.Descriptors.All |> Seq.map (fun d -> d.Id) |> Seq.distinct
        |> Seq.filter (fun c -> not (covered.Contains c))
        // GAN0207 and GAN0208 concern --set overrides, which a spec file cannot express: tested below.
        |> Seq.filter (fun c -> c <> "GAN0207" && c <> "GAN0208")
        |> List.ofSeq
    Assert.True(missing.IsEmpty, sprintf "codes without a golden case: %A" missing)

[<Fact>]
let ``Every spec in specs/ checks clean, warnings included`` () =
    let specs = Directory.GetFiles(Path.Combine(repoRoot, "specs"), "*.gan")
    Assert.True(specs.Length >= 16)
    for s in specs do
        let r = Compilation.CompileFile s
        Assert.True(
            Seq.isEmpty r.Diagnostics,
            sprintf "%s:\n%s" s (r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n"))

let private set1 (k: string) (v: string) =
    let d = System.Collections.Generic.Dictionary<string, string>()
    d.[k] <- v
    d :> System.Collections.Generic.IReadOnlyDictionary<string, string>

[<Fact>]
let ``--set overrides a param, and a bad override is reported`` () =
    let path = Path.Combine(repoRoot, "specs", "mnist-mlp.gan")
    let ok = Compilation.CompileFile(path, set1 "latent_dim" "64")
    Assert.False(ok.HasErrors)
    Assert.Equal<int seq>([ 64 ], ok.Ir.Network("G").Inputs.[0].Shape)
    let unknown = Compilation.CompileFile(path, set1 "latnt_dim" "64")
    Assert.Equal("GAN0207", (Seq.head unknown.Errors).Code)
    Assert.Contains("did you mean 'latent_dim'", (Seq.head unknown.Errors).Message)
    let wrong = Compilation.CompileFile(path, set1 "latent_dim" "big")
    Assert.Equal("GAN0208", (Seq.head wrong.Errors).Code)
