using System.Runtime.InteropServices;

namespace Gan.Runtime.Native;

/// <summary>
/// glibc's allocator, set once for a training process. libtorch takes every tensor's memory and every oneDNN scratchpad from
/// malloc. By default glibc maps a block over its moving threshold (128 KiB, rising as blocks are freed) with mmap and
/// returns it at free, and trims the heap's free top above 128 KiB: the next step's allocation of the same size then faults
/// its pages in again, zero-filled. A training step allocates the same sizes every iteration, so the thresholds are set
/// where the step's memory stays mapped: blocks up to 32 MiB (glibc's largest threshold) from the heap, and a free top kept
/// up to 1 GiB. The process's resident size stays at its peak, as PyTorch's caching allocators keep theirs.
/// <c>GAN_MALLOC_TUNING=0</c> leaves glibc's defaults (for comparisons). Measured in bench/RESULTS.md (2026-12-05).
/// </summary>
internal static partial class MallocTuning
{
    const int TrimThresholdOption = -1, MmapThresholdOption = -3;
    public const int MmapThreshold = 32 << 20, TrimThreshold = 1 << 30;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int option, int value);

    /// <summary>Whether glibc took both settings; false off Linux, without glibc, or when turned off.</summary>
    public static bool Applied { get; private set; }

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("GAN_MALLOC_TUNING") == "0") return;
        try { Applied = (Mallopt(MmapThresholdOption, MmapThreshold) & Mallopt(TrimThresholdOption, TrimThreshold)) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }   // not glibc (musl): defaults
    }
}
