using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Gan.Runtime.Errors;
using Gan.Runtime.Runs;
using TorchSharp;

namespace Gan.Runtime.Native;

/// <summary>
/// Makes TorchSharp's native library loadable before its first native call. TorchSharp 0.107's libLibTorchSharp.so was linked
/// against GCC 13's libstdc++ and records a need for GLIBCXX_3.4.32, whose only symbol (std::ios_base_library_init) is a
/// link-time marker that is never called; older systems (Debian 12: up to GLIBCXX_3.4.30) refuse the library. When, and
/// only when, the system libstdc++ lacks that version and the shipped library still requires it, a copy with the need marked
/// weak is written once to <c>~/.cache/gandsl/native/&lt;sha-256 of the original&gt;/</c> (<c>$GANDSL_NATIVE_CACHE</c> instead
/// of <c>~/.cache/gandsl/native</c> when set; temporary file, then rename), its libtorch dependencies are loaded from beside
/// the original, then the copy: TorchSharp's own load by name finds it (same soname), and a DllImport resolver hands it to
/// every P/Invoke. The shipped file is never changed. Called by the public entry points that use libtorch; never by
/// <c>gan check</c>, <c>shapes</c>, <c>fmt</c> or <c>emit</c> without <c>--probe</c>.
/// </summary>
internal static class TorchNative
{
    public const string Glibcxx = "GLIBCXX_3.4.32";
    public const string LibraryFile = "libLibTorchSharp.so";
    static readonly object Gate = new();
    static bool done;

    /// <summary>Once per process, before TorchSharp's first native call; a no-op off Linux or where nothing needs patching.</summary>
    public static void Prepare()
    {
        lock (Gate)
        {
            if (done) return;
            MallocTuning.Apply();
            if (OperatingSystem.IsLinux() && !SystemLibrary.HasVersion(Glibcxx) && FindShipped() is { } shipped)
            {
                var bytes = File.ReadAllBytes(shipped);
                if (StateOf(shipped, bytes) == ElfVersionNeeds.State.Required)
                    Load(shipped, bytes, PatchedCopy(bytes, CacheRoot()));
            }
            done = true;
        }
    }

    static ElfVersionNeeds.State StateOf(string shipped, byte[] bytes)
    {
        try { return ElfVersionNeeds.StateOf(bytes, Glibcxx); }
        catch (InvalidDataException e)
        {
            throw new UserInputException($"TorchSharp's native library {shipped} is damaged ({e.Message}); reinstall GanDsl.", e);
        }
    }

    /// <summary>The folder the patched copies go under: <c>$GANDSL_NATIVE_CACHE</c>, else <c>~/.cache/gandsl/native</c>.</summary>
    public static string CacheRoot()
    {
        var env = Environment.GetEnvironmentVariable("GANDSL_NATIVE_CACHE");
        if (!string.IsNullOrEmpty(env)) return env;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, ".cache", "gandsl", "native");
    }

    /// <summary>
    /// The weak-need copy of <paramref name="original"/> under <paramref name="root"/>, in a folder named after the original's
    /// SHA-256: written when missing or not exactly the patched bytes (a damaged cache heals), else left alone.
    /// </summary>
    public static string PatchedCopy(byte[] original, string root)
    {
        var patched = (byte[])original.Clone();
        ElfVersionNeeds.Weaken(patched, Glibcxx);
        var dir = Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(original))[..16]);
        var path = Path.Combine(dir, LibraryFile);
        try
        {
            if (File.Exists(path) && new FileInfo(path).Length == patched.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(patched))
                return path;
            Directory.CreateDirectory(dir);
            AtomicFile.Write(path, tmp => File.WriteAllBytes(tmp, patched));
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(
                $"TorchSharp's {LibraryFile} needs {Glibcxx}, which this system's libstdc++ lacks, and GanDsl could not write the "
                + $"copy that makes it loadable to {path}: {e.Message}. Make {root} writable or set GANDSL_NATIVE_CACHE to a "
                + "writable folder.", e);
        }
    }

    /// <summary>The library TorchSharp would load: in the host's native search folders first, as the runtime searches.</summary>
    static string? FindShipped()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string search)
            dirs.AddRange(search.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchDir))
            dirs.AddRange([torchDir, Path.Combine(torchDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"),
                           Path.Combine(torchDir, "runtimes", "linux-x64", "native")]);
        return dirs.Select(d => Path.Combine(d, LibraryFile)).FirstOrDefault(File.Exists);
    }

    static void Load(string shipped, byte[] bytes, string copy)
    {
        var dir = Path.GetDirectoryName(shipped)!;
        try
        {
            // The copy's own folder holds nothing else: its libtorch dependencies come from beside the original, loaded
            // first by path, so that the loader matches the copy's DT_NEEDED entries to them by soname.
            foreach (var needed in ElfVersionNeeds.Needed(bytes))
                if (File.Exists(Path.Combine(dir, needed))) NativeLibrary.Load(Path.Combine(dir, needed));
            var handle = NativeLibrary.Load(copy);
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                    (name, _, _) => name == "LibTorchSharp" ? handle : IntPtr.Zero);
            }
            catch (InvalidOperationException)
            {
                // The host program set its own resolver for TorchSharp: loads by name still find the copy by its soname.
            }
        }
        catch (DllNotFoundException e)
        {
            throw new UserInputException(
                $"TorchSharp's native library could not be loaded from {copy} (a copy of {shipped} with its {Glibcxx} need "
                + $"marked weak): {e.Message}. Check that libtorch's files are complete in {dir}.", e);
        }
    }
}
