using System.IO.Pipes;
using System.Text;
using System.Text.Json.Nodes;
using Gan.Dsl;

namespace Gan.Bench;

/// <summary>
/// `gan-bench lsp [LINES]`: each request kind of `gan lsp` on a generated valid spec of 1,000 lines (default), timed as an
/// editor sees it: from writing the framed request to reading the framed answer, the server running in this process on a
/// pair of pipes. The target is under 100 ms per request. Diagnostics after a change include the 200 ms debounce, which is
/// subtracted in the last column. Run before anything loads libtorch.
/// </summary>
public static class LspBench
{
    /// <summary>A valid spec of about <paramref name="lines"/> lines: params, a block, a conv G and D, losses, a schedule.</summary>
    public static string Generate(int lines)
    {
        var sb = new StringBuilder();
        sb.Append("# generated for gan-bench lsp\ngan lsp_bench \"a long spec for the language server benchmark\"\n")
          .Append("data mnist(split: train, scale: [-1, 1])\nlatent z = normal(64)\n");
        for (int i = 0; i < 20; i++) sb.Append($"param w{i} = {8 + i}\n");
        sb.Append("block unit(ch: int) {\n  conv2d(ch, kernel: 3, padding: 1)\n  batchnorm\n  relu\n}\n");
        sb.Append("network G(z: [64]) {\n  linear(784)\n  reshape(1, 28, 28)\n");
        int body = Math.Max(10, (lines - 60) / 2);
        for (int i = 0; i < body / 3; i++) sb.Append($"  unit(w{i % 20})  # block {i}\n  conv2d(8, kernel: 3, padding: 1)\n  relu\n");
        sb.Append("  conv2d(1, kernel: 3, padding: 1)\n  tanh\n}\n");
        sb.Append("network D(x: [1, 28, 28]) {\n");
        for (int i = 0; i < body / 3; i++) sb.Append($"  conv2d(w{i % 20}, kernel: 3, padding: 1)\n  leaky_relu(0.2)\n  let f{i}\n");
        sb.Append("  flatten\n  linear(1)\n}\n")
          .Append("loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)\n")
          .Append("loss g_loss = bce_logits(D(G(z)), 1)\n")
          .Append("optimizer opt_d = adam(D, lr: 2e-4, betas: [0.5, 0.999]) minimize d_loss\n")
          .Append("optimizer opt_g = adam(G, lr: 2e-4, betas: [0.5, 0.999]) minimize g_loss\n")
          .Append("schedule {\n  batch: 64\n  epochs: 1\n  order: [opt_d, opt_g]\n}\n");
        while (sb.ToString().Count(c => c == '\n') < lines) sb.Append("# padding\n");
        return sb.ToString();
    }

    public static void Run(int lines)
    {
        var text = Generate(lines);
        var path = Path.Combine(Path.GetTempPath(), $"gan-lsp-bench-{Environment.ProcessId}.gan");
        File.WriteAllText(path, text);
        var uri = new Uri(path).AbsoluteUri;
        using var toServer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var serverIn = new AnonymousPipeClientStream(PipeDirection.In, toServer.ClientSafePipeHandle);
        using var fromServer = new AnonymousPipeServerStream(PipeDirection.In);
        using var serverOut = new AnonymousPipeClientStream(PipeDirection.Out, fromServer.ClientSafePipeHandle);
        var server = new Thread(() => GanLanguageServer.Run(serverIn, serverOut, TextWriter.Null)) { IsBackground = true };
        server.Start();
        int id = 0;
        void Send(JsonObject m) { m["jsonrpc"] = "2.0"; var b = Encoding.UTF8.GetBytes(m.ToJsonString());
            toServer.Write(Encoding.ASCII.GetBytes($"Content-Length: {b.Length}\r\n\r\n")); toServer.Write(b); toServer.Flush(); }
        JsonNode Read()
        {
            var header = new StringBuilder();
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal)) header.Append((char)fromServer.ReadByte());
            int n = int.Parse(header.ToString().Split(':')[1].Trim());
            var body = new byte[n];
            fromServer.ReadExactly(body);
            return JsonNode.Parse(body)!;
        }
        JsonNode Request(string method, JsonNode? prms)
        {
            int mine = ++id;
            Send(new JsonObject { ["id"] = mine, ["method"] = method, ["params"] = prms });
            while (true) { var m = Read(); if (m["id"]?.GetValue<int>() == mine) return m; }
        }
        JsonNode Diagnostics(int version)
        {
            while (true)
            {
                var m = Read();
                if (m["method"]?.GetValue<string>() == "textDocument/publishDiagnostics"
                    && m["params"]?["version"]?.GetValue<int>() == version) return m;
            }
        }
        JsonNode At(string what, int delta)
        {
            int i = text.IndexOf(what, StringComparison.Ordinal) + delta;
            int line = text[..i].Count(c => c == '\n'), character = i - (text.LastIndexOf('\n', i - 1) + 1);
            return new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri },
                                    ["position"] = new JsonObject { ["line"] = line, ["character"] = character } };
        }
        JsonObject Doc() => new() { ["textDocument"] = new JsonObject { ["uri"] = uri } };

        Console.WriteLine($"# gan-bench lsp: {text.Count(c => c == '\n'):N0}-line spec ({text.Length / 1024.0:F0} KiB), " +
                          $"{Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Request("initialize", new JsonObject { ["capabilities"] = new JsonObject() });
        Console.WriteLine($"{"initialize (cold)",-48} {sw.Elapsed.TotalMilliseconds,12:F2} ms");
        sw.Restart();
        Send(new JsonObject { ["method"] = "textDocument/didOpen", ["params"] = new JsonObject { ["textDocument"] = new JsonObject
            { ["uri"] = uri, ["languageId"] = "gan", ["version"] = 1, ["text"] = text } } });
        var first = Diagnostics(1);
        Console.WriteLine($"{"didOpen -> diagnostics (cold)",-48} {sw.Elapsed.TotalMilliseconds,12:F2} ms " +
                          $"({first["params"]!["diagnostics"]!.AsArray().Count} diagnostics)");
        int version = 1;
        var change = Harness.Milliseconds("didChange -> diagnostics (incl. 200 ms debounce)", () =>
        {
            version++;
            Send(new JsonObject { ["method"] = "textDocument/didChange", ["params"] = new JsonObject {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = text + $"# edit {version}\n" }) } });
            Diagnostics(version);
        }, 2, 9);
        Console.WriteLine(change + $"  → {change.Median - 200:F2} ms after the debounce");
        var cases = new (string Name, string Method, Func<JsonNode?> Params)[]
        {
            ("hover: a conv2d layer", "textDocument/hover", () => At("conv2d(8,", 2)),
            ("hover: network D", "textDocument/hover", () => At("network D", 8)),
            ("hover: loss d_loss", "textDocument/hover", () => At("loss d_loss", 6)),
            ("hover: param w3", "textDocument/hover", () => At("param w3", 6)),
            ("definition: a block call", "textDocument/definition", () => At("unit(w", 1)),
            ("references: param w0", "textDocument/references", () => At("param w0", 6)),
            ("completion: in a network body", "textDocument/completion", () => At("  relu\n", 2)),
            ("completion: after conv2d(", "textDocument/completion", () => At("conv2d(8,", 7)),
            ("formatting", "textDocument/formatting", Doc),
            ("documentSymbol", "textDocument/documentSymbol", Doc),
        };
        foreach (var (name, method, prms) in cases)
        {
            var answer = Request(method, prms());
            if (answer["error"] is not null) throw new InvalidOperationException($"{name}: {answer.ToJsonString()}");
            Console.WriteLine(Harness.Milliseconds(name, () => Request(method, prms())));
        }
        // The first request after an edit recompiles: hover right after a change (its debounce not waited for).
        Console.WriteLine(Harness.Milliseconds("hover right after a change (recompiles)", () =>
        {
            version++;
            Send(new JsonObject { ["method"] = "textDocument/didChange", ["params"] = new JsonObject {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = text + $"# edit {version}\n" }) } });
            Request("textDocument/hover", At("conv2d(8,", 2));
        }, 2, 9));
        Request("shutdown", null);
        Send(new JsonObject { ["method"] = "exit" });
        server.Join(TimeSpan.FromSeconds(10));
        File.Delete(path);
    }
}
