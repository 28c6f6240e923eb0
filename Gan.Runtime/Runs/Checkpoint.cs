using Gan.Runtime.Data;
using System.Text.Json;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Runs;

/// <summary>What a checkpoint records besides weights and optimiser states.</summary>
/// <param name="Files">each weights and optimiser file's SHA-256: a damaged (truncated, bit-flipped) file is found before loading.</param>
/// <param name="SpecHash"><see cref="CheckpointFiles.SpecHash"/> of the spec it was trained from (null in older checkpoints).</param>
internal sealed record CheckpointState(long Step, int Epoch, long Index, string LatentRng, string TorchRng, double Elapsed,
                                       Dictionary<string, string>? Files = null, string? SpecHash = null);

/// <summary>
/// Checkpoints: <c>checkpoints/step-NNNNNNN/</c> holds each network's weights (state dict incl. BatchNorm
/// statistics and spectral-norm vectors), each optimiser's state, and <c>state.json</c>. The folder is
/// written under a temporary name and renamed, so a kill at any moment leaves the last complete checkpoint readable;
/// the newest is the one with the highest step.
/// </summary>
internal static class Checkpoint
{
    public static string Save(string runDir, IReadOnlyDictionary<string, NetworkModule> nets,
                              IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> opts, CheckpointState state, int keep = 2)
    {
        var root = Directory.CreateDirectory(Path.Combine(runDir, "checkpoints")).FullName;
        var name = $"step-{state.Step:D7}";
        var final = Path.Combine(root, name);
        AtomicFile.WriteDirectory(final, tmp =>
        {
            foreach (var (n, m) in nets) m.save(Path.Combine(tmp, $"net-{n}.dat"));
            foreach (var (n, o) in opts) o.save_state_dict(Path.Combine(tmp, $"opt-{n}.dat"));
            var files = Directory.GetFiles(tmp).ToDictionary(f => Path.GetFileName(f), f => Downloads.Sha256(f), StringComparer.Ordinal);
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state with { Files = files }));
        });
        foreach (var old in Steps(root).SkipLast(keep)) AtomicFile.Delete(old);
        return final;
    }

    /// <summary>A run's complete checkpoint folders, oldest first.</summary>
    static IEnumerable<string> Steps(string root) =>
        Directory.GetDirectories(root, "step-*").Where(d => Path.GetFileName(d).Length == 12).Order(StringComparer.Ordinal);

    /// <summary>
    /// Loads the newest checkpoint that reads whole; a damaged one is skipped with a warning naming it. Null when the run has
    /// no checkpoint yet; an error when none reads.
    /// </summary>
    public static (string Dir, CheckpointState State)? LoadNewest(string runDir, IReadOnlyDictionary<string, NetworkModule> nets,
                                                                  IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> opts,
                                                                  string specHash, Action<string> warn)
    {
        var root = Path.Combine(runDir, "checkpoints");
        var candidates = Directory.Exists(root) ? Steps(root).Reverse().ToList() : [];
        if (candidates.Count == 0) return null;
        var problems = new List<string>();
        foreach (var dir in candidates)
        {
            try { return (dir, Load(dir, nets, opts, specHash)); }
            catch (UserInputException e)
            {
                problems.Add(e.Message);
                if (dir != candidates[^1]) warn($"warning: {e.Message}; falling back to the checkpoint before it");
            }
        }
        throw new UserInputException($"{root}: no checkpoint reads whole:\n  " + string.Join("\n  ", problems));
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
        return Steps(root).LastOrDefault() ?? throw new UserInputException($"{root}: holds no complete checkpoint.");
    }

    /// <summary>Loads a checkpoint into the networks (and optimisers) once <see cref="CheckpointFiles.Check"/> has found every
    /// file sound; <paramref name="specHash"/> (the caller's spec, see <see cref="CheckpointFiles.SpecHash"/>) must match.</summary>
    public static CheckpointState Load(string dir, IReadOnlyDictionary<string, NetworkModule> nets,
                                       IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper>? opts, string? specHash = null)
    {
        var state = CheckpointFiles.Check(dir, nets, opts, specHash);   // files from elsewhere: before TorchSharp reads them
        try
        {
            foreach (var (file, sha) in state.Files ?? [])
                if (Downloads.Sha256(Path.Combine(dir, Path.GetFileName(file))) != sha)
                    throw new UserInputException($"{dir}/{Path.GetFileName(file)}: damaged (its SHA-256 differs from the one recorded "
                                                 + "in state.json when it was written)");
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
