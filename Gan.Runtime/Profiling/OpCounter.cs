using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Gan.Runtime.Profiling;

/// <summary>
/// Counts the ATen operator calls that go through libtorch's dispatcher, the way PyTorch's profiler sees them: a global
/// <see cref="RecordFunctions"/> callback on the FUNCTION scope (every dispatched operator, forward and backward alike, nested
/// calls included, e.g. <c>aten::linear</c> and the <c>aten::addmm</c> it calls; only names in the <c>aten::</c> namespace,
/// so the autograd engine's records of its nodes are not counted). One counter at a time per process; counting costs a
/// native-to-managed call per operator, so time is never measured while it runs.
/// </summary>
internal sealed unsafe class OpCounter : IDisposable
{
    static long count;
    static ConcurrentDictionary<string, long>? byName;     // read in the callback: some names live only as long as the call
    static OpCounter? active;
    readonly ulong handle;

    /// <summary>Null where the counter can run (<see cref="RecordFunctions.Unavailable"/>).</summary>
    public static string? Unavailable =>
        RecordFunctions.Unavailable is null ? null
            : $"the operator counter runs on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier})";

    /// <summary>Starts counting; <paramref name="byOperator"/> also counts per operator name (slower).</summary>
    public OpCounter(bool byOperator = false)
    {
        if (Unavailable is { } why) throw new PlatformNotSupportedException(why);
        if (Interlocked.CompareExchange(ref active, this, null) is not null)
            throw new InvalidOperationException("an operator counter is already running");
        count = 0;
        byName = byOperator ? new() : null;
        handle = RecordFunctions.Add(&OnStart, null, RecordFunctions.FunctionScope);
    }

    /// <summary>Operator calls since the counter started (or since <see cref="Reset"/>).</summary>
    public long Count => Interlocked.Read(ref count);

    public void Reset()
    {
        Interlocked.Exchange(ref count, 0);
        byName?.Clear();
    }

    /// <summary>Calls per operator name (empty unless counting by operator).</summary>
    public IReadOnlyDictionary<string, long> ByOperator() =>
        byName is null ? new Dictionary<string, long>() : byName.ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>The start callback: counts, and returns an empty <c>unique_ptr</c> through the hidden return slot.</summary>
    [UnmanagedCallersOnly]
    static nint OnStart(nint ret, nint recordFunction)
    {
        *(nint*)ret = 0;
        var name = (byte*)RecordFunctions.Name(recordFunction);
        // ATen operators only: the autograd engine's own records ("autograd::engine::evaluate_function: ...") are not ops.
        if (name == null || !MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).StartsWith("aten::"u8)) return ret;
        Interlocked.Increment(ref count);
        if (byName is { } d) d.AddOrUpdate(Marshal.PtrToStringUTF8((nint)name) ?? "?", 1, (_, v) => v + 1);
        return ret;
    }

    public void Dispose()
    {
        if (active != this) return;
        RecordFunctions.Remove(handle);
        Interlocked.Exchange(ref active, null);
    }
}
