module Gan.Tests.MetaTests

open System.IO
open System.Text.RegularExpressions
open Xunit
open Gan.Dsl.Binding
open Gan.Dsl.Shapes

let private docs = lazy (File.ReadAllText(Path.Combine(GoldenTests.repoRoot, "docs", "language.md")))
let private entry (name: string) = Regex.IsMatch(docs.Value, "^### " + Regex.Escape name + "\\b", RegexOptions.Multiline)

[<Fact>]
let ``Every layer kind has a shape rule, a golden case and a manual entry`` () =
    let catalog = LayerCatalog.Signatures.Keys |> Set.ofSeq
    let rules = ShapeRules.LayerKinds |> Set.ofSeq
    Assert.True((catalog = rules), sprintf "layers without a shape rule: %A; rules without a layer: %A" (catalog - rules) (rules - catalog))
    let golden = GoldenTests.goldenFiles () |> Array.map File.ReadAllText |> String.concat "\n"
    for kind in rules do
        Assert.True(Regex.IsMatch(golden, "^\\s*" + kind + "\\b", RegexOptions.Multiline), sprintf "layer %s is not used in any golden spec" kind)
        Assert.True(entry kind, sprintf "docs/language.md has no '### %s' entry" kind)

[<Fact>]
let ``Every loss function has a manual entry with its formula`` () =
    for name in LossBinder.FunctionNames do
        Assert.True(entry name, sprintf "docs/language.md has no '### %s' entry" name)

[<Fact>]
let ``Every diagnostic code has a manual entry with a trigger and a fix`` () =
    for code in Gan.Dsl.Diagnostics.DiagnosticBag.Codes.Keys do
        Assert.True(entry code, sprintf "docs/language.md has no '### %s' entry" code)
        let section = docs.Value.Substring(docs.Value.IndexOf("### " + code))
        let section = section.Substring(0, (let i = section.IndexOf("\n### ", 4) in if i < 0 then section.Length else i))
        Assert.Contains("Fix:", section)
        Assert.Contains("Triggered by", section)
