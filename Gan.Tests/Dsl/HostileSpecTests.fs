/// Hostile input: nesting far past the limit (GAN0106), huge specs, odd bytes and line ends. Each must end in diagnostics
/// or success, never in an exception or a crashed process (a stack overflow cannot be caught: it ends the test run).
module Gan.Tests.Dsl.HostileSpecTests

open System
open System.IO
open System.Text
open System.Threading
open FsCheck
open FsCheck.FSharp
open global.Xunit
open Gan.Dsl
open Gan.Tests
open Gan.Tests.Generators
open Gan.Tests.HostileGenerators

/// The one diagnostic a spec nested too deep must give: GAN0106 at the offset, naming the limit, and nothing else.
let private assertTooDeepAt = assertOnlyAt "GAN0106" "deeper than"

[<Fact>]
let ``The nesting limit restated here is the compiler's`` () = Assert.Equal(Syntax.Nesting.MaxDepth, limit)

[<Fact>]
let ``Every nesting kind at the limit or just under it compiles without GAN0106`` () =
    for kind in nestingKinds do
        // Blocks and loss references are bounded as a whole (ifs and levels inside them count): 200 is well within. The
        // innermost `if` holds a call, a level of its own, and the network's body is one.
        let depth =
            match kind with
            | "blocks" | "loss references" -> 200
            | "braces" -> limit - 2
            | _ -> limit - 1
        let text, _ = nested kind depth
        let r = compile text
        Assert.False(r.Diagnostics |> Seq.exists (fun d -> d.Code = "GAN0106"), sprintf "%s at %d:\n%s" kind depth (describe r))

[<Theory>]
[<InlineData("parens")>]
[<InlineData("brackets")>]
[<InlineData("calls")>]
[<InlineData("unary minus")>]
[<InlineData("operator chain")>]
[<InlineData("output selections")>]
[<InlineData("braces")>]
[<InlineData("blocks")>]
[<InlineData("loss references")>]
let ``Nesting of every kind 20,000 deep gives one GAN0106 where the limit is passed, and nothing else`` (kind: string) =
    let text, offset = nested kind 20_000
    assertTooDeepAt (compile text) offset

[<Theory>]
[<InlineData("parens")>]
[<InlineData("brackets")>]
[<InlineData("unary minus")>]
[<InlineData("operator chain")>]
[<InlineData("braces")>]
[<InlineData("blocks")>]
let ``Nesting of every kind a million deep gives one GAN0106 where the limit is passed`` (kind: string) =
    let text, offset = nested kind 1_000_000
    assertTooDeepAt (compile text) offset

[<Fact>]
let ``A random mix of brackets, calls and signs past the limit gives one GAN0106 at the level that passes it`` () =
    let prop (picks: int list) =
        let text, marks = mixedNest picks
        assertTooDeepAt (compile text) marks.[limit]
    Check.One(config.WithMaxTest(min cases 50), Prop.forAll (Arb.fromGen (levelPicks (limit + 1) 3000)) prop)

[<Fact>]
let ``A random mix of brackets, calls and signs within the limit never gives GAN0106`` () =
    let prop (picks: int list) =
        let text, marks = mixedNest picks
        let r = compile text
        marks.Length <= limit && not (r.Diagnostics |> Seq.exists (fun d -> d.Code = "GAN0106"))
    Check.One(config.WithMaxTest(min cases 50), Prop.forAll (Arb.fromGen (levelPicks (limit - 40) limit)) prop)

[<Fact>]
let ``Random bracket soup far past the limit ends in diagnostics inside the file, at most one GAN0106 an item`` () =
    let prop (text: string) =
        let r = compile text
        let items = 1 + (text.Split "\nparam p = ").Length - 1 + (text.Split "\nloss l = ").Length - 1
        let deep = r.Diagnostics |> Seq.filter (fun d -> d.Code = "GAN0106") |> Seq.length
        r.HasErrors && deep <= items && r.Diagnostics |> Seq.forall (fun d -> d.Span.Start >= 0 && d.Span.End <= text.Length)
    Check.One(config.WithMaxTest(min cases 100), Prop.forAll (Arb.fromGen bracketSoup) prop)

[<Fact>]
let ``A spec at the limit of every kind at once compiles and formats on a thread with a 1 MB stack`` () =
    // The worst tree the limit allows: a chain of operators over nested operands, in a param and in a loss, formatted too.
    let operand = String.replicate (limit - 2) "(" + "1" + String.replicate (limit - 2) ")"
    let chain = operand + String.replicate (limit - 2) " + 1"
    let text = spec $"param deep = {chain}\n" "  linear(2)\n" $"bce_logits(D(G(z)), 1) * ({chain})"
    let result = ref None
    let worker = Thread((fun () -> result.Value <- Some(compile text, GanSpec.Format("deep.gan", text))), 1024 * 1024)
    worker.Start()
    worker.Join()
    let r, formatted = result.Value.Value
    Assert.False(r.HasErrors, describe r)
    Assert.NotNull formatted.Text

[<Fact>]
let ``A use chain 300 files deep gives one GAN0106 at the use that passes the limit`` () =
    TestFiles.withTempDir (fun dir ->
        for i in 1 .. 300 do
            let next = if i < 300 then $"use \"f{i + 1}.gan\"\n" else ""
            File.WriteAllText(Path.Combine(dir, $"f{i}.gan"), next + $"param q{i} = {i}\n")
        let main = Path.Combine(dir, "main.gan")
        File.WriteAllText(main, "use \"f1.gan\"\n" + validSpec)
        let r = Compilation.CompileFile main
        let deep = r.Diagnostics |> Seq.filter (fun d -> d.Code = "GAN0106") |> List.ofSeq
        Assert.True((deep.Length = 1 && r.Errors |> Seq.length = 1), describe r)
        Assert.EndsWith($"f{limit}.gan", deep.Head.Source.Path))

[<Fact>]
let ``A spec of 100,000 params compiles clean`` () =
    let r = compile (manyParams 100_000)
    Assert.True((r.Diagnostics.Count = 0 && not (isNull (box r.Ir))), describe r)

[<Fact>]
let ``A spec of 100,000 broken items gives one diagnostic each and no cascade`` () =
    let r = compile (validSpec + String.replicate 100_000 "param = 1\n")
    Assert.Equal(100_000, r.Diagnostics.Count)
    Assert.All(r.Diagnostics, fun d -> Assert.Equal("GAN0104", d.Code))

[<Fact>]
let ``A network of 100,000 layers compiles to 100,000 nodes`` () =
    let r = compile (manyLayers 100_000)
    Assert.False(r.HasErrors, describe r)
    Assert.Equal(100_000, r.Ir.Networks.[0].Nodes.Length)

[<Fact>]
let ``A 50 MB spec compiles clean`` () =
    let text = hugeCommented 50_000_000
    Assert.True(text.Length >= 50_000_000)
    let r = compile text
    Assert.True((r.Diagnostics.Count = 0), describe r)

[<Fact>]
let ``NUL bytes are one GAN0101 each run, shown as U+0000, at their line and column`` () =
    let text = validSpec.Replace("latent z", "latent \000\000z")
    let r = compile text
    let d = Assert.Single r.Diagnostics
    Assert.Equal("GAN0101", d.Code)
    Assert.Contains("U+0000U+0000", d.Message)
    Assert.Equal(struct (3, 8), d.Position)

[<Fact>]
let ``Invalid UTF-8 in a spec file is a diagnostic at its line and column, not an exception`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "bad.gan")
        let bytes = Encoding.UTF8.GetBytes(validSpec.Replace("latent z", "latent XX z"))
        let at = validSpec.IndexOf "latent z" + 7       // all ASCII before it: the byte offset is the character offset
        bytes.[at] <- 0xC3uy      // a lead byte followed by 'X': not UTF-8
        bytes.[at + 1] <- 0xFFuy  // never UTF-8
        File.WriteAllBytes(path, bytes)
        let r = Compilation.CompileFile path
        let d = Assert.Single r.Diagnostics
        Assert.Equal("GAN0101", d.Code)
        Assert.Equal(struct (3, 8), d.Position))

/// The valid spec with a typo on its 5th line (`linaer`), as text with the given line ends.
let private typo (lineEnd: string) = validSpec.Replace("  linear(2)", "  linaer(2)").Replace("\n", lineEnd)

[<Theory>]
[<InlineData("\n")>]
[<InlineData("\r\n")>]
[<InlineData("\r")>]
let ``LF, CRLF and CR-only line ends give the same line and column`` (lineEnd: string) =
    let r = compile (typo lineEnd)
    let d = Assert.Single r.Diagnostics
    Assert.Equal("GAN0201", d.Code)
    Assert.Equal(struct (5, 3), d.Position)
    Assert.Equal("  linaer(2)", (d.Format true).Split('\n').[1].Trim('\r').Substring(2))

[<Theory>]
[<InlineData("\r\n")>]
[<InlineData("\r")>]
let ``A valid spec with CRLF or CR-only line ends compiles clean and formats like its LF form`` (lineEnd: string) =
    let r = compile (validSpec.Replace("\n", lineEnd))
    Assert.True((r.Diagnostics.Count = 0), describe r)
    Assert.Equal((GanSpec.Format("a.gan", validSpec)).Text, (GanSpec.Format("a.gan", validSpec.Replace("\n", lineEnd))).Text)

[<Fact>]
let ``A byte-order mark shifts no column, in text and in a file`` () =
    let text = "param = 1\n" + validSpec
    let column (r: CompileResult) = (Assert.Single r.Diagnostics).Position
    Assert.Equal(struct (1, 7), column (compile text))
    Assert.Equal(struct (1, 7), column (compile ("\uFEFF" + text)))
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "bom.gan")
        File.WriteAllText(path, text, UTF8Encoding(true))
        Assert.Equal(struct (1, 7), column (Compilation.CompileFile path)))

[<Fact>]
let ``gan check on parentheses 20,000 deep exits 1 with GAN0106 at its line and column, not a crash`` () =
    TestFiles.withTempDir (fun dir ->
        let text, offset = nested "parens" 20_000
        let path = Path.Combine(dir, "deep.gan")
        File.WriteAllText(path, text)
        let line = text.Substring(0, offset).Split('\n').Length
        let col = offset - text.LastIndexOf('\n', offset - 1)
        let code, out, err = Cli.Process.gan [ "check"; path ]
        Assert.True((code = 1), sprintf "exit %d\n%s" code (err.Substring(0, min 2000 err.Length)))
        Assert.Contains($"deep.gan:{line}:{col}: error GAN0106", out)
        Assert.DoesNotContain("internal error", err)
        // The 40,000-character line is shown as a window around the caret, not whole.
        Assert.True(out.Length < 4000, sprintf "stdout is %d characters" out.Length))
