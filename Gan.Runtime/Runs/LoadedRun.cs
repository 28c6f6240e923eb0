using Gan.Dsl;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;

namespace Gan.Runtime.Runs;

/// <summary>A run folder read back: its spec (the copy in the folder), compiled, and its networks at a checkpoint.</summary>
internal sealed class LoadedRun(ModelIr model, Dictionary<string, NetworkModule> networks, CheckpointState state) : IDisposable
{
    public ModelIr Model => model;
    public IReadOnlyDictionary<string, NetworkModule> Networks => networks;
    public CheckpointState State => state;

    /// <summary>Loads the run's spec copy and the networks of a checkpoint (the latest, or the one of <paramref name="step"/>).</summary>
    /// <param name="ema">false: sample the trained network itself even where the spec keeps an EMA copy of it (--no-ema).</param>
    public static LoadedRun Load(string runDir, long? step, bool ema = true)
    {
        var specPath = Path.Combine(runDir, "spec.gan");
        if (!File.Exists(specPath)) throw new UserInputException($"{runDir}: no spec.gan; is this a run folder made by `gan train`?");
        // Compiled with the run's own --set values (params.json), as it was trained.
        var started = File.Exists(RunParams.PathIn(runDir)) ? RunParams.Read(runDir) : null;
        var result = Compilation.CompileFile(specPath, started?.Set ?? []);
        if (result.HasErrors || result.Ir is null)
            throw new UserInputException($"{specPath} no longer compiles: {string.Join("; ", result.Errors.Select(e => e.ToString()))}");
        var model = started?.Relocate(result.Ir) ?? result.Ir;
        if (!ema) model = model with { Sampling = model.Sampling with { Ema = null } };
        var nets = model.Networks.ToDictionary(n => n.Name, n => new NetworkModule(n));
        Training.EmaCopies.Add(model, nets);
        // A run of the emitted train.py keeps safetensors checkpoints; one of gan train, checkpoint folders.
        var state = Interop.PyTorchCheckpoints.In(runDir).Count > 0
            ? new CheckpointState(Interop.PyTorchCheckpoints.Load(runDir, step, model, nets), 0, 0, "", "", 0)
            : Checkpoint.Load(Checkpoint.Find(runDir, step), nets, null, CheckpointFiles.SpecHash(result.Ir));
        return new LoadedRun(model, nets, state);
    }

    public void Dispose()
    {
        foreach (var n in networks.Values) n.Dispose();
    }
}
