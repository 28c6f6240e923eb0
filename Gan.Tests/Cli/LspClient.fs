/// A scripted LSP client for the tests: starts `gan lsp` as a process and speaks Content-Length-framed JSON-RPC to it.
/// Every wait has a timeout, so a hung server fails the test instead of hanging the suite.
module Gan.Tests.Cli.LspClient

open System
open System.Collections.Concurrent
open System.Collections.Generic
open System.Diagnostics
open System.IO
open System.Text
open System.Text.Json.Nodes
open Gan.Tests

/// How long one answer may take (the first includes starting .NET and compiling a spec on a busy machine).
let timeout = TimeSpan.FromSeconds 60.0

/// A file: URI for a repository path.
let uri (relative: string) = Uri(Path.Combine(TestFiles.repoRoot, relative)).AbsoluteUri

/// Reads one framed message (None at the end of the stream).
let private readFrame (s: Stream) : JsonNode option =
    let header = ResizeArray<byte>()
    let mutable ended = false
    while not ended && not (header.Count >= 4 && Encoding.ASCII.GetString(header.GetRange(header.Count - 4, 4).ToArray()) = "\r\n\r\n") do
        let b = s.ReadByte()
        if b < 0 then ended <- true else header.Add(byte b)
    if ended then None
    else
        let text = Encoding.ASCII.GetString(header.ToArray())
        let line = text.Split("\r\n") |> Array.find (fun l -> l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
        let n = int (line.Substring(15).Trim())
        let body = Array.zeroCreate<byte> n
        let mutable read = 0
        while read < n do
            let got = s.Read(body, read, n - read)
            if got <= 0 then failwithf "the server's message ended after %d of %d bytes" read n
            read <- read + got
        Some(JsonNode.Parse(body))

type Client() =
    let psi =
        ProcessStartInfo("dotnet", [ Gan.Tests.Cli.Process.cli; "lsp" ], WorkingDirectory = TestFiles.repoRoot,
                         RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true)
    do psi.Environment.["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
    let proc = Diagnostics.Process.Start psi
    let stderr = proc.StandardError.ReadToEndAsync()
    let messages = new BlockingCollection<JsonNode>()
    let reader =
        Threading.Tasks.Task.Run(fun () ->
            try
                let mutable go = true
                while go do
                    match readFrame proc.StandardOutput.BaseStream with
                    | Some m -> messages.Add m
                    | None -> go <- false
            finally messages.CompleteAdding())
    let mutable nextId = 1
    /// Notifications met while waiting for something else, kept for later waits.
    let backlog = ResizeArray<JsonNode>()

    member _.Process = proc
    member _.Stderr = stderr

    member _.SendRaw(bytes: byte[]) =
        proc.StandardInput.BaseStream.Write(bytes, 0, bytes.Length)
        proc.StandardInput.BaseStream.Flush()

    member this.Send(message: JsonObject) =
        message.["jsonrpc"] <- "2.0"
        let body = Encoding.UTF8.GetBytes(message.ToJsonString())
        this.SendRaw(Array.append (Encoding.ASCII.GetBytes(sprintf "Content-Length: %d\r\n\r\n" body.Length)) body)

    member this.Notify(methodName: string, prms: JsonNode) =
        let o = JsonObject()
        o.["method"] <- methodName
        o.["params"] <- prms
        this.Send o

    /// The next message that satisfies the predicate (others are kept in the backlog), or a failure after the timeout.
    member _.WaitFor(what: string, predicate: JsonNode -> bool) : JsonNode =
        match backlog |> Seq.tryFind predicate with
        | Some m ->
            backlog.Remove m |> ignore
            m
        | None ->
            let deadline = DateTime.UtcNow + timeout
            let mutable found = None
            while found.IsNone do
                let left = deadline - DateTime.UtcNow
                let mutable m = null
                if left <= TimeSpan.Zero || not (messages.TryTake(&m, left)) then
                    failwithf "no %s from gan lsp within %.0f s (exited: %b)" what timeout.TotalSeconds proc.HasExited
                if predicate m then found <- Some m else backlog.Add m
            found.Value

    /// Sends a request and returns its response (result or error).
    member this.Request(methodName: string, prms: JsonNode) : JsonNode =
        let id = nextId
        nextId <- nextId + 1
        let o = JsonObject()
        o.["id"] <- id
        o.["method"] <- methodName
        o.["params"] <- prms
        this.Send o
        this.WaitFor(sprintf "answer to %s" methodName, fun m ->
            m.["id"] <> null && m.["id"].GetValueKind() = Text.Json.JsonValueKind.Number && m.["id"].GetValue<int>() = id)

    /// The next response with a null id: the answer to a message the server could not read.
    member this.ErrorForUnreadable() = this.WaitFor("error for an unreadable message", fun m -> m.["error"] <> null && m.["id"] = null)

    /// The next publishDiagnostics for a URI (and version, when given).
    member this.Diagnostics(uri: string, ?version: int) : JsonArray =
        let m =
            this.WaitFor(sprintf "diagnostics for %s" uri, fun m ->
                m.["method"] <> null && m.["method"].GetValue<string>() = "textDocument/publishDiagnostics"
                && m.["params"].["uri"].GetValue<string>() = uri
                && (version.IsNone || (m.["params"].["version"] <> null && m.["params"].["version"].GetValue<int>() = version.Value)))
        m.["params"].["diagnostics"].AsArray()

    member this.Open(uri: string, text: string) =
        this.Notify("textDocument/didOpen",
                    JsonNode.Parse(sprintf """{"textDocument":{"uri":%s,"languageId":"gan","version":1,"text":%s}}"""
                                       (JsonValue.Create(uri).ToJsonString()) (JsonValue.Create(text).ToJsonString())))

    member this.Change(uri: string, version: int, text: string) =
        this.Notify("textDocument/didChange",
                    JsonNode.Parse(sprintf """{"textDocument":{"uri":%s,"version":%d},"contentChanges":[{"text":%s}]}"""
                                       (JsonValue.Create(uri).ToJsonString()) version (JsonValue.Create(text).ToJsonString())))

    member this.Initialize() =
        let r = this.Request("initialize", JsonNode.Parse(sprintf """{"processId":null,"rootUri":"%s","capabilities":{}}""" (uri "")))
        this.Notify("initialized", JsonObject())
        r

    /// Closes the server's input and waits for it to exit; returns its exit code.
    member _.CloseAndWait() =
        proc.StandardInput.Close()
        if not (proc.WaitForExit(int timeout.TotalMilliseconds)) then failwith "gan lsp did not exit after its input closed"
        proc.ExitCode

    member _.WaitExit() =
        if not (proc.WaitForExit(int timeout.TotalMilliseconds)) then failwith "gan lsp did not exit after `exit`"
        proc.ExitCode

    interface IDisposable with
        member _.Dispose() =
            if not proc.HasExited then (try proc.Kill true with _ -> ())
            proc.Dispose()

/// textDocument + position params.
let at (uri: string) (line: int) (character: int) =
    JsonNode.Parse(sprintf """{"textDocument":{"uri":"%s"},"position":{"line":%d,"character":%d}}""" uri line character)

/// The 0-based line and UTF-16 column of the first occurrence of a string in a text.
let positionOf (text: string) (what: string) =
    let i = text.IndexOf(what: string)
    if i < 0 then failwithf "`%s` not in the text" what
    let before = text.Substring(0, i)
    let line = before |> Seq.filter ((=) '\n') |> Seq.length
    line, i - (before.LastIndexOf '\n' + 1)
