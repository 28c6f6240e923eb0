using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gan.Runtime.Profiling;

/// <summary>
/// Wall time per operator, as PyTorch's profiler gives it (<c>key_averages()</c>, self time): every dispatched ATen operator
/// and every autograd node, timed from its start to its end on the thread that runs it, less the records nested in it. On
/// the thread that started the profiler, the time outside every record (the .NET side, the one-pass optimiser, waiting) is
/// kept too: the self times and that time add up to the profiled wall time. On CUDA the times are the host's (launching a
/// kernel returns before it runs). One profiler at a time per process; its callbacks cost time, so nothing else is timed
/// while it runs.
/// </summary>
internal sealed unsafe class OpProfiler : IDisposable
{
    /// <summary>One name's totals, in <see cref="Stopwatch"/> ticks.</summary>
    public readonly record struct Totals(long Calls, long SelfTicks, long TotalTicks);

    /// <summary>An open record on a thread: its name, when it started, and the time of the records nested in it so far.</summary>
    struct Open
    {
        public long Start, Nested;
        public string Name;
    }

    /// <summary>How many enclosing records name a record's path (its caller, the caller's caller, ...).</summary>
    public const int PathDepth = 3;

    /// <summary>A record's name and those of up to <see cref="PathDepth"/> enclosing records, innermost first (null where
    /// there are fewer): the callbacks key their totals by references, and the names are joined only in a snapshot.</summary>
    readonly record struct PathKey(string Name, string? Caller, string? Caller2, string? Caller3)
    {
        public string Via => string.Join(" < ", new[] { Caller, Caller2, Caller3 }.OfType<string>());
    }

    [ThreadStatic] static List<Open>? open;
    static readonly object gate = new();
    static OpProfiler? active;
    static int owner;                           // the managed thread id that started the profiler
    static long outerTicks;                     // the owner's records at depth 0, end to end
    static readonly Dictionary<PathKey, Totals> byPath = [];     // a name's totals are its paths' sum
    readonly ulong handle;
    readonly long started;

    /// <summary>Null where the profiler can run (<see cref="RecordFunctions.Unavailable"/>).</summary>
    public static string? Unavailable => RecordFunctions.Unavailable is null ? null
        : $"the operator profiler runs on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier})";

    /// <summary>Starts profiling the operators of every thread; the calling thread's time outside them is kept too.</summary>
    public OpProfiler()
    {
        if (Unavailable is { } why) throw new PlatformNotSupportedException(why);
        if (Interlocked.CompareExchange(ref active, this, null) is not null)
            throw new InvalidOperationException("an operator profiler is already running");
        lock (gate)
        {
            byPath.Clear();
            outerTicks = 0;
            owner = Environment.CurrentManagedThreadId;
        }
        open = [];
        handle = RecordFunctions.Add(&OnStart, &OnEnd, RecordFunctions.FunctionScope, RecordFunctions.BackwardFunctionScope);
        started = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// What the profiler has seen so far: the seconds since it started, the part of them the starting thread spent outside
    /// every record, each record name's calls, self time and total time, and the same split by the path the record ran
    /// under: the names of up to <see cref="PathDepth"/> enclosing records, innermost first, joined by " &lt; " (empty at the
    /// top level).
    /// </summary>
    public (double Seconds, double OutsideSeconds, IReadOnlyDictionary<string, Totals> ByName,
            IReadOnlyDictionary<(string Name, string Via), Totals> ByPath) Snapshot()
    {
        lock (gate)
        {
            long elapsed = Stopwatch.GetTimestamp() - started;
            var byName = byPath.GroupBy(kv => kv.Key.Name).ToDictionary(g => g.Key, g => g.Aggregate(default(Totals), (t, kv) =>
                new Totals(t.Calls + kv.Value.Calls, t.SelfTicks + kv.Value.SelfTicks, t.TotalTicks + kv.Value.TotalTicks)));
            return (elapsed / (double)Stopwatch.Frequency, (elapsed - outerTicks) / (double)Stopwatch.Frequency, byName,
                    byPath.ToDictionary(kv => (kv.Key.Name, kv.Key.Via), kv => kv.Value));
        }
    }

    [UnmanagedCallersOnly]
    static nint OnStart(nint ret, nint recordFunction)
    {
        *(nint*)ret = 0;                         // no observer context
        var name = Marshal.PtrToStringUTF8(RecordFunctions.Name(recordFunction)) ?? "?";     // valid only during the call
        (open ??= []).Add(new Open { Name = name, Start = Stopwatch.GetTimestamp() });
        return ret;
    }

    [UnmanagedCallersOnly]
    static void OnEnd(nint recordFunction, nint context)
    {
        long now = Stopwatch.GetTimestamp();
        // A record that started before the profiler did has no entry on this thread: it is not timed.
        if (open is not { Count: > 0 } stack) return;
        var record = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        long total = now - record.Start;
        if (stack.Count > 0)
        {
            var parent = stack[^1];
            parent.Nested += total;
            stack[^1] = parent;
        }
        string? Enclosing(int i) => i <= stack.Count ? stack[^i].Name : null;
        var key = new PathKey(record.Name, Enclosing(1), Enclosing(2), Enclosing(3));
        lock (gate)
        {
            if (stack.Count == 0 && Environment.CurrentManagedThreadId == owner) outerTicks += total;
            var t = byPath.GetValueOrDefault(key);
            byPath[key] = new Totals(t.Calls + 1, t.SelfTicks + total - record.Nested, t.TotalTicks + total);
        }
    }

    public void Dispose()
    {
        if (active != this) return;
        RecordFunctions.Remove(handle);
        open = null;
        Interlocked.Exchange(ref active, null);
    }
}
