using System.Text.Json;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Runs;

/// <summary>What a checkpoint records besides weights and optimiser states.</summary>
/// <param name="SpecHash"><see cref="CheckpointFiles.SpecHash"/> of the spec it was trained from (null in older checkpoints).</param>
internal sealed record CheckpointState(long Step, int Epoch, long Index, string LatentRng, string TorchRng, double Elapsed,
                                       string? SpecHash = null);

/// <summary>
/// Checkpoints: <c>checkpoints/step-NNNNNNN/</c> holds each network's weights (state dict incl. BatchNorm
/// statistics and spectral-norm vectors), each optimiser's state, and <c>state.json</c>. The folder is
/// written under a temporary name and renamed, and <c>checkpoints/latest</c> is replaced atomically, so a
/// kill at any moment leaves the last complete checkpoint readable.
/// </summary>
internal static class Checkpoint
{
    public static string Save(string runDir, IReadOnlyDictionary<string, NetworkModule> nets,
                              IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> opts, CheckpointState state, int keep = 3)
    {
        var root = Directory.CreateDirectory(Path.Combine(runDir, "checkpoints")).FullName;
        var name = $"step-{state.Step:D7}";
        var final = Path.Combine(root, name);
        AtomicFile.WriteDirectory(final, tmp =>
        {
            foreach (var (n, m) in nets) m.save(Path.Combine(tmp, $"net-{n}.dat"));
            foreach (var (n, o) in opts) o.save_state_dict(Path.Combine(tmp, $"opt-{n}.dat"));
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state));
        });
        AtomicFile.WriteAllText(Path.Combine(root, "latest"), name);
        foreach (var old in Directory.GetDirectories(root, "step-*").OrderBy(d => d, StringComparer.Ordinal).SkipLast(keep))
            Directory.Delete(old, true);
        return final;
    }

    /// <summary>The newest complete checkpoint of a run (or the one for a given step).</summary>
    public static string Find(string runDir, long? step = null)
    {
        var root = Path.Combine(runDir, "checkpoints");
        if (!Directory.Exists(root))
            throw new UserInputException($"{runDir}: no checkpoints/ folder; "
                                         + "is this a run folder of `gan train`, and did it reach its first checkpoint?");
        if (step is long s)
        {
            var dir = Path.Combine(root, $"step-{s:D7}");
            if (!Directory.Exists(dir))
                throw new UserInputException(
                    $"{runDir}: no checkpoint for step {s}; "
                    + $"have: {string.Join(", ", Directory.GetDirectories(root, "step-*").Select(Path.GetFileName))}");
            return dir;
        }
        var latest = Path.Combine(root, "latest");
        if (File.Exists(latest) && Path.Combine(root, File.ReadAllText(latest).Trim()) is var named && Directory.Exists(named))
            return named;
        var any = Directory.GetDirectories(root, "step-*").OrderBy(d => d, StringComparer.Ordinal).LastOrDefault();
        return any ?? throw new UserInputException($"{root}: holds no complete checkpoint.");
    }

    /// <summary>Loads a checkpoint into the networks (and optimisers) once <see cref="CheckpointFiles.Check"/> has found every
    /// file sound; <paramref name="specHash"/> (the caller's spec, see <see cref="CheckpointFiles.SpecHash"/>) must match.</summary>
    public static CheckpointState Load(string dir, IReadOnlyDictionary<string, NetworkModule> nets,
                                       IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper>? opts, string? specHash = null)
    {
        var state = CheckpointFiles.Check(dir, nets, opts, specHash);   // files from elsewhere: before TorchSharp reads them
        try
        {
            foreach (var (n, m) in nets) m.load(Path.Combine(dir, $"net-{n}.dat"));
            if (opts is not null) foreach (var (n, o) in opts) o.load_state_dict(Path.Combine(dir, $"opt-{n}.dat"));
            return state;
        }
        catch (Exception e) when (e is IOException or JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{dir}: the checkpoint cannot be read ({e.Message}); it is damaged or from another spec. "
                                         + "Resume from an earlier step with --resume and a clean copy, or start again.");
        }
    }
}
