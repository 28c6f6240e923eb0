using System.Text;
using Gan.Runtime.Errors;
using static TorchSharp.torch;

namespace Gan.Runtime.Runs;

/// <summary>A tensor a state file must hold: its name, dtype, shape and element size, as the live module or optimiser has it.</summary>
internal sealed record ExpectedTensor(string Name, ScalarType Type, long[] Shape, long ElementSize)
{
    /// <summary>The data bytes that follow the tensor's header (the shape comes from a live tensor, so no overflow).</summary>
    public long Bytes => Shape.Aggregate(1L, (a, d) => a * d) * ElementSize;

    public static ExpectedTensor Of(string name, Tensor t) => new(name, t.dtype, t.shape, t.ElementSize);

    public override string ToString() => $"{Type} [{string.Join(", ", Shape)}]";
}

/// <summary>
/// Checks the structure of a TorchSharp 0.107 state file before TorchSharp's own loader reads it. That loader takes counts,
/// name lengths, ranks and shapes from the file and allocates from them (an optimiser's optional state tensor is even
/// created with the file's shape), so a damaged or hostile file could ask for terabytes or end the process. This reader
/// walks the same layout with a cursor that checks every length against the bytes left in the file and every entry against
/// what the module or optimiser holds, and skips tensor data without reading it; the file is read once, in small pieces.
/// <para>Layout (little-endian; <c>leb</c>: TorchSharp's unsigned LEB128; <c>str</c>: BinaryWriter's 7-bit length, UTF-8):</para>
/// <list type="bullet">
/// <item>module (<c>Module.save</c>): leb count, then count × (str name, tensor)</item>
/// <item>tensor (<c>Tensor.Save</c>): leb dtype, leb rank, rank × leb dim, then numel × element-size bytes</item>
/// <item>optimiser (<c>save_state_dict</c>): str type name, leb groups, leb states, groups × options, states × state</item>
/// <item>options: f64 initial lr, f64 lr, then Adam 4 f64 + 2 bool, RMSProp bool + 4 f64 + bool, SGD 3 f64 + 2 bool</item>
/// <item>state: Adam i64 step, tensor, tensor, optional tensor; RMSProp i64 step, tensor, 2 optional tensors;
/// SGD one optional tensor (optional: a bool, then a tensor when it is true); each shaped like its parameter</item>
/// </list>
/// </summary>
internal static class StateDictFile
{
    /// <summary>Names in our modules are short paths such as <c>layers.3.weight</c>; a longer one is damage.</summary>
    const int MaxNameBytes = 4096;

    /// <summary>What follows each optimiser kind's two learning rates (d: f64, b: bool) and what one parameter's state is
    /// (l: i64 step, T: tensor, t: optional tensor), in TorchSharp 0.107's write order.</summary>
    static readonly Dictionary<string, (string Options, string State)> OptimizerLayouts = new()
    {
        ["Adam"] = ("ddddbb", "lTTt"),
        ["RMSProp"] = ("bddddb", "lTtt"),
        ["SGD"] = ("dddbb", "t"),
    };

    /// <summary>What a refused checkpoint file's message says about its origin, and how to repair it.</summary>
    const string CheckpointOrigin = "the checkpoint is damaged or belongs to another spec.",
                 CheckpointFix = "Use the run's own spec.gan, delete this checkpoint folder to fall back to an earlier one "
                                 + "(or use --step), or start the run again.";

    /// <summary>Checks a module's weights file (<c>Module.save</c>) against the module's state dict.</summary>
    /// <param name="owner">how messages name the module, e.g. "network G".</param>
    /// <param name="origin">what a mismatch means for this file (default: a checkpoint's words).</param>
    /// <param name="fix">how to repair a bad file (default: a checkpoint's words).</param>
    public static void CheckModule(string path, string owner, IReadOnlyList<ExpectedTensor> expected,
                                   string origin = CheckpointOrigin, string fix = CheckpointFix)
    {
        using var c = Cursor.Open(path, origin, fix);
        ulong count = c.Leb("the entry count");
        if (count != (ulong)expected.Count)
            throw c.Mismatch($"it holds {count} entries, but {owner} has {expected.Count}");
        var byName = expected.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            var name = c.Name($"entry {i}'s name");
            if (!byName.TryGetValue(name, out var e))
                throw c.Mismatch($"entry {i} is '{Shorten(name)}', which {owner} does not have");
            if (!seen.Add(name)) throw c.Damaged($"'{name}' occurs twice");
            c.Tensor(e, $"'{name}'", owner);
        }
        c.End();
    }

    /// <summary>Checks an optimiser's state file (<c>save_state_dict</c>) against the optimiser's kind, groups and parameters.</summary>
    public static void CheckOptimizer(string path, string owner, string kind, int groups, IReadOnlyList<ExpectedTensor> parameters)
    {
        if (!OptimizerLayouts.TryGetValue(kind, out var layout))
            throw new NotSupportedException($"no state-file layout for the optimiser type {kind}");
        using var c = Cursor.Open(path, CheckpointOrigin, CheckpointFix);
        var saved = c.Name("the optimiser type");
        if (saved != kind) throw c.Mismatch($"it holds the state of a {Shorten(saved)} optimiser, but {owner} is {kind}");
        ulong g = c.Leb("the group count"), s = c.Leb("the state count");
        if (g != (ulong)groups || s != (ulong)parameters.Count)
            throw c.Mismatch($"it holds {g} parameter groups and {s} states, but {owner} has {groups} and {parameters.Count}");
        for (int i = 0; i < groups; i++)
            foreach (var f in "dd" + layout.Options) c.Field(f, $"group {i}'s options");
        for (int i = 0; i < parameters.Count; i++)
            foreach (var f in layout.State)
            {
                var what = $"parameter {i}'s state";
                if (f == 'T' || (f == 't' && c.Bool(what))) c.Tensor(parameters[i], what, owner);
                else if (f != 't') c.Field(f, what);
            }
        c.End();
    }

    /// <summary>A name read from the file, fit for a message: at most 80 characters, control characters (a terminal's escape
    /// sequences) shown as '?'.</summary>
    static string Shorten(string s) =>
        new string([.. (s.Length <= 80 ? s : s[..80]).Select(ch => char.IsControl(ch) ? '?' : ch)]) + (s.Length > 80 ? "…" : "");

    /// <summary>A forward-only reader over a state file that never reads past its end nor allocates from a length it read.</summary>
    sealed class Cursor(string path, FileStream s, string origin, string fix) : IDisposable
    {
        public static Cursor Open(string path, string origin, string fix)
        {
            if (!File.Exists(path)) throw new UserInputException($"{path}: missing. {fix}");
            return new Cursor(path, new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096), origin, fix);
        }

        long Left => s.Length - s.Position;

        public UserInputException Damaged(string what) => new(
            $"{path}: {what} (at byte {s.Position} of {s.Length}); the file is damaged or was not written by GanDsl. {fix}");

        public UserInputException Mismatch(string what) => new($"{path}: {what}; {origin} {fix}");

        void Need(long n, string what)
        {
            if (n > Left) throw Damaged($"{what} needs {n} bytes, but the file ends {Left} bytes later");
        }

        public int Byte(string what)
        {
            Need(1, what);
            return s.ReadByte();
        }

        /// <summary>TorchSharp's LEB128; at most 10 bytes (a long), so a run of continuation bytes cannot loop.</summary>
        public ulong Leb(string what)
        {
            ulong v = 0;
            for (int i = 0; i < 10; i++)
            {
                int b = Byte(what);
                v |= (ulong)(b & 0x7f) << (7 * i);
                if ((b & 0x80) == 0) return v;
            }
            throw Damaged($"{what} is not a valid length");
        }

        /// <summary>BinaryWriter's string: a 7-bit encoded length (at most 5 bytes), then UTF-8, checked before it is read.</summary>
        public string Name(string what)
        {
            uint n = 0;
            for (int i = 0; ; i++)
            {
                if (i == 5) throw Damaged($"{what} has an invalid length");
                int b = Byte(what);
                n |= (uint)(b & 0x7f) << (7 * i);
                if ((b & 0x80) == 0) break;
            }
            if (n > MaxNameBytes) throw Damaged($"{what} claims {n} bytes (names are at most {MaxNameBytes})");
            Need(n, what);
            var bytes = new byte[n];
            s.ReadExactly(bytes);
            try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
            catch (DecoderFallbackException) { throw Damaged($"{what} is not valid UTF-8"); }
        }

        public bool Bool(string what) => Byte(what) switch
        {
            0 => false,
            1 => true,
            var b => throw Damaged($"{what} holds {b} where a flag (0 or 1) belongs"),
        };

        /// <summary>One fixed-size field: d (a finite f64: learning rates, betas, ...), b (a flag), l (a step, never negative).</summary>
        public void Field(char kind, string what)
        {
            if (kind == 'b') { Bool(what); return; }
            Need(8, what);
            Span<byte> b = stackalloc byte[8];
            s.ReadExactly(b);
            if (kind == 'd' && !double.IsFinite(BitConverter.ToDouble(b)))
                throw Damaged($"{what} holds a value that is not a finite number");
            if (kind == 'l' && BitConverter.ToInt64(b) < 0) throw Damaged($"{what} holds a negative step count");
        }

        /// <summary>A tensor's header, compared field by field with <paramref name="e"/> before its data is skipped.</summary>
        public void Tensor(ExpectedTensor e, string what, string owner)
        {
            ulong type = Leb($"{what}'s dtype"), rank = Leb($"{what}'s rank");
            if (type != (ulong)(int)e.Type || rank != (ulong)e.Shape.Length)
                throw Mismatch($"{what} has dtype code {type} and rank {rank}, but {owner} holds {e}");
            var dims = new ulong[rank];
            for (int d = 0; d < dims.Length; d++) dims[d] = Leb($"{what}'s dimension {d}");
            if (!dims.SequenceEqual(e.Shape.Select(x => (ulong)x)))
                throw Mismatch($"{what} has shape [{string.Join(", ", dims)}], but {owner} holds {e}");
            Need(e.Bytes, $"{what}'s data");
            s.Seek(e.Bytes, SeekOrigin.Current);
        }

        public void End()
        {
            if (Left != 0) throw Damaged($"{Left} bytes follow the last entry");
        }

        public void Dispose() => s.Dispose();
    }
}
