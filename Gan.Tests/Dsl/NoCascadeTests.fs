module Gan.Tests.Dsl.NoCascadeTests

open Gan.Tests

open global.Xunit
open Gan.Dsl
open Gan.Dsl.Binding
open Gan.Dsl.Diagnostics
open Gan.Dsl.Syntax
open Gan.Dsl.Text
open Gan.Tests.Generators

/// Every spec (specs/ and the valid golden specs) with one identifier renamed, for the tokens that `pick` selects;
/// `statementsOnly`: only words that start a statement (first on their line, or after '{'), as layer calls do.
let private renamingsWhere (statementsOnly: bool) (pick: string -> bool) =
    let valid = System.IO.Directory.GetFiles(System.IO.Path.Combine(TestFiles.goldenRoot, "000-valid"), "*.gan") |> Array.sort
    let files = Array.append (Array.zip specFiles.Value specTexts.Value) (valid |> Array.map (fun f -> f, System.IO.File.ReadAllText f))
    [ for path, text in files do
        let tokens = Lexer(SourceText(path, text), DiagnosticBag()).Lex() |> Array.ofSeq
        for i in 1 .. tokens.Length - 2 do
            let prev, t, next = tokens.[i - 1], tokens.[i], tokens.[i + 1]
            let starts = t.NewlineBefore || prev.Kind = TokenKind.OpenBrace
            // A word followed by ':' is an argument or setting name (gaussian2d(mean: ...)), not a call.
            if t.Kind = TokenKind.Identifier && next.Kind <> TokenKind.Colon && pick t.Text && (starts || not statementsOnly) then
                yield path, t.Text, text.Substring(0, t.Span.Start) + t.Text + "q" + text.Substring(t.Span.End) ]

let private renamings = renamingsWhere false

let private exactlyOneError (cases: (string * string * string) list) =
    Assert.NotEmpty cases
    for path, name, text in cases do
        let r = Compilation.Compile(path, text)
        let errors = r.Errors |> List.ofSeq
        Assert.True(errors.Length = 1 && errors.Head.Code = "GAN0201",
                    sprintf "%s with '%s' misspelt: expected one GAN0201, got\n%s" path name
                        (errors |> List.map (fun d -> d.Format false) |> String.concat "\n"))

[<Fact>]
let ``Misspelling any one layer in any spec gives exactly one error, whatever follows it`` () =
    // Layer names may also name other things (a latent called noise): rename them where they are called.
    exactlyOneError (renamingsWhere true (fun w -> Gan.Dsl.Layers.LayerRegistry.Kinds.ContainsKey w))

[<Fact>]
let ``Misspelling any one loss function in any spec gives exactly one error`` () =
    exactlyOneError (renamings (fun w -> Gan.Dsl.Losses.LossPrimitives.ByName.ContainsKey w || w = "gradient_penalty" || w = "detach"))
