using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using static TorchSharp.torch;

namespace Gan.Runtime.Runs;

/// <summary>
/// Checks a checkpoint folder before anything in it is loaded: a checkpoint may come from someone else's run folder, so
/// <c>state.json</c> is size-capped before it is read and its fields are range-checked, its spec hash must be the spec's,
/// and every weights and optimiser file is walked by <see cref="StateDictFile"/> against the live networks and optimisers
/// (names, dtypes, shapes, sizes) before TorchSharp's loader, which trusts the file, touches it.
/// </summary>
internal static class CheckpointFiles
{
    /// <summary>A state.json holds two RNG states (about 7 KB each in base64 on the CPU); anything near this is not ours.</summary>
    public const long MaxStateJsonBytes = 1 << 20;

    /// <summary>
    /// The SHA-256 (lower-case hex) of the spec text and, in order, the text of each file it uses: what the networks and
    /// optimisers of a checkpoint were built from. Formatting or a comment changes it too: the run's own spec.gan always matches.
    /// </summary>
    public static string SpecHash(ModelIr model)
    {
        var text = new StringBuilder(model.SpecText);
        foreach (var used in model.UsedFiles) text.Append('\0').Append(used.Text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Checks the whole folder and returns its state; throws <see cref="UserInputException"/> naming the bad file.</summary>
    /// <param name="specHash">the hash of the spec the caller built its networks from, or null to skip that comparison.</param>
    public static CheckpointState Check(string dir, IReadOnlyDictionary<string, NetworkModule> nets,
                                        IReadOnlyDictionary<string, OptimizerHelper>? opts, string? specHash)
    {
        // The latent generator's state is only restored on resume (it may come from a CUDA run when sampling on the CPU).
        var state = ReadState(Path.Combine(dir, "state.json"), opts is null ? null : DeviceOf(nets));
        if (specHash is not null && state.SpecHash is string saved && saved != specHash)
            throw new UserInputException(
                $"{Path.Combine(dir, "state.json")}: the checkpoint was written for another spec (spec hash {saved[..12]}…, "
                + $"this spec's is {specHash[..12]}…). Resume or sample with the run's own spec.gan, unchanged (to train longer, "
                + "give --steps or --epochs on the command line rather than editing the schedule), or start a new run.");
        foreach (var (name, net) in nets)
            StateDictFile.CheckModule(Path.Combine(dir, $"net-{name}.dat"), $"network {name}",
                                      [.. net.state_dict().Select(kv => ExpectedTensor.Of(kv.Key, kv.Value))]);
        if (opts is not null)
            foreach (var (name, opt) in opts)
                StateDictFile.CheckOptimizer(Path.Combine(dir, $"opt-{name}.dat"), $"optimiser {name}", opt.GetType().Name,
                                             opt.state_dict().Options.Count,
                                             [.. opt.parameters().Select((p, i) => ExpectedTensor.Of($"parameter {i}", p))]);
        return state;
    }

    /// <summary>The device the networks live on (the latent generator's too): its RNG state has that device's length.</summary>
    static Device DeviceOf(IReadOnlyDictionary<string, NetworkModule> nets) =>
        nets.Values.SelectMany(n => n.parameters()).Select(p => p.device).FirstOrDefault() ?? CPU;

    /// <summary>Reads state.json with its size capped first, and checks every field's range and the RNG states' lengths.</summary>
    /// <param name="latentDevice">the device of the generator LatentRng will be restored into, or null when it is not restored.</param>
    public static CheckpointState ReadState(string path, Device? latentDevice)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new UserInputException($"{path}: missing; the checkpoint is incomplete. "
                                         + "Delete its folder to fall back to an earlier checkpoint, or start the run again.");
        if (info.Length > MaxStateJsonBytes)
            throw Bad(path, $"it has {info.Length} bytes, more than a checkpoint's state ever needs ({MaxStateJsonBytes})");
        CheckpointState? state;
        try { state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path)); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or DecoderFallbackException)
        {
            throw Bad(path, $"it is not the JSON of a checkpoint state ({e.Message})");
        }
        if (state is null) throw Bad(path, "it holds no state (null)");
        if (state.Step < 0 || state.Epoch < 0 || state.Index < 0)
            throw Bad(path, $"step {state.Step}, epoch {state.Epoch} and index {state.Index} must not be negative");
        if (!double.IsFinite(state.Elapsed) || state.Elapsed < 0)
            throw Bad(path, $"elapsed time {state.Elapsed} is not a non-negative number of seconds");
        if (state.SpecHash is string h && (h.Length != 64 || !h.All(char.IsAsciiHexDigitLower)))
            throw Bad(path, "SpecHash is not a SHA-256 in lower-case hex");
        CheckRng(path, "TorchRng", state.TorchRng, RngStateLength(CPU));
        CheckRng(path, "LatentRng", state.LatentRng, latentDevice is null ? null : RngStateLength(latentDevice));
        return state;
    }

    /// <summary>
    /// An RNG state must be base64, of exactly the length this libtorch's generator takes when it is to be restored (libtorch
    /// would reject another length only once the checkpoint is half loaded). Its size is bounded by state.json's cap.
    /// </summary>
    static void CheckRng(string path, string field, string? base64, long? expected)
    {
        if (base64 is null) throw Bad(path, $"{field} is missing");
        var bytes = new byte[base64.Length * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out int n))
            throw Bad(path, $"{field} is not base64");
        if (expected is long e && n != e)
            throw Bad(path, $"{field} is not the base64 of a {e}-byte generator state ({n} bytes)");
    }

    /// <summary>The length of a generator state on <paramref name="device"/> (5,056 bytes for the CPU's Mersenne Twister).</summary>
    static long RngStateLength(Device device)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(0, device);
        return g.get_state().NumberOfElements;
    }

    static UserInputException Bad(string path, string what) => new(
        $"{path}: {what}; the checkpoint is damaged or was not written by GanDsl. "
        + "Delete its checkpoint folder to fall back to an earlier checkpoint (or use --step), or start the run again.");
}
