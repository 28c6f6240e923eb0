using System.Diagnostics;
using System.Globalization;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Training;

/// <summary>
/// How much memory a run may use: the machine's (Linux: MemAvailable, plus what this process already holds, which the
/// estimate counts as the runtime), the GPU's free memory for cuda (from nvidia-smi: TorchSharp 0.107 has no memory
/// query), or <c>GANDSL_MEMORY_LIMIT</c> in place of both (tests, and runs that must stay under a budget).
/// </summary>
internal static class AvailableMemory
{
    public const string LimitVariable = "GANDSL_MEMORY_LIMIT";

    /// <summary>Bytes available and where the figure comes from.</summary>
    public sealed record Figure(double Bytes, string Source);

    /// <summary>The memory this process may grow into on the host.</summary>
    public static Figure Host()
    {
        if (Limit() is { } limit) return limit;
        try
        {
            if (MemAvailable(File.ReadAllText("/proc/meminfo")) is double free)
                return new Figure(free + Environment.WorkingSet, "MemAvailable in /proc/meminfo");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return new Figure(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, "the .NET runtime's view of the machine's memory");
    }

    /// <summary>The first GPU's free memory, or null when nvidia-smi is missing or fails (the GPU is then not checked).</summary>
    public static Figure? Gpu()
    {
        if (Limit() is { } limit) return limit;
        try
        {
            var info = new ProcessStartInfo("nvidia-smi", "--query-gpu=memory.free --format=csv,noheader,nounits -i 0")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(info);
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0) return null;
            return NvidiaSmiFree(output) is double free ? new Figure(free, "nvidia-smi's free memory of GPU 0") : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }   // no nvidia-smi on the PATH
    }

    /// <summary><c>GANDSL_MEMORY_LIMIT</c> when set: bytes, or a number with K, M, G or T (binary units).</summary>
    static Figure? Limit()
    {
        var text = Environment.GetEnvironmentVariable(LimitVariable);
        return string.IsNullOrWhiteSpace(text) ? null : new Figure(ParseLimit(text), $"{LimitVariable}={text}");
    }

    /// <summary>Bytes from "1073741824", "512M", "1.5G" (binary units; an optional trailing B or iB).</summary>
    public static double ParseLimit(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal)) t = t[..^2];
        else if (t.EndsWith('B')) t = t[..^1];
        int power = t.Length == 0 ? -1 : "KMGT".IndexOf(t[^1]) + 1;
        if (power > 0) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !(value > 0) || double.IsInfinity(value))
            throw new UserInputException($"{LimitVariable}={text}: expected a positive size in bytes, or with K, M, G or T "
                                         + "(binary units), e.g. 512M or 2G; unset it to use the machine's available memory.");
        return value * Math.Pow(1024, Math.Max(power, 0));
    }

    /// <summary>MemAvailable from the text of /proc/meminfo, in bytes (the file gives kB).</summary>
    public static double? MemAvailable(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var kb) ? kb * 1024.0 : null;
        }
        return null;
    }

    /// <summary>The free memory nvidia-smi prints with <c>--format=csv,noheader,nounits</c> (MiB), in bytes.</summary>
    public static double? NvidiaSmiFree(string output) =>
        long.TryParse(output.Split('\n')[0].Trim(), CultureInfo.InvariantCulture, out var mib) ? mib * 1048576.0 : null;
}
