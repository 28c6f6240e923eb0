module Gan.Tests.Dsl.SyntaxPropertyTests

open Gan.Tests

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

/// How many mutated specs the fuzz property compiled, and how many of them did not parse.
let private mutants = ref 0
let private unparsed = ref 0

[<Fact>]
let ``Whatever the input, the compiler returns diagnostics and never throws, with every span inside the file and line:col matching the offset, and an IR exactly when there is no error`` () =
    let prop (text: string, mutated: bool) =
        let r = Compilation.Compile("fuzz.gan", text)
        if mutated then
            lock mutants (fun () ->
                mutants.Value <- mutants.Value + 1
                if r.Diagnostics |> Seq.exists (fun d -> d.Code.StartsWith "GAN01") then unparsed.Value <- unparsed.Value + 1)
        if r.HasErrors = isNull (box r.Ir) |> not then failwithf "errors %b but IR %b:\n%s" r.HasErrors (isNull (box r.Ir) |> not) text
        r.Diagnostics |> Seq.forall (fun d ->
            let inFile = d.Source.Path <> "fuzz.gan" || (d.Span.Start >= 0 && d.Span.End <= text.Length)
            let struct (line, col) = d.Position
            let lineStart =
                if line = 1 then 0
                else
                    // Lines end at LF, CRLF or a lone CR.
                    let isBreak (i, c) = c = '\n' || (c = '\r' && (i + 1 = text.Length || text.[i + 1] <> '\n'))
                    (text |> Seq.indexed |> Seq.filter isBreak |> Seq.item (line - 2) |> fst) + 1
            inFile && (d.Source.Path <> "fuzz.gan" || lineStart + col - 1 = d.Span.Start))
    let inputs =
        Gen.frequency [
            (3, mutatedSpec |> Gen.map (fun t -> t, true))
            (1, tokenSoup |> Gen.map (fun t -> t, false))
            (1, randomBytes |> Gen.map (fun t -> t, false)) ]
    Check.One(config, Prop.forAll (Arb.fromGen inputs) prop)
    // A fuzz that never gets past the parser tests only the parser: most mutants must parse and reach binding and checking.
    Assert.True(mutants.Value >= cases / 3, sprintf "only %d mutated specs were generated" mutants.Value)
    Assert.True(unparsed.Value * 2 < mutants.Value, sprintf "%d of %d mutated specs did not parse" unparsed.Value mutants.Value)

/// A syntax tree as text, without positions, line breaks or source: two trees are the same when their dumps are.
let rec dumpTree (o: obj) : string =
    match o with
    | null -> "_"
    | :? Token as t -> sprintf "%A '%s'" t.Kind t.Text
    | :? string as s -> s
    // Comments are (offset, text): the text must survive, the offset may move.
    | :? System.Runtime.CompilerServices.ITuple as t ->
        [ for i in 0 .. t.Length - 1 do if not (t.[i] :? int) then yield dumpTree t.[i] ] |> String.concat ", "
    | :? System.Collections.IEnumerable as e -> "[" + (e |> Seq.cast<obj> |> Seq.map dumpTree |> String.concat "; ") + "]"
    | _ when o.GetType().Namespace = "Gan.Dsl.Syntax" ->
        let props =
            o.GetType().GetProperties()
            |> Array.filter (fun p -> p.GetIndexParameters().Length = 0 && p.Name <> "EqualityContract"
                                      && p.PropertyType <> typeof<TextSpan> && p.PropertyType <> typeof<SourceText>)
            |> Array.map (fun p -> p.Name + "=" + dumpTree (p.GetValue o))
        o.GetType().Name + "(" + String.concat ", " props + ")"
    | _ -> string o

[<Fact>]
let ``Printing a syntax tree and re-parsing it gives the same tree, and formatting twice gives the same text as formatting once`` () =
    let prop (text: string) =
        let bag = DiagnosticBag()
        let tree = Parser.Parse(SourceText("f.gan", text), bag)
        if bag.HasErrors then true   // fmt refuses files with syntax errors
        else
            let once = Formatter.Format tree
            let bag2 = DiagnosticBag()
            let tree2 = Parser.Parse(SourceText("f.gan", once), bag2)
            if bag2.HasErrors then failwithf "the printed text does not parse:\n%s" once
            let d1, d2 = dumpTree tree, dumpTree tree2
            if d1 <> d2 then
                let i = Seq.zip d1 d2 |> Seq.tryFindIndex (fun (a, b) -> a <> b) |> Option.defaultValue (min d1.Length d2.Length)
                let around (d: string) = d.Substring(max 0 (i - 150), min 300 (d.Length - max 0 (i - 150)))
                failwithf "the re-parsed tree differs at ...%s... vs ...%s...:\n%s\n---\n%s" (around d1) (around d2) text once
            if Formatter.Format tree2 <> once then failwithf "formatting twice changed the text:\n%s" once
            tokens once = tokens text
    // All real specs; random whole specs laid out at random; and mutations of the real specs that still parse.
    for t in specTexts.Value do Assert.True(prop t)
    Check.One(config, Prop.forAll (Arb.fromGen wholeSpec) prop)
    Check.One(config, Prop.forAll (Arb.fromGen mutatedSpec) prop)

[<Fact>]
let ``The specs in specs/ are formatted canonically`` () =
    for f in specFiles.Value do
        let text = File.ReadAllText f
        let bag = DiagnosticBag()
        Assert.Equal(text, Formatter.Format(Parser.Parse(SourceText(f, text), bag)))
