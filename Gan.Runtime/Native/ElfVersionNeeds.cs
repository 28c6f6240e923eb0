// The one place that reads and edits an ELF file's version needs (.gnu.version_r). It is compiled twice: into Gan.Runtime
// (which defines GAN_RUNTIME), where TorchNative patches a cached copy of libLibTorchSharp.so at first use, and by
// build/TorchSharpGlibcxx.targets (RoslynCodeTaskFactory, against netstandard), where the task at the end of this file
// patches the repository's own build output. So: no Span, no BinaryPrimitives, no implicit usings.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Gan.Runtime.Native
{
    /// <summary>
    /// A little-endian ELF64 file's version needs: which <c>Elf64_Vernaux</c> entries name a version (e.g. GLIBCXX_3.4.32),
    /// whether they are weak, and the edit that makes them weak (sets <c>VER_FLG_WEAK</c> in <c>vna_flags</c>), after which
    /// the dynamic loader accepts a library that lacks that version. Malformed input gives an <see cref="InvalidDataException"/>.
    /// </summary>
    internal static class ElfVersionNeeds
    {
        public enum State { Absent, Required, Weak }

        const uint ShtDynamic = 6;
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;
        const long DtNeeded = 1;

        /// <summary>The offsets of the <c>vna_flags</c> field of every version need naming <paramref name="version"/>.</summary>
        public static IReadOnlyList<int> FlagOffsets(byte[] elf, string version)
        {
            var found = new List<int>();
            foreach (var (offset, size, link, info) in Sections(elf, ShtGnuVerneed))
            {
                long strtab = StringTable(elf, link);
                long vn = offset;
                for (int n = 0; n < info; n++)
                {
                    Need(elf, vn, 16);
                    int cnt = U16(elf, vn + 2);
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        Need(elf, aux, 16);
                        if (CString(elf, strtab + U32(elf, aux + 8)) == version) found.Add((int)(aux + 4));
                        long next = U32(elf, aux + 12);
                        if (next == 0) break;
                        aux += next;
                    }
                    long nextNeed = U32(elf, vn + 12);
                    if (nextNeed == 0) break;
                    vn += nextNeed;
                }
            }
            return found;
        }

        /// <summary>Absent when no entry names the version, Weak when every one that does is weak, else Required.</summary>
        public static State StateOf(byte[] elf, string version)
        {
            var offsets = FlagOffsets(elf, version);
            if (offsets.Count == 0) return State.Absent;
            foreach (int at in offsets)
                if ((U16(elf, at) & VerFlgWeak) == 0) return State.Required;
            return State.Weak;
        }

        /// <summary>Marks every need of <paramref name="version"/> weak, in place; false when nothing had to change.</summary>
        public static bool Weaken(byte[] elf, string version)
        {
            bool changed = false;
            foreach (int at in FlagOffsets(elf, version))
            {
                int flags = U16(elf, at);
                if ((flags & VerFlgWeak) != 0) continue;
                flags |= VerFlgWeak;
                elf[at] = (byte)(flags & 0xff);
                elf[at + 1] = (byte)(flags >> 8);
                changed = true;
            }
            return changed;
        }

        /// <summary>The DT_NEEDED names of the dynamic section (the libraries the loader must find first).</summary>
        public static IReadOnlyList<string> Needed(byte[] elf)
        {
            var names = new List<string>();
            foreach (var (offset, size, link, _) in Sections(elf, ShtDynamic))
            {
                long strtab = StringTable(elf, link);
                for (long at = offset; at + 16 <= offset + size; at += 16)
                {
                    Need(elf, at, 16);
                    long tag = BitConverter.ToInt64(elf, (int)at);
                    if (tag == 0) break;
                    if (tag == DtNeeded) names.Add(CString(elf, strtab + BitConverter.ToInt64(elf, (int)at + 8)));
                }
            }
            return names;
        }

        /// <summary>
        /// Whether a shared library (e.g. libstdc++.so.6) names <paramref name="version"/> as a NUL-terminated string, as the
        /// version definitions of the library that provides it do.
        /// </summary>
        public static bool MentionsVersion(byte[] library, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= library.Length; i++)
            {
                if (library[i] != needle[0]) continue;
                int j = 1;
                while (j < needle.Length && library[i + j] == needle[j]) j++;
                if (j == needle.Length && (i == 0 || library[i - 1] == 0)) return true;
            }
            return false;
        }

        static IEnumerable<(long Offset, long Size, int Link, int Info)> Sections(byte[] elf, uint type)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1 || !BitConverter.IsLittleEndian)
                throw new InvalidDataException("not a little-endian ELF64 file");
            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            if (shentsize < 64) throw new InvalidDataException("section header entries are too small");
            var found = new List<(long, long, int, int)>();
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                Need(elf, sh, 64);
                if (U32(elf, sh + 4) != type) continue;
                long offset = BitConverter.ToInt64(elf, (int)sh + 0x18), size = BitConverter.ToInt64(elf, (int)sh + 0x20);
                Need(elf, offset, size);
                found.Add((offset, size, (int)U32(elf, sh + 0x28), (int)U32(elf, sh + 0x2C)));
            }
            return found;
        }

        static long StringTable(byte[] elf, int section)
        {
            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            if (section <= 0 || section >= shnum) throw new InvalidDataException("a section links to no string table");
            long sh = shoff + (long)section * shentsize;
            Need(elf, sh, 64);
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            Need(elf, offset, BitConverter.ToInt64(elf, (int)sh + 0x20));
            return offset;
        }

        static void Need(byte[] elf, long at, long count)
        {
            if (at < 0 || count < 0 || at > elf.Length || count > elf.Length - at)
                throw new InvalidDataException($"a structure at offset {at} runs past the end of the file ({elf.Length} bytes)");
        }

        static int U16(byte[] elf, long at) { Need(elf, at, 2); return BitConverter.ToUInt16(elf, (int)at); }

        static long U32(byte[] elf, long at) { Need(elf, at, 4); return BitConverter.ToUInt32(elf, (int)at); }

        static string CString(byte[] elf, long at)
        {
            Need(elf, at, 1);
            long end = at;
            while (end < elf.Length && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, (int)at, (int)(end - at));
        }
    }

#if !GAN_RUNTIME
    /// <summary>
    /// The build-time use (build/TorchSharpGlibcxx.targets): when the system libstdc++ lacks <see cref="Version"/>, marks that
    /// need weak in every libLibTorchSharp.so under <see cref="Directory"/> (the build output, never the NuGet cache), through a
    /// temporary file renamed over the copy (which also breaks any hard link).
    /// </summary>
    public sealed class WeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public string Directory { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";

        public override bool Execute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
                return true;
            if (!System.IO.Directory.Exists(Directory) || SystemLibrary.HasVersion(Version)) return true;
            foreach (var path in System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                try
                {
                    var bytes = File.ReadAllBytes(path);
                    if (!ElfVersionNeeds.Weaken(bytes, Version)) continue;
                    var tmp = path + ".gandsl-tmp";
                    File.WriteAllBytes(tmp, bytes);
                    File.Replace(tmp, path, null); // rename(2) over the output copy
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "Marked {0} weak in {1}", Version, path);
                }
                catch (Exception e) { Log.LogError("Could not patch {0}: {1}", path, e.Message); return false; }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif

    /// <summary>The system's libstdc++: whether it provides a version (e.g. GLIBCXX_3.4.32).</summary>
    internal static class SystemLibrary
    {
        static readonly string[] LibStdCxx =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };

        /// <summary>False when no libstdc++ is where expected: patching is harmless, so callers patch.</summary>
        public static bool HasVersion(string version)
        {
            foreach (var path in LibStdCxx)
                if (File.Exists(path)) return ElfVersionNeeds.MentionsVersion(File.ReadAllBytes(path), version);
            return false;
        }
    }
}
