/// `gan lsp` driven by a scripted client over a real process: the editor features on real specs, and hostile input.
module Gan.Tests.Cli.LspTests

open System
open System.IO
open System.Text
open System.Text.Json.Nodes
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process
open Gan.Tests.Cli.LspClient

let private read (relative: string) = File.ReadAllText(Path.Combine(TestFiles.repoRoot, relative))

/// The shape and count `gan shapes --json` prints for a network's n-th layer of an op, as hovers print them.
let private shapesRow (spec: string) (network: string) (op: string) (n: int) =
    let code, out, err = gan [ "shapes"; spec; "--json" ]
    Assert.True((code = 0), err)
    let layer =
        JsonNode.Parse(out).["networks"].[network].["layers"].AsArray()
        |> Seq.filter (fun l -> l.["op"].GetValue<string>() = op)
        |> Seq.item n
    let count = layer.["params"].GetValue<int64>().ToString("N0", Globalization.CultureInfo.InvariantCulture)
    sprintf "%s · %s params" (layer.["shape"].GetValue<string>()) count

[<Fact>]
let ``gan lsp serves diagnostics, hover, definition across use, completion and formatting on real specs, then exits 0`` () =
    let expectedHover = shapesRow "specs/dcgan-mnist32.gan" "D" "conv2d" 1
    use c = new Client()
    let init = c.Initialize()
    Assert.Equal("utf-16", init.["result"].["capabilities"].["positionEncoding"].GetValue<string>())
    let info, dcgan = uri "specs/infogan.gan", uri "specs/dcgan-mnist32.gan"
    let infoText, dcganText = read "specs/infogan.gan", read "specs/dcgan-mnist32.gan"
    Assert.Contains("use \"blocks/tf-slim-mnist.gan\"", infoText)
    c.Open(info, infoText)
    c.Open(dcgan, dcganText)
    Assert.Empty(c.Diagnostics(info, 1))
    Assert.Empty(c.Diagnostics(dcgan, 1))

    // A linear layer on a 4-D value breaks the shape: GAN0302 at the inserted call, with its docs link.
    let last = "conv2d(1, kernel: 4, stride: 1, padding: 0, bias: false)"
    let broken = dcganText.Replace(last, last + "\n  linear(3)")
    c.Change(dcgan, 2, broken)
    let diagnostics = c.Diagnostics(dcgan, 2)
    Assert.Equal(1, diagnostics.Count)
    let d = diagnostics.[0]
    Assert.Equal("GAN0302", d.["code"].GetValue<string>())
    Assert.Equal(1, d.["severity"].GetValue<int>())
    Assert.Equal("gan", d.["source"].GetValue<string>())
    let line, col = positionOf broken "linear(3)"
    Assert.Equal(line, d.["range"].["start"].["line"].GetValue<int>())
    Assert.Equal(col, d.["range"].["start"].["character"].GetValue<int>())
    Assert.Equal(col + "linear(3)".Length, d.["range"].["end"].["character"].GetValue<int>())
    let href = d.["codeDescription"].["href"].GetValue<string>()
    Assert.StartsWith("https://github.com/gandsl/gandsl/blob/main/docs/language.md#gan0302-error-", href)
    // Hovering the diagnostic's range shows its manual entry.
    let entry = c.Request("textDocument/hover", at dcgan line (col + 2)).["result"].["contents"].["value"].GetValue<string>()
    Assert.Contains("**GAN0302 (error):", entry)
    Assert.Contains("Fix:", entry)
    c.Change(dcgan, 3, dcganText)
    Assert.Empty(c.Diagnostics(dcgan, 3))

    // Hover on D's second conv2d: the shape and count `gan shapes` prints.
    let line, col = positionOf dcganText "conv2d(128"
    let hover = c.Request("textDocument/hover", at dcgan line (col + 2))
    Assert.Contains(expectedHover, hover.["result"].["contents"].["value"].GetValue<string>())

    // Go to definition on a block call lands in the used file.
    let line, col = positionOf infoText "slim_generator()"
    let def = c.Request("textDocument/definition", at info line (col + 3)).["result"]
    Assert.Equal(uri "specs/blocks/tf-slim-mnist.gan", def.["uri"].GetValue<string>())
    let blockLine, blockCol = positionOf (read "specs/blocks/tf-slim-mnist.gan") "slim_generator() {"
    Assert.Equal(blockLine, def.["range"].["start"].["line"].GetValue<int>())
    Assert.Equal(blockCol, def.["range"].["start"].["character"].GetValue<int>())

    // Completion right after `conv2d(` offers its keyword arguments.
    let line, col = positionOf dcganText "conv2d(64"
    let items = c.Request("textDocument/completion", at dcgan line (col + "conv2d(".Length)).["result"].["items"].AsArray()
    let labels = items |> Seq.map (fun i -> i.["label"].GetValue<string>()) |> Set.ofSeq
    for k in [ "kernel"; "stride"; "padding"; "bias" ] do Assert.Contains(k, labels)
    Assert.DoesNotContain("tanh", labels)

    // Formatting a messy buffer gives `gan fmt`'s text.
    let messy = dcganText.Replace("linear(4096, bias: false)", "linear( 4096 ,bias:false )").Replace("  relu\n", "      relu\n")
    c.Change(dcgan, 4, messy)
    let edits = c.Request("textDocument/formatting",
                          JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s"},"options":{"tabSize":2,"insertSpaces":true}}""" dcgan))
    let edit = edits.["result"].AsArray() |> Seq.exactlyOne
    Assert.Equal(dcganText, edit.["newText"].GetValue<string>())
    Assert.Equal(0, edit.["range"].["start"].["line"].GetValue<int>())

    // Closing a document clears its diagnostics (broken first, so that there is something to clear).
    c.Change(dcgan, 5, broken)
    Assert.NotEmpty(c.Diagnostics(dcgan, 5))
    c.Notify("textDocument/didClose", JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s"}}""" dcgan))
    let cleared = c.WaitFor("diagnostics cleared on close", fun m ->
        m.["method"] <> null && m.["params"].["uri"].GetValue<string>() = dcgan && m.["params"].["version"] = null)
    Assert.Empty(cleared.["params"].["diagnostics"].AsArray())

    let shutdown = c.Request("shutdown", null)
    Assert.Null(shutdown.["error"])
    c.Notify("exit", null)
    Assert.Equal(0, c.WaitExit())

[<Fact>]
let ``Diagnostic links point at GitHub's anchor of the code's heading in docs/language.md, whose entry hovers show`` () =
    let href = Gan.Dsl.LanguageServer.Docs.Href "GAN0306"
    let page = "https://github.com/gandsl/gandsl/blob/main/docs/language.md"
    Assert.Equal(page + "#gan0306-error-a-network-output-does-not-fit-the-loss-it-feeds", href)
    Assert.Equal("gan0204-warning-a-bad-x-y", Gan.Dsl.LanguageServer.Docs.Slug "GAN0204 (warning): a bad `x`, y")
    let entry = Gan.Dsl.LanguageServer.Docs.Entry "GAN0306"
    Assert.NotNull entry
    Assert.StartsWith("### GAN0306 (error): a network output does not fit the loss it feeds", entry)
    Assert.Contains("Fix:", entry)
    Assert.DoesNotContain("### GAN0307", entry)

/// Frames of the server's output: each a Content-Length header and exactly that many bytes of a JSON-RPC 2.0 object.
let private frames (bytes: byte[]) =
    let text = Encoding.UTF8
    let mutable i = 0
    [ while i < bytes.Length do
          let headerEnd = Array.IndexOf(bytes, byte '\r', i)
          let header = Encoding.ASCII.GetString(bytes, i, headerEnd - i)
          Assert.StartsWith("Content-Length: ", header)
          let n = int (header.Substring 16)
          Assert.Equal("\r\n\r\n", Encoding.ASCII.GetString(bytes, headerEnd, 4))
          let body = JsonNode.Parse(text.GetString(bytes, headerEnd + 4, n))
          Assert.Equal("2.0", body.["jsonrpc"].GetValue<string>())
          i <- headerEnd + 4 + n
          yield body ]

[<Fact>]
let ``Random mixes of valid requests, garbage headers, bodies and documents never crash the server or corrupt its output`` () =
    let frame (body: byte[]) = Array.append (Encoding.ASCII.GetBytes(sprintf "Content-Length: %d\r\n\r\n" body.Length)) body
    let json (s: string) = frame (Encoding.UTF8.GetBytes s)
    let methods = [| "textDocument/hover"; "textDocument/definition"; "textDocument/references"; "textDocument/completion"
                     "textDocument/formatting"; "textDocument/documentSymbol"; "nope"; "shutdown" |]
    let spec = read "specs/infogan.gan"
    let docUri = uri "specs/infogan.gan"
    for seed in 1..60 do
        let rng = Random seed
        let randomText () =
            match rng.Next 3 with
            | 0 -> spec.Substring(0, rng.Next spec.Length)
            | 1 -> String(Array.init (rng.Next 300) (fun _ -> char (rng.Next(1, 0x3000))))
            | _ ->
                let punct = "(){}[]:,=#\"\n x1"
                spec.Insert(rng.Next spec.Length, String(Array.init 5 (fun _ -> punct.[rng.Next punct.Length])))
        let pieces =
            [ yield json """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}}"""
              for _ in 1..25 do
                  match rng.Next 7 with
                  | 0 ->
                      let o = JsonObject()
                      o.["jsonrpc"] <- "2.0"
                      o.["method"] <- (if rng.Next 2 = 0 then "textDocument/didOpen" else "textDocument/didChange")
                      let text () = JsonValue.Create(randomText()).ToJsonString()
                      o.["params"] <- JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s","version":%d,"text":%s},%s}"""
                                                         docUri (rng.Next 100) (text ())
                                                         (sprintf "\"contentChanges\":[{\"text\":%s}]" (text ())))
                      yield json (o.ToJsonString())
                  | 1 | 2 ->
                      let prms = sprintf """{"textDocument":{"uri":"%s"},"position":{"line":%d,"character":%d}}"""
                                     docUri (rng.Next(-2, 60)) (rng.Next(-2, 90))
                      yield json (sprintf """{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}"""
                                      (rng.Next 1000) methods.[rng.Next methods.Length] prms)
                  | 3 -> yield Encoding.ASCII.GetBytes "Content-Length: nope\r\n\r\n"
                  | 4 -> yield frame (Array.init (rng.Next 40) (fun _ -> byte (rng.Next 256)))
                  | 5 ->
                      let methodName = if rng.Next 2 = 0 then "7" else "\"textDocument/hover\""
                      yield json (sprintf """{"jsonrpc":"2.0","id":%d,"method":%s,"params":%s}""" (rng.Next 9) methodName
                                      (if rng.Next 2 = 0 then "[]" else "null"))
                  | _ ->
                      let settings = """{"settings":{"gan":{"set":{"x":1}}}}"""
                      yield json (sprintf """{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":%s}""" settings)
              if rng.Next 2 = 0 then yield Encoding.ASCII.GetBytes "Content-Length: 50\r\n\r\n{\"id\":" ]
        use input = new MemoryStream(Array.concat pieces)
        use output = new MemoryStream()
        let log = new StringWriter()
        let code = Gan.Dsl.GanLanguageServer.Run(input, output, log)
        Assert.True(code = 0 || code = 1, sprintf "seed %d: exit %d" seed code)
        let answers = frames (output.ToArray())
        Assert.NotEmpty answers
        for a in answers do
            if a.["error"] <> null then
                let code = a.["error"].["code"].GetValue<int>()
                Assert.True(code <> -32603, sprintf "seed %d: %s\n%s" seed (a.ToJsonString()) (log.ToString()))

let private errorCode (m: JsonNode) = m.["error"].["code"].GetValue<int>()

[<Fact>]
let ``gan lsp answers hostile input with JSON-RPC errors and keeps answering; random bytes get diagnostics`` () =
    use c = new Client()
    Assert.Equal(-32002, errorCode (c.Request("textDocument/hover", at (uri "specs/x.gan") 0 0)))
    c.Initialize() |> ignore
    let alive () = Assert.Equal(-32601, errorCode (c.Request("gan/unknown", JsonObject())))
    alive ()
    for bad in [ "Content-Length: abc\r\n\r\n"; "no colon here\r\n\r\n"; "Content-Type: x\r\n\r\n" ] do
        c.SendRaw(Encoding.ASCII.GetBytes bad)
        Assert.Equal(-32700, errorCode (c.ErrorForUnreadable()))
        alive ()
    c.SendRaw(Encoding.ASCII.GetBytes "Content-Length: 9\r\n\r\n{\"id\": 1,")
    Assert.Equal(-32700, errorCode (c.ErrorForUnreadable()))
    alive ()
    c.SendRaw(Encoding.ASCII.GetBytes "Content-Length: 2\r\n\r\n[]")
    Assert.Equal(-32600, errorCode (c.ErrorForUnreadable()))
    alive ()
    // A body with literal UTF-8 (not \u-escaped): its length counts bytes, and positions count UTF-16 units (the emoji is two).
    let unicode = uri "specs/unicode.gan"
    let body =
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"" + unicode
        + "\",\"version\":1,\"text\":\"gan t \\\"\U0001F642 \u00D7\\\" bogus\\n\"}}}"
    let bytes = Encoding.UTF8.GetBytes body
    Assert.Equal(body.Length + 3, bytes.Length)
    c.SendRaw(Array.append (Encoding.ASCII.GetBytes(sprintf "Content-Length: %d\r\n\r\n" bytes.Length)) bytes)
    let d = c.Diagnostics(unicode, 1) |> Seq.find (fun d -> d.["code"].GetValue<string>() = "GAN0105")
    Assert.Equal(13, d.["range"].["start"].["character"].GetValue<int>())
    Assert.Equal(18, d.["range"].["end"].["character"].GetValue<int>())
    alive ()
    // Random bytes as a document: diagnostics, and every request answered without an internal error.
    let rng = Random 17
    let bytes = Array.init 4000 (fun _ -> byte (rng.Next 256))
    let junk = uri "specs/junk.gan"
    c.Open(junk, Encoding.UTF8.GetString bytes)
    Assert.NotEmpty(c.Diagnostics(junk, 1))
    for m in [ "textDocument/hover"; "textDocument/definition"; "textDocument/references"; "textDocument/completion" ] do
        for line in [ 0; 3; 10; 1000 ] do
            let r = c.Request(m, at junk line 5)
            Assert.True(isNull r.["error"], sprintf "%s at %d: %s" m line (r.ToJsonString()))
    for m in [ "textDocument/formatting"; "textDocument/documentSymbol" ] do
        let r = c.Request(m, JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s"}}""" junk))
        Assert.True(isNull r.["error"], r.ToJsonString())
    // Bad params: -32602, not a crash.
    Assert.Equal(-32602, errorCode (c.Request("textDocument/hover", JsonObject())))
    // A body shorter than its length, then the end of input: an error, and exit 1 (no shutdown came).
    c.SendRaw(Encoding.ASCII.GetBytes "Content-Length: 100\r\n\r\n{\"jsonrpc\":\"2.0\"")
    let code = c.CloseAndWait()
    Assert.Equal(-32700, errorCode (c.ErrorForUnreadable()))
    Assert.Equal(1, code)
    Assert.DoesNotContain("Unhandled exception", c.Stderr.Result)

[<Fact>]
let ``gan lsp exits 1 on exit without shutdown, and refuses requests after shutdown`` () =
    use c = new Client()
    c.Initialize() |> ignore
    c.Notify("exit", null)
    Assert.Equal(1, c.WaitExit())
    use c2 = new Client()
    c2.Initialize() |> ignore
    c2.Request("shutdown", null) |> ignore
    Assert.Equal(-32600, errorCode (c2.Request("textDocument/hover", at (uri "specs/x.gan") 0 0)))
    c2.Notify("exit", null)
    Assert.Equal(0, c2.WaitExit())

[<Fact>]
let ``gan lsp reads used files from unsaved buffers, applies gan.set to param hovers and totals, and finds references`` () =
    let spec, lib = uri "specs/sngan32.gan", uri "specs/blocks/mimicry-resnet.gan"
    let specText, libText = read "specs/sngan32.gan", read "specs/blocks/mimicry-resnet.gan"
    let total (set: string) =
        let code, out, err = gan [ "shapes"; "specs/sngan32.gan"; "--json"; "--set"; set ]
        Assert.True((code = 0), err)
        JsonNode.Parse(out).["networks"].["G"].["params"].GetValue<int64>().ToString("N0", Globalization.CultureInfo.InvariantCulture)
    let total64, total32 = total "ngf=64", total "ngf=32"
    use c = new Client()
    let r =
        c.Request("initialize",
                  JsonNode.Parse(sprintf """{"rootUri":"%s","capabilities":{},%s}"""
                                     (uri "") "\"initializationOptions\":{\"gan\":{\"set\":{\"ngf\":\"64\",\"other\":\"1\"}}}"))
    Assert.Null(r.["error"])
    c.Notify("initialized", JsonObject())
    c.Open(spec, specText)
    Assert.Empty(c.Diagnostics(spec, 1))        // `other` names no param of this spec: not an error here
    c.Open(lib, libText)
    Assert.Empty(c.Diagnostics(lib, 1))         // a library of blocks is not asked for a header, data, networks...
    let hoverText (u: string) (line, col) =
        c.Request("textDocument/hover", at u line col).["result"].["contents"].["value"].GetValue<string>()
    let ngf = positionOf specText "param ngf"
    Assert.Contains("`64`", hoverText spec (fst ngf, snd ngf + 7))
    let g = positionOf specText "network G"
    Assert.Contains(total64 + " trainable params", hoverText spec (fst g, snd g + 8))
    c.Notify("workspace/didChangeConfiguration", JsonNode.Parse("""{"settings":{"gan":{"set":{"ngf":32}}}}"""))
    Assert.Contains("`32`", hoverText spec (fst ngf, snd ngf + 7))
    Assert.Contains(total32 + " trainable params", hoverText spec (fst g, snd g + 8))

    // An unsaved edit of the used file wins over the file on disk: the spec's diagnostics follow the buffer.
    let renamed = libText.Replace("block mimicry_dblock(", "block mimicry_dblock_renamed(")
    c.Change(lib, 2, renamed)
    c.WaitFor("GAN0201 for the renamed block", fun m ->
        m.["method"] <> null && m.["params"].["uri"].GetValue<string>() = spec
        && m.["params"].["diagnostics"].AsArray() |> Seq.exists (fun d -> d.["code"].GetValue<string>() = "GAN0201"))
    |> ignore
    // A shape error inside a used block: shown at the spec's `use`, pointing into the used file, and in the used file.
    let upsample = "    upsample(2, mode: bilinear)\n    conv2d(ch, kernel: 3"
    let broken = libText.Replace(upsample, upsample.Replace("(2,", "(3,"))
    Assert.NotEqual<string>(libText, broken)
    c.Change(lib, 3, broken)
    let inSpec = c.WaitFor("diagnostics at the use", fun m ->
        m.["method"] <> null && m.["params"].["uri"].GetValue<string>() = spec
        && m.["params"].["diagnostics"].AsArray() |> Seq.exists (fun d -> d.["relatedInformation"] <> null))
    let d = inSpec.["params"].["diagnostics"].AsArray() |> Seq.find (fun d -> d.["relatedInformation"] <> null)
    Assert.Equal(fst (positionOf specText "use \"blocks/mimicry-resnet.gan\""), d.["range"].["start"].["line"].GetValue<int>())
    Assert.Equal(lib, d.["relatedInformation"].[0].["location"].["uri"].GetValue<string>())
    Assert.NotEmpty(c.Diagnostics(lib, 3))
    c.Change(lib, 4, libText)
    Assert.Empty(c.Diagnostics(lib, 4))
    Assert.Empty(c.WaitFor("clean spec", fun m ->
        m.["method"] <> null && m.["params"].["uri"].GetValue<string>() = spec && m.["params"].["diagnostics"].AsArray().Count = 0)
        .["params"].["diagnostics"].AsArray())

    // Hover on a layer of a used block: one row per call of the block in the open spec (three in G).
    let conv = positionOf libText "conv2d(ch, kernel: 3"
    let rows = hoverText lib (fst conv, snd conv + 2)
    Assert.Equal(3, Text.RegularExpressions.Regex.Matches(rows, @"G\.\d+_conv2d \(conv2d\) in sngan32\.gan").Count)

    // References of ngf: its definition and its three uses in G; the outline names the networks, losses and optimisers.
    let refsAt = at spec (fst ngf) (snd ngf + 7)
    refsAt.["context"] <- JsonNode.Parse """{"includeDeclaration":true}"""
    let refs = c.Request("textDocument/references", refsAt).["result"].AsArray()
    let expected =
        specText.Split('\n') |> Seq.filter (fun l -> not (l.TrimStart().StartsWith "#"))
        |> Seq.sumBy (fun l -> Text.RegularExpressions.Regex.Matches(l, @"\bngf\b").Count)
    Assert.Equal(expected, refs.Count)
    let outline =
        c.Request("textDocument/documentSymbol", JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s"}}""" spec)).["result"].AsArray()
    let names = outline |> Seq.map (fun s -> s.["name"].GetValue<string>()) |> Set.ofSeq
    for n in [ "G"; "D"; "d_loss"; "g_loss"; "opt_d"; "opt_g"; "ngf" ] do Assert.Contains(n, names)
    c.Request("shutdown", null) |> ignore
    c.Notify("exit", null)
    Assert.Equal(0, c.WaitExit())
