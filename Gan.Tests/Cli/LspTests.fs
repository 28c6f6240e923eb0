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
    sprintf "%s · %s params" (layer.["shape"].GetValue<string>()) (layer.["params"].GetValue<int64>().ToString("N0", Globalization.CultureInfo.InvariantCulture))

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

    let shutdown = c.Request("shutdown", null)
    Assert.Null(shutdown.["error"])
    c.Notify("exit", null)
    Assert.Equal(0, c.WaitExit())

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
