using System.Diagnostics;
using System.Text;
using Gan.Dsl;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Bench;

/// <summary>
/// `gan-bench bigspec [MB]`: what `gan check` costs on a generated spec of about 10 MB (default), a valid one, so
/// every pass runs: lexing, parsing, binding (params, a block called throughout), shape checking of a network of
/// tens of thousands of layers, losses and lowering. Prints wall time and memory; the targets are under 5 s and 1 GB.
/// Run before anything loads libtorch, so the peak working set is the compiler's own.
/// </summary>
public static class BigSpecBench
{
    /// <summary>A valid spec of at least <paramref name="bytes"/> characters: params, a block, a long G, a small D.</summary>
    public static string Generate(int bytes)
    {
        var sb = new StringBuilder(bytes + 4096);
        sb.Append("gan big \"a generated spec for the bigspec benchmark\"\n")
          .Append("data mnist(split: train, scale: [-1, 1])\nlatent z = normal(16)\n")
          .Append("block fc(out: int, slope: float = 0.2) {\n  linear(out)\n  leaky_relu(slope)\n}\n");
        // Two fifths of the text in params, each an expression over the previous one.
        int i = 0;
        sb.Append("param p0 = 1\n");
        while (sb.Length < bytes * 2 / 5) { i++; sb.Append($"param p{i} = (p{i - 1} * 3 + {i % 7}) / 4 - 0\n"); }
        sb.Append("network G(z: [16]) {\n");
        while (sb.Length < bytes - 2000) sb.Append("  fc(16, slope: 0.1)  # a block call\n  linear(16)\n  relu\n");
        sb.Append("  linear(784)\n  tanh\n  reshape(1, 28, 28)\n}\n")
          .Append("network D(x: [1, 28, 28]) {\n  flatten\n  linear(64)\n  leaky_relu(0.2)\n  linear(1)\n}\n")
          .Append("loss g_loss = bce_logits(D(G(z)), 1)\n")
          .Append("loss d_loss = (bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)) / 2\n")
          .Append("optimizer opt_g = adam(G, lr: 2e-4, betas: [0.5, 0.999]) minimize g_loss\n")
          .Append("optimizer opt_d = adam(D, lr: 2e-4, betas: [0.5, 0.999]) minimize d_loss\n")
          .Append("schedule {\n  batch: 64\n  epochs: 1\n  order: [opt_d, opt_g]\n}\n");
        return sb.ToString();
    }

    public static void Run(int megabytes)
    {
        if (Environment.GetEnvironmentVariable("GAN_BENCH_PHASES") is "1") { Phases(megabytes); return; }
        var text = Generate(megabytes * 1_000_000);
        Console.WriteLine($"# gan-bench bigspec: {text.Length / 1e6:F1} MB spec, {text.Count(c => c == '\n'):N0} lines, " +
                          $"{Environment.ProcessorCount} cores");
        var path = Path.Combine(Path.GetTempPath(), $"gan-bigspec-{Environment.ProcessId}.gan");
        File.WriteAllText(path, text);
        text = null;
        GC.Collect();
        try
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var first = Compilation.CompileFile(path);       // as `gan check` does: read, compile, once, cold
            double cold = sw.Elapsed.TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            long peakHeap = GC.GetGCMemoryInfo(GCKind.Any).PeakMemory();
            var nodes = first.Ir is null ? "no IR" : $"{first.Ir.Networks[0].Nodes.Length:N0} G nodes";
            Console.WriteLine($"first compile (cold, as gan check): {cold:F2} s wall, {cpuSeconds:F2} s CPU (all threads, GC included), " +
                              $"allocated {allocated / 1e6:F0} MB, {first.Diagnostics.Count} diagnostic(s), {nodes}");
            foreach (var d in first.Diagnostics.Take(3)) Console.WriteLine("  " + d.Format(false));
            first = null;

            var source = new SourceText(path, File.ReadAllText(path));
            var lex = Harness.Milliseconds("lex only", () => new Lexer(source, new DiagnosticBag()).Lex(), warmup: 1, repeats: 3);
            var parse = Harness.Milliseconds("lex + parse", () => Parser.Parse(source, new DiagnosticBag()), warmup: 1, repeats: 3);
            var full = Harness.Milliseconds("compile (warm)", () => Compilation.CompileFile(path), warmup: 1, repeats: 3);
            Console.WriteLine(lex);
            Console.WriteLine(parse);
            Console.WriteLine(full);
            Process.GetCurrentProcess().Refresh();
            Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB " +
                              $"(the whole process, runtime included); GC heap after the first compile {peakHeap / 1e6:F0} MB");
        }
        finally { File.Delete(path); }
    }

    /// <summary>Time per pass on a warm compiler, to see where the time goes.</summary>
    static void Phases(int megabytes)
    {
        // GAN_BENCH_FILE=path times that spec instead of the generated one (to profile another shape).
        var file = Environment.GetEnvironmentVariable("GAN_BENCH_FILE");
        var source = new SourceText("big.gan", file is { Length: > 0 } ? File.ReadAllText(file) : Generate(megabytes * 1_000_000));
        for (int round = 0; round < 2; round++)
        {
            var d = new DiagnosticBag();
            var sw = Stopwatch.StartNew();
            var syntax = Parser.Parse(source, d);
            var tParse = sw.Elapsed.TotalMilliseconds;
            var bound = new Gan.Dsl.Binding.Binder(syntax, d).Bind(new Dictionary<string, string>(), [], [], []);
            var tBind = sw.Elapsed.TotalMilliseconds;
            var check = Gan.Dsl.Checking.Checker.Check(bound, d);
            var tCheck = sw.Elapsed.TotalMilliseconds;
            if (!d.HasErrors) Gan.Dsl.Lowering.Lowerer.Lower(check);
            var tLower = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"parse {tParse:F0} ms, bind {tBind - tParse:F0} ms, check {tCheck - tBind:F0} ms, " +
                              $"lower {tLower - tCheck:F0} ms; " +
                              $"gen0/1/2 GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        }
    }

    static long PeakMemory(this GCMemoryInfo info) => info.HeapSizeBytes + info.FragmentedBytes;
}
