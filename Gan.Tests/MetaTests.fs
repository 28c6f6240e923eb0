/// Tests of the project's own completeness: every layer kind, loss primitive and diagnostic is described everywhere it must be.
module Gan.Tests.MetaTests

open System.IO
open System.Text.RegularExpressions
open Xunit
open Gan.Dsl.Diagnostics
open Gan.Dsl.Ir
open Gan.Dsl.Layers
open Gan.Dsl.Losses
open Gan.Runtime.Losses
open Gan.Runtime.Model.Layers

let private docs = lazy (File.ReadAllText(Path.Combine(TestFiles.repoRoot, "docs", "language.md")))
let private entry (name: string) = Regex.IsMatch(docs.Value, "^### " + Regex.Escape name + "\\b", RegexOptions.Multiline)

/// The text of the manual's `### name` section.
let private section (name: string) =
    let m = Regex.Match(docs.Value, "^### " + Regex.Escape name + "\\b(?!_)", RegexOptions.Multiline)
    let start = if m.Success then m.Index else failwithf "docs/language.md has no '### %s' section" name
    let rest = docs.Value.Substring start
    rest.Substring(0, (let i = rest.IndexOf("\n### ", 4) in if i < 0 then rest.Length else i))

[<Fact>]
let ``Every layer kind of the registry has a summary, a golden use and a manual entry, and every op has a TorchSharp module`` () =
    Assert.True(LayerRegistry.Kinds.Count >= 22, sprintf "only %d layer kinds registered" LayerRegistry.Kinds.Count)
    let golden = TestFiles.goldenFiles () |> Array.map File.ReadAllText |> String.concat "\n"
    for KeyValue (name, kind) in LayerRegistry.Kinds do
        Assert.False(System.String.IsNullOrWhiteSpace kind.Summary, sprintf "layer %s has no summary" name)
        Assert.Equal(name, kind.Signature.Name)
        Assert.True(
            Regex.IsMatch(golden, "^\\s*" + name + "\\b", RegexOptions.Multiline),
            sprintf "layer %s is not used in any golden spec" name)
        Assert.True(entry name, sprintf "docs/language.md has no '### %s' entry" name)
    let ops =
        typeof<OpIr>.Assembly.GetTypes()
        |> Array.filter (fun t -> not t.IsAbstract && typeof<OpIr>.IsAssignableFrom t)
        |> Array.map (fun t -> t.Name) |> Set.ofArray
    let built = LayerBuilder.OpTypes |> Seq.map (fun t -> t.Name) |> Set.ofSeq
    Assert.True((ops = built), sprintf "ops without a module: %A; modules of no op: %A" (ops - built) (built - ops))

[<Fact>]
let ``Every loss function has a manual entry with its formula, and the runtime's table has exactly the compiler's primitives`` () =
    for name in LossPrimitives.FunctionNames do
        Assert.True(entry name, sprintf "docs/language.md has no '### %s' entry" name)
    for p in LossPrimitives.All do
        Assert.Contains(p.Formula, section p.Name)
    let compiler = LossPrimitives.All |> Seq.map (fun p -> p.Name) |> Set.ofSeq
    let runtime = LossTable.Functions.Keys |> Set.ofSeq
    Assert.True(
        (compiler = runtime),
        sprintf "primitives without a function: %A; functions of no primitive: %A" (compiler - runtime) (runtime - compiler))

[<Fact>]
let ``Every diagnostic descriptor has a manual entry whose heading gives its severity and title, with a trigger and a fix, and the manual lists no other code`` () =
    let ids = Descriptors.All |> Seq.map (fun d -> d.Id) |> Set.ofSeq
    for d in Descriptors.All do
        let heading = sprintf "### %s (%s): %s" d.Id (if d.Severity = Severity.Error then "error" else "warning") d.Title
        Assert.True(docs.Value.Contains heading, sprintf "docs/language.md lacks the heading '%s'" heading)
        let text = section d.Id
        Assert.Contains("Fix:", text)
        Assert.Contains("Triggered by", text)
    // A code with several descriptors (variants of one finding) keeps one severity and title.
    for g in Descriptors.All |> Seq.groupBy (fun d -> d.Id) do
        Assert.Equal(1, snd g |> Seq.map (fun d -> d.Severity, d.Title) |> Seq.distinct |> Seq.length)
    let documented =
        Regex.Matches(docs.Value, "^### (GAN\\d{4})", RegexOptions.Multiline)
        |> Seq.map (fun m -> m.Groups.[1].Value)
        |> Set.ofSeq
    Assert.True((documented = ids), sprintf "documented but not reported: %A" (documented - ids))

[<Fact>]
let ``The public surface of Gan.Dsl and Gan.Runtime together is at most 40 types: the facade, its records and the diagnostics`` () =
    let exported =
        [ typeof<Gan.Dsl.GanSpec>.Assembly; typeof<Gan.Runtime.GanModel>.Assembly ]
        |> List.collect (fun a -> a.GetExportedTypes() |> Array.map (fun t -> t.FullName) |> List.ofArray)
    Assert.True(exported.Length <= 40, sprintf "%d public types: %A" exported.Length exported)
    Assert.Contains("Gan.Runtime.GanModel", exported)
    Assert.DoesNotContain("Gan.Dsl.Ir.ModelIr", exported)
