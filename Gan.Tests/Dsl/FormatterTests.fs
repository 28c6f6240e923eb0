module Gan.Tests.Dsl.FormatterTests

open Gan.Tests

open FsCheck
open FsCheck.FSharp
open global.Xunit
open Gan.Dsl.Diagnostics
open Gan.Dsl.Formatting
open Gan.Dsl.Syntax
open Gan.Dsl.Text
open Gan.Tests.Generators

let private format (text: string) =
    let bag = DiagnosticBag()
    let tree = Parser.Parse(SourceText("f.gan", text), bag)
    Assert.False(bag.HasErrors, sprintf "%A" (bag |> Seq.map (fun d -> d.Format false) |> List.ofSeq))
    Formatter.Format tree

let private comments (text: string) =
    let lexer = Lexer(SourceText("c.gan", text), DiagnosticBag())
    lexer.Lex() |> ignore
    lexer.Comments |> Seq.map (fun (struct (_, c)) -> c.Trim()) |> Seq.sort |> List.ofSeq

[<Fact>]
let ``Comments stay next to the code they annotate: inside a multi-line item above it, after its last token trailing, after else in the else branch`` () =
    let input =
        [ "gan t \"t \\\"quoted\\\"\""
          "loss d = bce(D(real), 1)   # real part"
          "  + bce(D(detach(G(z))), 0)  # fake part"
          "loss e = mean("
          "  # inside"
          "  D(real))"
          "network D(x: [1, 2]) {"
          "  if true { relu } else { # else comment"
          "    tanh }"
          "  linear(1) quirk \"a \\\"q\\\"\" ;  # kept on purpose"
          "}" ] |> String.concat "\n"
    let expected =
        [ "gan t \"t \\\"quoted\\\"\""
          ""
          "# real part"
          "loss d = bce(D(real), 1) + bce(D(detach(G(z))), 0)  # fake part"
          "# inside"
          "loss e = mean(D(real))"
          ""
          "network D(x: [1, 2]) {"
          "  if true {"
          "    relu"
          "  } else {"
          "    # else comment"
          "    tanh"
          "  }"
          "  linear(1) quirk \"a \\\"q\\\"\"  # kept on purpose"
          "}"
          "" ] |> String.concat "\n"
    let once = format input
    Assert.Equal(expected, once)
    Assert.Equal(once, format once)

[<Fact>]
let ``Formatting keeps every comment, for the specs and for mutated specs that still parse`` () =
    let prop (text: string) =
        let bag = DiagnosticBag()
        let tree = Parser.Parse(SourceText("f.gan", text), bag)
        bag.HasErrors || comments (Formatter.Format tree) = comments text
    for t in specTexts.Value do Assert.True(prop t)
    Check.One(config, Prop.forAll (Arb.fromGen mutatedSpec) prop)
