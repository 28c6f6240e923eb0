using System.Globalization;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Interop;

/// <summary>
/// The checkpoints of a run that the emitted train.py wrote (under torchrun or alone): <c>checkpoints/step-NNNNNNN.safetensors</c>,
/// every network's tensors under PyTorch's names prefixed with the network's name, beside the spec copy and params.json that
/// <c>gan emit pytorch</c> wrote and train.py copied. <c>gan sample</c>, <c>gan eval</c>, <c>gan export</c> and <c>gan apply</c>
/// read such a run as they read one of <c>gan train</c>.
/// </summary>
internal static class PyTorchCheckpoints
{
    /// <summary>The run's safetensors checkpoints, oldest first (none for a run of <c>gan train</c>).</summary>
    public static IReadOnlyList<string> In(string runDir)
    {
        var root = Path.Combine(runDir, "checkpoints");
        return Directory.Exists(root)
            ? [.. Directory.GetFiles(root, "step-*.safetensors").Where(f => Path.GetFileName(f).Length == "step-0000000.safetensors".Length)
                .Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Loads the latest checkpoint (or <paramref name="step"/>'s) into the networks; returns its step.</summary>
    public static long Load(string runDir, long? step, ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets)
    {
        var all = In(runDir);
        string file = step is long s
            ? all.FirstOrDefault(f => Path.GetFileName(f) == $"step-{s:D7}.safetensors")
              ?? throw new UserInputException($"{runDir}: no checkpoint for step {s}; have: "
                                              + string.Join(", ", all.Select(Path.GetFileName)))
            : all[^1];
        var header = SafetensorsFile.Read(file);
        var hash = CheckpointFiles.SpecHash(model);
        if (header.Metadata.TryGetValue("gandsl.spec_sha256", out var saved) && saved != hash)
            throw new UserInputException($"{file}: written for another spec (SHA-256 {saved[..Math.Min(12, saved.Length)]}…, the run's "
                                         + $"spec.gan has {hash[..12]}…); keep the run's own spec.gan beside its checkpoints");
        WeightsExchange.Import(nets, file, null, model.Schedule.Emas);
        var name = Path.GetFileNameWithoutExtension(file);
        return long.Parse(name["step-".Length..], CultureInfo.InvariantCulture);
    }
}
