using System.Text.Json;
using System.Text.Json.Serialization;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Runs;

/// <summary>A run lengthened on resume: its schedule before and after, and the step it was resumed at.</summary>
internal sealed record RunExtension(
    [property: JsonPropertyName("at_step")] long AtStep,
    [property: JsonPropertyName("from_steps")] long FromSteps,
    [property: JsonPropertyName("from_epochs")] int FromEpochs,
    [property: JsonPropertyName("to_steps")] long ToSteps,
    [property: JsonPropertyName("to_epochs")] int ToEpochs,
    [property: JsonPropertyName("utc")] string Utc);

/// <summary>
/// A run's <c>params.json</c>: everything a resumed run needs to continue as it was started (the schedule's length, batch,
/// seed, device, log interval, <c>--set</c> overrides and the spec's hash, <see cref="CheckpointFiles.SpecHash"/>), the
/// resolved params, and the versions.
/// <see cref="TensorBoard"/>: the run writes TensorBoard events (<c>tb/</c>), and goes on writing them when resumed;
/// <see cref="EvalEvery"/> and <see cref="EvalSamples"/> (<c>--eval-every</c>, <c>--eval-n</c>): it goes on evaluating too.
/// <see cref="DataFolder"/> is an image folder's full path as resolved when the run started: the spec copy in the run
/// folder names it relative to the original spec's folder, so readers of the run take it from here.
/// The run counts <see cref="Steps"/> when positive, else <see cref="Epochs"/>.
/// </summary>
internal sealed record RunParams(
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("steps")] long Steps,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("log_every")] int LogEvery,
    [property: JsonPropertyName("set")] SortedDictionary<string, string> Set,
    [property: JsonPropertyName("spec_sha256")] string SpecSha256,
    [property: JsonPropertyName("params")] SortedDictionary<string, object> Params,
    [property: JsonPropertyName("versions")] Dictionary<string, string> Versions,
    [property: JsonPropertyName("started_utc")] string StartedUtc,
    [property: JsonPropertyName("extensions")] List<RunExtension> Extensions,
    [property: JsonPropertyName("data_folder")] string? DataFolder = null,
    [property: JsonPropertyName("tensorboard")] bool TensorBoard = false,
    [property: JsonPropertyName("eval_every")] int? EvalEvery = null,
    [property: JsonPropertyName("eval_n")] int? EvalSamples = null)
{
    const string FileName = "params.json";

    /// <summary>A hostile or damaged params.json is refused before it is read whole.</summary>
    const long MaxBytes = 1 << 20;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathIn(string runDir) => Path.Combine(runDir, FileName);

    /// <summary>
    /// The resolved params of a new run: the schedule's length, batch, seed, device, log interval, overrides, spec hash,
    /// whether it writes TensorBoard events, and how often and on how many samples it evaluates itself.
    /// </summary>
    public static RunParams New(ModelIr model, int seed, int batch, int epochs, long steps, string device, int logEvery,
                                bool tensorBoard = false, int? evalEvery = null, int? evalSamples = null) =>
        new(seed, batch, epochs, steps, device, logEvery, new(model.Overrides, StringComparer.Ordinal), CheckpointFiles.SpecHash(model),
            new(model.Params.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
            new()
            {
                ["gandsl"] = RuntimeInfo.GanDslVersion, ["torchsharp"] = RuntimeInfo.TorchSharpVersion,
                ["libtorch"] = RuntimeInfo.LibTorchVersion,
                ["cpu_linear"] = Model.CpuLinear.Description,
            },
            DateTime.UtcNow.ToString("o"), [], (model.Data as ImageFolderDataIr)?.Path, tensorBoard, evalEvery, evalSamples);

    /// <summary>A run's model with its image folder where the run found it (see <see cref="DataFolder"/>).</summary>
    public ModelIr Relocate(ModelIr model) =>
        DataFolder is { } folder && model.Data is ImageFolderDataIr f ? model with { Data = f with { Path = folder } } : model;

    public void Write(string runDir) => AtomicFile.WriteAllText(PathIn(runDir), JsonSerializer.Serialize(this, Json));

    /// <summary>Reads a run's params.json, checking its size and every field a resume relies on.</summary>
    public static RunParams Read(string runDir)
    {
        var path = PathIn(runDir);
        if (!File.Exists(path))
            throw new UserInputException($"{path}: missing; is {runDir} a run folder made by `gan train`?");
        var size = new FileInfo(path).Length;
        if (size > MaxBytes)
            throw new UserInputException($"{path}: {size:N0} bytes, more than a run's params.json can be ({MaxBytes:N0}); "
                                         + "the file is damaged or not from `gan train`.");
        RunParams? p;
        try { p = JsonSerializer.Deserialize<RunParams>(File.ReadAllText(path)); }
        catch (Exception e) when (e is JsonException or NotSupportedException or IOException)
        {
            throw new UserInputException($"{path}: not a readable params.json ({e.Message}); the run folder is damaged.");
        }
        if (p is null) throw new UserInputException($"{path}: empty; the run folder is damaged.");
        // Runs from before log_every, set and the spec hash were recorded read with their defaults.
        p = p with
        {
            LogEvery = p.LogEvery == 0 ? 1 : p.LogEvery, Set = p.Set ?? [], SpecSha256 = p.SpecSha256 ?? "",
            Params = p.Params ?? [], Versions = p.Versions ?? [], StartedUtc = p.StartedUtc ?? "", Extensions = p.Extensions ?? [],
            Device = p.Device ?? "cpu",
        };
        string? bad = p.Batch <= 0 ? "batch" : p.Epochs < 0 ? "epochs" : p.Steps < 0 ? "steps"
            : p.Epochs == 0 && p.Steps == 0 ? "epochs/steps (one must be positive)" : p.LogEvery < 0 ? "log_every"
            : p.EvalEvery <= 0 ? "eval_every" : p.EvalSamples < 10 || (p.EvalSamples is not null && p.EvalEvery is null) ? "eval_n"
            : null;
        if (bad is not null) throw new UserInputException($"{path}: field {bad} is out of range; the run folder is damaged.");
        return p;
    }
}
