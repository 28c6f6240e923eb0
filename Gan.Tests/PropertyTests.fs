module Gan.Tests.PropertyTests

open System.IO
open FsCheck
open FsCheck.FSharp
open global.Xunit
open Gan.Dsl
open Gan.Dsl.Diagnostics
open Gan.Dsl.Formatting
open Gan.Dsl.Syntax
open Gan.Dsl.Text
open Gan.Tests.Generators

let private tokens (text: string) =
    let bag = DiagnosticBag()
    Lexer(SourceText("t.gan", text), bag).Lex() |> Seq.map (fun t -> t.Kind, t.Text) |> List.ofSeq

[<Fact>]
let ``Whatever the input, the compiler returns diagnostics and never throws, with every span inside the file and line:col matching the offset`` () =
    let prop (text: string) =
        let r = Compilation.Compile("fuzz.gan", text)
        r.Diagnostics |> Seq.forall (fun d ->
            let inFile = d.Source.Path <> "fuzz.gan" || (d.Span.Start >= 0 && d.Span.End <= text.Length)
            let struct (line, col) = d.Position
            let lineStart = if line = 1 then 0 else (text |> Seq.indexed |> Seq.filter (fun (_, c) -> c = '\n') |> Seq.item (line - 2) |> fst) + 1
            inFile && (d.Source.Path <> "fuzz.gan" || lineStart + col - 1 = d.Span.Start))
    Check.One(config, Prop.forAll (Arb.fromGen anyInput) prop)

[<Fact>]
let ``Formatting twice gives the same text as formatting once, and the formatted text parses to the same tokens`` () =
    let prop (text: string) =
        let bag = DiagnosticBag()
        let tree = Parser.Parse(SourceText("f.gan", text), bag)
        if bag.HasErrors then true   // fmt refuses files with syntax errors
        else
            let once = Formatter.Format tree
            let bag2 = DiagnosticBag()
            let twice = Formatter.Format(Parser.Parse(SourceText("f.gan", once), bag2))
            not bag2.HasErrors && once = twice && tokens once = tokens text
    // All real specs, then mutations of them that still parse.
    for t in specTexts.Value do Assert.True(prop t)
    Check.One(config, Prop.forAll (Arb.fromGen mutatedSpec) prop)

[<Fact>]
let ``The specs in specs/ are formatted canonically`` () =
    for f in specFiles.Value do
        let text = File.ReadAllText f
        let bag = DiagnosticBag()
        Assert.Equal(text, Formatter.Format(Parser.Parse(SourceText(f, text), bag)))
