using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// The server's loop: a reader thread frames messages into a queue; this thread answers them in order and publishes
/// diagnostics when a document's debounce delay has passed. Lifecycle as LSP 3.17 says: requests before <c>initialize</c>
/// get -32002, unknown ones -32601, requests after <c>shutdown</c> -32600; <c>exit</c> ends with 0 after a shutdown, else 1.
/// A handler's failure is answered with -32603 and logged to stderr: the server keeps running.
/// </summary>
internal sealed class Server
{
    /// <summary>How long after the last change a document is compiled and its diagnostics published.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    readonly Framing framing;
    readonly TextWriter log;
    readonly Documents documents = new();
    readonly Dictionary<string, DateTime> pending = new(StringComparer.Ordinal);
    readonly Handlers handlers;
    bool initialized, shuttingDown;

    public Server(Framing framing, TextWriter log)
    {
        (this.framing, this.log) = (framing, log);
        handlers = new Handlers(documents);
    }

    public int Run()
    {
        var queue = new BlockingCollection<Frame>(boundedCapacity: 1024);
        var reader = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var frame = framing.Read();
                    queue.Add(frame);
                    if (frame.End) break;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { queue.Add(new Frame(null, End: true)); }
            finally { queue.CompleteAdding(); }
        }) { IsBackground = true, Name = "lsp-reader" };
        reader.Start();
        while (true)
        {
            var wait = pending.Count == 0 ? Timeout.InfiniteTimeSpan : pending.Values.Min() - DateTime.UtcNow;
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            if (queue.TryTake(out var frame, wait))
            {
                if (frame.ErrorCode != 0) framing.Write(Error(null, frame.ErrorCode, frame.Error!));
                if (frame.Json is { } json && Handle(json) is { } code) return code;
                if (frame.End) return shuttingDown ? 0 : 1;
            }
            else if (queue.IsCompleted) return shuttingDown ? 0 : 1;
            PublishDue();
        }
    }

    /// <summary>Answers one message; returns the exit code when it was <c>exit</c>.</summary>
    int? Handle(JsonNode message)
    {
        var id = message["id"]?.DeepClone();
        var method = message["method"] is JsonValue m && m.TryGetValue<string>(out var s) ? s : null;
        if (method is null)
        {
            // A response (result or error) would answer a request of ours: none are sent, so nothing waits for it.
            if (message is JsonObject o && !o.ContainsKey("result") && !o.ContainsKey("error"))
                framing.Write(Error(id, -32600, "a message needs a string `method`"));
            return null;
        }
        if (method == "exit") return shuttingDown ? 0 : 1;
        var prms = message["params"];
        if (id is null) { Notify(method, prms); return null; }
        if (!initialized && method != "initialize")
        {
            framing.Write(Error(id, -32002, $"`{method}` before `initialize`"));
            return null;
        }
        if (shuttingDown) { framing.Write(Error(id, -32600, $"`{method}` after `shutdown`")); return null; }
        try
        {
            var watch = Stopwatch.StartNew();
            var result = Request(method, prms, out bool known);
            framing.Write(known ? new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result }
                                : Error(id, -32601, $"method `{method}` is not supported"));
            if (watch.ElapsedMilliseconds > 500) log.WriteLine($"gan lsp: {method} took {watch.ElapsedMilliseconds} ms");
        }
        catch (InvalidParamsException e) { framing.Write(Error(id, -32602, $"{method}: {e.Message}")); }
        catch (Exception e)
        {
            log.WriteLine($"gan lsp: {method} failed: {e}");
            framing.Write(Error(id, -32603, $"{method} failed: {e.Message}"));
        }
        return null;
    }

    JsonNode? Request(string method, JsonNode? prms, out bool known)
    {
        known = true;
        switch (method)
        {
            case "initialize":
                if (initialized) throw new InvalidParamsException("the server is already initialized");
                initialized = true;
                if (prms?["rootUri"] is JsonValue r && r.TryGetValue<string>(out var root)) documents.WorkspaceRoot = Uris.ToPath(root);
                if (prms?["workspaceFolders"] is JsonArray { Count: > 0 } folders && folders[0]?["uri"] is JsonValue f
                    && f.TryGetValue<string>(out var folder)) documents.WorkspaceRoot ??= Uris.ToPath(folder);
                Configure(prms?["initializationOptions"]);
                return Capabilities.Initialize();
            case "shutdown":
                shuttingDown = true;
                return null;
            default:
                var result = handlers.Request(method, prms, out known);
                return result;
        }
    }

    void Notify(string method, JsonNode? prms)
    {
        if (!initialized) return;    // notifications before initialize are dropped (LSP 3.17)
        try
        {
            switch (method)
            {
                case "textDocument/didOpen":
                {
                    var td = Lsp.Obj(prms, "textDocument");
                    var doc = documents.Open(Lsp.Str(td, "uri"), td["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0,
                                             Lsp.Str(td, "text"));
                    ScheduleAll(doc.Uri, TimeSpan.Zero);
                    break;
                }
                case "textDocument/didChange":
                {
                    var uri = Lsp.Uri(prms);
                    if (documents.Get(uri) is not { } doc) break;
                    var changes = prms?["contentChanges"] as JsonArray;
                    if (changes is not { Count: > 0 } || changes[^1]?["text"] is not JsonValue t || !t.TryGetValue<string>(out var text))
                        throw new InvalidParamsException("expected contentChanges with the full text (sync kind 1)");
                    var version = prms?["textDocument"]?["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : doc.Version + 1;
                    documents.Change(doc, version, text);
                    ScheduleAll(uri, Debounce);
                    break;
                }
                case "textDocument/didClose":
                {
                    var uri = Lsp.Uri(prms);
                    documents.Close(uri);
                    pending.Remove(uri);
                    framing.Write(DiagnosticFeed.Publish(uri, null, new JsonArray()));
                    ScheduleAll(null, Debounce);
                    break;
                }
                case "workspace/didChangeConfiguration":
                    Configure(prms?["settings"]);
                    ScheduleAll(null, TimeSpan.Zero);
                    break;
            }
        }
        catch (Exception e) { log.WriteLine($"gan lsp: {method} ignored: {e.Message}"); }
    }

    /// <summary>Reads <c>gan.set</c> (<c>{"gan": {"set": {"name": value}}}</c> or <c>{"set": ...}</c>): params to override.</summary>
    void Configure(JsonNode? settings)
    {
        var set = settings?["gan"]?["set"] ?? settings?["set"];
        if (set is not JsonObject o) return;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in o)
            if (value is not null) overrides[key] = value is JsonValue v && v.TryGetValue<string>(out var str) ? str : value.ToJsonString();
        documents.SetOverrides(overrides);
    }

    /// <summary>Schedules diagnostics for a changed document and, as it may be a used file, every other open one.</summary>
    void ScheduleAll(string? changed, TimeSpan delay)
    {
        var due = DateTime.UtcNow + delay;
        if (changed is not null) pending[changed] = due;
        foreach (var d in documents.All)
            if (d.Uri != changed) pending[d.Uri] = pending.TryGetValue(d.Uri, out var t) && t < due ? t : due + Debounce;
    }

    void PublishDue()
    {
        var now = DateTime.UtcNow;
        foreach (var uri in pending.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList())
        {
            pending.Remove(uri);
            if (documents.Get(uri) is not { } doc) continue;
            try { framing.Write(DiagnosticFeed.Publish(doc.Uri, doc.Version, DiagnosticFeed.For(doc, documents.Compile(doc), documents))); }
            catch (Exception e) { log.WriteLine($"gan lsp: diagnostics for {uri} failed: {e}"); }
        }
    }

    static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
}
