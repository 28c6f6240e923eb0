using System.Diagnostics;
using System.Globalization;
using Gan.Dsl;
using Gan.Runtime;

namespace Gan.Bench;

/// <summary>
/// The memory estimate `gan train` checks against the peak resident memory of a real `gan train` child process (a few
/// steps into a temporary run folder). The peak is the kernel's own figure: <c>/usr/bin/time -f %M</c> (ru_maxrss) when
/// present, else the child's VmHWM in /proc polled every 20 ms (a high-water mark, so only the last 20 ms can be missed).
/// </summary>
public static class MemoryEstimateBench
{
    /// <summary>A run to measure: a spec, its batch (the spec's when null) and how many iterations.</summary>
    public sealed record Case(string Spec, int? Batch, int Steps);

    public static readonly Case[] Default =
    [
        new("gaussian2d", null, 20),       // the runtime alone: data and networks are a few kilobytes
        new("tf-basic", null, 20),
        new("mnist-mlp", null, 20),
        new("mnist-mlp", 2048, 3),
        new("acgan", null, 20),
        new("anime-dcgan", null, 2),
        new("anime-dcgan", 256, 2),
    ];

    public static void Run(IEnumerable<Case> cases)
    {
        var cli = Path.Combine(Path.GetDirectoryName(CompiledBench.SpecsDir())!, "Gan.Cli", "bin", "Release", "net10.0", "gan.dll");
        Console.WriteLine($"memory estimate vs measured peak RSS of `dotnet {cli} train SPEC --steps N [--batch B] --out TMP`");
        Console.WriteLine($"{"spec",-14} {"batch",6} {"steps",5} | {"estimate",10} {"measured",10} {"ratio",6} | estimate's parts");
        foreach (var c in cases)
        {
            var spec = GanSpec.Load(Path.Combine(CompiledBench.SpecsDir(), c.Spec + ".gan"));
            var e = MemoryEstimate.For(spec, c.Batch);
            var peak = PeakRss(cli, c);
            string measured = peak is long p ? Mib(p) : "failed";
            string ratio = peak is long q ? (e.TotalBytes / (double)q).ToString("F2", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"{c.Spec,-14} {e.Batch,6} {c.Steps,5} | {Mib(e.TotalBytes),10} {measured,10} {ratio,6} | "
                              + $"params {Mib(e.ParameterBytes)}, grads {Mib(e.GradientBytes)}, optimiser {Mib(e.OptimizerBytes)}, "
                              + $"activations {Mib(e.ActivationBytes)}, data {Mib(e.DataBytes)}, runtime {Mib(e.RuntimeBytes)}");
        }
    }

    static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>The child's peak resident bytes, or null when it failed (its stderr is printed).</summary>
    static long? PeakRss(string cli, Case c)
    {
        var dir = Directory.CreateTempSubdirectory("gan-bench-memory-");
        try
        {
            var args = new List<string> { cli, "train", Path.Combine(CompiledBench.SpecsDir(), c.Spec + ".gan"),
                                          "--steps", c.Steps.ToString(CultureInfo.InvariantCulture),
                                          "--out", Path.Combine(dir.FullName, "run") };
            if (c.Batch is int b) args.AddRange(["--batch", b.ToString(CultureInfo.InvariantCulture)]);
            bool timed = File.Exists("/usr/bin/time");
            var report = Path.Combine(dir.FullName, "maxrss");
            var psi = timed ? new ProcessStartInfo("/usr/bin/time", ["-f", "%M", "-o", report, "dotnet", .. args])
                            : new ProcessStartInfo("dotnet", args);
            psi.RedirectStandardOutput = psi.RedirectStandardError = true;
            psi.Environment.Remove("GANDSL_MEMORY_LIMIT");          // the machine's own memory
            using var child = Process.Start(psi)!;
            var err = child.StandardError.ReadToEndAsync();
            var outv = child.StandardOutput.ReadToEndAsync();
            long polled = 0;
            while (!child.WaitForExit(20)) polled = Math.Max(polled, VmHwm(child.Id) ?? 0);
            if (child.ExitCode != 0)
            {
                Console.WriteLine($"{c.Spec}: gan train exited {child.ExitCode}: {err.Result.Trim()}");
                return null;
            }
            _ = outv.Result;
            return timed ? long.Parse(File.ReadAllText(report).Trim(), CultureInfo.InvariantCulture) * 1024 : polled;
        }
        finally { dir.Delete(recursive: true); }
    }

    /// <summary>VmHWM (peak resident set) of a live process, in bytes; null once it has gone.</summary>
    static long? VmHwm(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: >= 2 } ? long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024 : null;
        }
        catch (IOException) { return null; }
    }
}
