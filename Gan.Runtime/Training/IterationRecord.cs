using System.Globalization;
using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Interop;
using Gan.Runtime.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Runs one iteration of a spec's schedule from given weights, recording what another implementation needs to re-run it
/// and what it must then agree with, into a safetensors file: the weights before (<c>init/NET.key</c>, EMA copies
/// included), every random draw in order (<c>draw/000007/latent z</c>), each step's loss values as computed before its
/// backward (<c>loss/002/d_loss</c>, named losses, d_real, d_fake), its gradients after the backward
/// (<c>grad/002/D.3_linear.weight</c>), every tensor as each step after the first starts (<c>before/002/D.3_linear.weight</c>,
/// so that each step can be re-run from GanDsl's own state) and every tensor after the iteration
/// (<c>after/NET.key</c>). Keys are <c>gan export</c>'s names (a spectrally normalised weight is <c>weight_orig</c>, its
/// vectors <c>weight_u</c>, <c>weight_v</c>). Metadata: the iteration t (and how many were recorded), the run's total iterations
/// (lr_decay's end), the
/// batch and the steps' optimisers in order. The emitted train.py's <c>--replay FILE</c> reads it.
/// </summary>
internal static class IterationRecord
{
    /// <summary>
    /// Records iteration <paramref name="iteration"/> (0-based; with <paramref name="iterations"/> &gt; 1, that many from it) on
    /// <paramref name="data"/> at <paramref name="batch"/> (default the spec's), with fresh optimisers, into
    /// <paramref name="path"/>; the networks end as the iterations left them.
    /// </summary>
    /// <param name="dtype">the float type to run in: float32 (as training does), or float64, where both implementations'
    /// rounding is too small to cross a ReLU kink or to flip the sign of a gradient at the noise floor (the networks are
    /// converted to it).</param>
    public static void Record(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data, string path,
                              long iteration = 0, int? batch = null, int iterations = 1, ScalarType dtype = ScalarType.Float32)
    {
        var before = get_default_dtype();
        set_default_dtype(dtype);
        try { RecordIn(model, nets, data, path, iteration, batch, iterations, dtype); }
        finally { set_default_dtype(before); }
    }

    static void RecordIn(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data, string path,
                       long iteration, int? batch, int iterations, ScalarType dtype)
    {
        foreach (var net in nets.Values) net.to(dtype);
        var entries = new List<(string Name, Tensor Tensor)>();
        using var scope = NewDisposeScope();
        entries.AddRange(State(nets, "init/").Select(e => (e.Name, e.Tensor.clone())));
        var options = new TrainOptions { Batch = batch, RunFolder = false };
        using var recorder = new DrawRecorder();
        long total;
        using (var trainer = new Trainer(model, nets, model.Schedule.Seed, CPU, options, data, ownsNetworks: false))
        using (recorder.Activate())
        {
            total = 0;
            for (long t = iteration; t < iteration + iterations; t++) total = trainer.RunIterationAt(t);
        }
        for (int k = 0; k < recorder.Draws.Count; k++)
            entries.Add(($"draw/{k:D6}/{recorder.Draws[k].What}", recorder.Draws[k].Value));
        for (int k = 0; k < recorder.Steps.Count; k++)
        {
            foreach (var (name, value) in recorder.Steps[k].Values) entries.Add(($"loss/{k:D3}/{name}", value));
            foreach (var (name, grad) in recorder.Gradients[k]) entries.Add(($"grad/{k:D3}/{name}", grad));
            foreach (var (name, value) in recorder.Before[k]) entries.Add(($"before/{k:D3}/{name}", value));
        }
        entries.AddRange(State(nets, "after/"));
        var metadata = new Dictionary<string, string>
        {
            ["gandsl.record"] = "1",
            ["gandsl.spec"] = model.Name,
            ["iteration"] = iteration.ToString(CultureInfo.InvariantCulture),
            ["iterations"] = iterations.ToString(CultureInfo.InvariantCulture),
            ["total"] = total.ToString(CultureInfo.InvariantCulture),
            ["batch"] = (batch ?? model.Schedule.Batch).ToString(CultureInfo.InvariantCulture),
            ["steps"] = string.Join(",", recorder.Steps.Select(s => s.Optimizer)),
        };
        SafetensorsFile.Write(path, entries, metadata);
    }

    /// <summary>Every network's state-dict tensors under <paramref name="prefix"/>NET.name, named as <c>gan export</c> names
    /// them (<see cref="WeightNames"/>).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> State(IReadOnlyDictionary<string, NetworkModule> nets, string prefix) =>
        nets.SelectMany(kv => WeightNames.Of(kv.Value, WeightNaming.PyTorch).Select(e => ($"{prefix}{kv.Key}.{e.Name}", e.Tensor)));
}
