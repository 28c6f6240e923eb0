using System.Diagnostics;
using System.Text;
using Gan.Dsl;
using Gan.Dsl.Diagnostics;

namespace Gan.Bench;

/// <summary>
/// `gan-bench check-speed [REPEATS]`: what `gan check` costs where users run it. Warm: checking a generated spec of
/// 1,000 lines in this process (compile and text report, after warm-up; the target is under 50 ms, what an editor or a
/// language server needs on each keystroke). Cold: whole `gan check specs/*.gan` processes of the published CLI
/// (<c>./gan</c>'s ReadyToRun build in Gan.Cli/bin/gan; the target is at most 0.5 s), and of the plain Release build for
/// comparison. Run before anything loads libtorch.
/// </summary>
public static class CheckSpeedBench
{
    /// <summary>A valid spec of exactly <paramref name="lines"/> lines: params, a block, a long G of block calls, D, losses.</summary>
    public static string Generate(int lines)
    {
        var head = new List<string>
        {
            "gan speed \"a generated spec for the check-speed benchmark\"",
            "data mnist(split: train, scale: [-1, 1])",
            "latent z = normal(64)",
            "block fc(out: int, slope: float = 0.2) {", "  linear(out)", "  leaky_relu(slope)", "}",
        };
        var tail = new List<string>
        {
            "  linear(784)", "  tanh", "  reshape(1, 28, 28)", "}",
            "network D(x: [1, 28, 28]) {", "  flatten", "  linear(128)", "  leaky_relu(0.2)", "  linear(1)", "}",
            "loss g_loss = bce_logits(D(G(z)), 1)",
            "loss d_loss = (bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)) / 2",
            "optimizer opt_g = adam(G, lr: 2e-4, betas: [0.5, 0.999]) minimize g_loss",
            "optimizer opt_d = adam(D, lr: 2e-4, betas: [0.5, 0.999]) minimize d_loss",
            "schedule {", "  batch: 64", "  epochs: 1", "  order: [opt_d, opt_g]", "}",
        };
        int body = lines - head.Count - tail.Count;
        int parameters = body / 5;
        var sb = new StringBuilder();
        foreach (var l in head) sb.Append(l).Append('\n');
        sb.Append("param w0 = 64\n");
        for (int i = 1; i < parameters; i++) sb.Append($"param w{i} = (w{i - 1} * 3 + {i % 7}) / 3 - {i % 7} / 3 + 0\n");
        sb.Append("network G(z: [64]) {\n");
        for (int i = 0; i < body - parameters - 1; i++)
            sb.Append(i % 2 == 0 ? "  fc(64, slope: 0.1)  # a block call\n" : "  linear(64)\n");
        foreach (var l in tail) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    public static void Run(int repeats)
    {
        Console.WriteLine($"# gan-bench check-speed {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                          $"load average {LoadAverage()}");
        var text = Generate(1000);
        var spec = GanSpec.Compile("speed.gan", text);
        if (spec.Diagnostics.Count > 0) throw new InvalidOperationException(spec.Diagnostics[0].Format(false));
        Console.WriteLine($"generated spec: {text.Count(c => c == '\n'):N0} lines, {text.Length:N0} characters, " +
                          $"{spec.Networks.Sum(n => n.Layers.Count):N0} layers");
        var warm = Harness.Milliseconds("warm check, 1,000 lines (compile + text report)", () =>
        {
            var s = GanSpec.Compile("speed.gan", text);
            _ = CheckReport.Render(ReportFormat.Text, [s], ".");
        }, warmup: 5, repeats: repeats);
        Console.WriteLine($"{warm}   target < 50 ms");
        var sarif = Harness.Milliseconds("warm SARIF report of it (rules and no results)",
            () => _ = CheckReport.Render(ReportFormat.Sarif, [spec], "."), warmup: 5, repeats: repeats);
        Console.WriteLine(sarif);

        var root = RepoRoot();
        var specs = Directory.GetFiles(Path.Combine(root, "specs"), "*.gan").Order().Select(f => Path.GetRelativePath(root, f)).ToArray();
        var published = Path.Combine(root, "Gan.Cli", "bin", "gan", "gan.dll");
        foreach (var (label, program, first, needs) in new[]
                 {
                     ("./gan (script: staleness check, then the published build)", "bash", Path.Combine(root, "gan"), published),
                     ("dotnet Gan.Cli/bin/gan/gan.dll (published, ReadyToRun)", "dotnet", published, published),
                     ("dotnet Gan.Cli/bin/Release/net10.0/gan.dll (JIT)", "dotnet",
                      Path.Combine(root, "Gan.Cli", "bin", "Release", "net10.0", "gan.dll"), ""),
                 })
        {
            var dll = needs.Length > 0 ? needs : first;
            if (!File.Exists(dll)) { Console.WriteLine($"cold: {label}: {dll} is missing (run ./gan once, or build Release)"); continue; }
            var cpu = new List<double>();
            var cold = Harness.Milliseconds($"cold check of specs/*.gan ({specs.Length} specs): {label}", () =>
            {
                double before = ChildrenCpuMs();
                Check(program, first, root, specs);
                cpu.Add(ChildrenCpuMs() - before);
            }, warmup: 2, repeats: Math.Max(5, repeats / 2));
            Console.WriteLine($"{cold}   target <= 500 ms");
            Console.WriteLine($"  {Harness.Summarise("  its CPU time (user + system, all threads)", "ms", [.. cpu.Skip(2)])}");
        }
    }

    /// <summary>One `PROGRAM FIRST check SPECS...` process, waited for; a failed check is an error of the benchmark.</summary>
    static void Check(string program, string first, string root, string[] specs)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(first);
        psi.ArgumentList.Add("check");
        foreach (var s in specs) psi.ArgumentList.Add(s);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"gan check exited {p.ExitCode}: {err.Result}");
    }

    /// <summary>User plus system CPU time of this process's waited-for children so far (getrusage, Linux), in ms.</summary>
    static double ChildrenCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        var usage = new long[18];
        if (getrusage(-1, usage) != 0) return double.NaN;
        return (usage[0] + usage[2]) * 1e3 + (usage[1] + usage[3]) / 1e3;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, long[] usage);

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "GanDsl.sln"))) return d.FullName;
        throw new InvalidOperationException("GanDsl.sln not found above the benchmark");
    }

    static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
