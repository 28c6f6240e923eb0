using System.Runtime.InteropServices;

namespace Gan.Runtime.Profiling;

/// <summary>
/// libtorch's global <c>at::RecordFunction</c> callbacks, which PyTorch's profiler uses: every operator that goes through the
/// dispatcher, and every autograd node the engine runs, calls them at its start and its end, on the thread that runs it.
/// libtorch exports <c>at::addGlobalCallback(RecordFunctionCallback)</c>; the callback object is a plain struct (two function
/// pointers, a sampling probability, a bool per scope, three bools), passed by value, as <c>aten/src/ATen/record_function.h</c>
/// declares it. The start callback returns a <c>std::unique_ptr&lt;ObserverContext&gt;</c> through a hidden return slot, its
/// first argument; the end callback gets the record and that context. The Itanium names and that return convention are
/// x86-64 Linux's (<see cref="Unavailable"/>).
/// </summary>
internal static unsafe class RecordFunctions
{
    const int NumScopes = 10;                  // RecordScope::NUM_SCOPES in libtorch 2.x
    const string Lib = "torch_cpu";

    /// <summary><c>RecordScope::FUNCTION</c>: dispatched operators (and the engine's evaluate_function records).</summary>
    public const int FunctionScope = 0;

    /// <summary><c>RecordScope::BACKWARD_FUNCTION</c>: autograd nodes' own records (e.g. <c>AddmmBackward0</c>).</summary>
    public const int BackwardFunctionScope = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct Callback
    {
        public delegate* unmanaged<nint, nint, nint> Start;   // std::unique_ptr<ObserverContext> (*)(const RecordFunction&)
        public delegate* unmanaged<nint, nint, void> End;     // void (*)(const RecordFunction&, ObserverContext*)
        public double SamplingProb;
        public fixed byte Scopes[NumScopes];
        public byte NeedsInputs, NeedsOutputs, NeedsIds;
    }

    [DllImport(Lib, EntryPoint = "_ZN2at17addGlobalCallbackENS_22RecordFunctionCallbackE")]
    static extern ulong AddGlobalCallback(Callback cb);

    [DllImport(Lib, EntryPoint = "_ZN2at14removeCallbackEm")]
    public static extern void Remove(ulong handle);

    /// <summary>The record's name (<c>aten::mm</c>, <c>AddmmBackward0</c>, ...): valid only during the callback.</summary>
    [DllImport(Lib, EntryPoint = "_ZNK2at14RecordFunction4nameEv")]
    public static extern nint Name(nint recordFunction);

    /// <summary>
    /// Null where the callbacks can be registered: the ABI above (Itanium names, the hidden return pointer as the first
    /// argument) is x86-64 Linux's; on arm64 that pointer travels in a register of its own, and Windows' names differ.
    /// </summary>
    public static string? Unavailable =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? null
            : $"libtorch's operator callbacks are reached on linux-x64 only (this is {RuntimeInformation.RuntimeIdentifier})";

    /// <summary>Registers <paramref name="start"/> (and <paramref name="end"/>, if any) for the given scopes; returns the
    /// handle for <see cref="Remove"/>. Loads libtorch first.</summary>
    public static ulong Add(delegate* unmanaged<nint, nint, nint> start, delegate* unmanaged<nint, nint, void> end,
                            params int[] scopes)
    {
        if (Unavailable is { } why) throw new PlatformNotSupportedException(why);
        Native.TorchNative.Prepare();
        _ = TorchSharp.torch.zeros(1);            // loads libtorch before the first native call below
        var cb = new Callback { Start = start, End = end, SamplingProb = 1.0 };
        foreach (var s in scopes) cb.Scopes[s] = 1;
        return AddGlobalCallback(cb);
    }
}
