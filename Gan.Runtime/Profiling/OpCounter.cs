using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gan.Runtime.Native;

namespace Gan.Runtime.Profiling;

/// <summary>
/// Counts the ATen operator calls that go through libtorch's dispatcher, the way PyTorch's profiler sees them: a global
/// <c>at::RecordFunction</c> callback on the FUNCTION scope (every dispatched operator, forward and backward alike, nested
/// calls included, e.g. <c>aten::linear</c> and the <c>aten::addmm</c> it calls; only names in the <c>aten::</c> namespace,
/// so the autograd engine's records of its nodes are not counted).
/// libtorch exports <c>at::addGlobalCallback(RecordFunctionCallback)</c>; the callback object is a plain struct (two
/// function pointers, a sampling probability, a bool per scope, three bools), passed by value, as
/// <c>aten/src/ATen/record_function.h</c> declares it. One counter at a time per process; counting costs a native-to-managed
/// call per operator, so time is never measured while it runs.
/// </summary>
internal sealed unsafe class OpCounter : IDisposable
{
    const int NumScopes = 10;                  // RecordScope::NUM_SCOPES in libtorch 2.x
    const string Lib = "torch_cpu";

    [StructLayout(LayoutKind.Sequential)]
    struct RecordFunctionCallback
    {
        public delegate* unmanaged<nint, nint, nint> Start;   // std::unique_ptr<ObserverContext> (*)(const RecordFunction&)
        public delegate* unmanaged<nint, nint, void> End;
        public double SamplingProb;
        public fixed byte Scopes[NumScopes];
        public byte NeedsInputs, NeedsOutputs, NeedsIds;
    }

    [DllImport(Lib, EntryPoint = "_ZN2at17addGlobalCallbackENS_22RecordFunctionCallbackE")]
    static extern ulong AddGlobalCallback(RecordFunctionCallback cb);

    [DllImport(Lib, EntryPoint = "_ZN2at14removeCallbackEm")]
    static extern void RemoveCallback(ulong handle);

    [DllImport(Lib, EntryPoint = "_ZNK2at14RecordFunction4nameEv")]
    static extern nint Name(nint recordFunction);

    static long count;
    static ConcurrentDictionary<string, long>? byName;     // read in the callback: some names live only as long as the call
    static OpCounter? active;
    readonly ulong handle;

    /// <summary>
    /// Null where the counter cannot run: the callback ABI above (Itanium names, the hidden return pointer as the first
    /// argument) is x86-64 Linux's; on arm64 that pointer travels in a register of its own, and Windows' names differ.
    /// </summary>
    public static string? Unavailable =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? null
            : $"the operator counter runs on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier})";

    /// <summary>Starts counting; <paramref name="byOperator"/> also counts per operator name (slower).</summary>
    public OpCounter(bool byOperator = false)
    {
        if (Unavailable is { } why) throw new PlatformNotSupportedException(why);
        if (Interlocked.CompareExchange(ref active, this, null) is not null)
            throw new InvalidOperationException("an operator counter is already running");
        TorchNative.Prepare();
        _ = TorchSharp.torch.zeros(1);            // loads libtorch before the first native call below
        count = 0;
        byName = byOperator ? new() : null;
        var cb = new RecordFunctionCallback { Start = &OnStart, End = null, SamplingProb = 1.0 };
        cb.Scopes[0] = 1;                        // RecordScope::FUNCTION only
        handle = AddGlobalCallback(cb);
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
        var name = (byte*)Name(recordFunction);
        // ATen operators only: the autograd engine's own records ("autograd::engine::evaluate_function: ...") are not ops.
        if (name == null || !MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).StartsWith("aten::"u8)) return ret;
        Interlocked.Increment(ref count);
        if (byName is { } d) d.AddOrUpdate(Marshal.PtrToStringUTF8((nint)name) ?? "?", 1, (_, v) => v + 1);
        return ret;
    }

    public void Dispose()
    {
        if (active != this) return;
        RemoveCallback(handle);
        Interlocked.Exchange(ref active, null);
    }
}
