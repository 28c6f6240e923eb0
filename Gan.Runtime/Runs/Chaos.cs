using System.Diagnostics;

namespace Gan.Runtime.Runs;

/// <summary>
/// Fault injection for the chaos test. With <c>GANDSL_CHAOS_KILL=POINT:N</c> the process kills itself (SIGKILL, as
/// <c>kill -9</c> does: no finally block runs) the N-th time it reaches POINT, in the middle of a write: a checkpoint's
/// or a picture's temporary file written but not renamed (<c>checkpoint</c>, <c>sample</c>, <c>plot</c>, <c>report</c>,
/// <c>file</c>), half a log row appended (<c>log</c>). Unset, every point is a no-op.
/// </summary>
internal static class Chaos
{
    static readonly (string Point, int N)? Target = Parse(Environment.GetEnvironmentVariable("GANDSL_CHAOS_KILL"));
    static int hits;

    public static bool Armed => Target is not null;

    static (string, int)? Parse(string? value) =>
        value?.Split(':') is [var point, var n] && int.TryParse(n, out var count) && count > 0 ? (point, count) : null;

    public static void Point(string point)
    {
        if (Target is not var (p, n) || p != point || Interlocked.Increment(ref hits) != n) return;
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>The point of a file written through <see cref="AtomicFile"/>, from where it lies in a run folder.</summary>
    public static string PointOf(string path) =>
        path.Contains("/checkpoints/") ? "checkpoint" : path.Contains("/samples/") ? "sample" : path.Contains("/plots/") ? "plot"
        : Path.GetFileName(path) == "report.html" ? "report" : "file";
}
