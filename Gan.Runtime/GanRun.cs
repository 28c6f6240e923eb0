using Gan.Dsl;
using Gan.Runtime.Errors;
using Gan.Runtime.Interop;
using Gan.Runtime.Metrics;
using Gan.Runtime.Reports;

namespace Gan.Runtime;

/// <summary>
/// The metrics of a run (<c>metrics.json</c>), as a table of values and as printable text, and the report refreshed with them.
/// </summary>
public sealed record GanEvaluation(IReadOnlyDictionary<string, object> Metrics, string Text, string Report);

/// <summary>What can be done with a run folder besides loading its model (<see cref="GanModel.LoadRun"/>).</summary>
public static class GanRun
{
    /// <summary>
    /// Measures a run with the metrics that fit its data (<paramref name="n"/> samples of noise seed <paramref name="seed"/>, at
    /// the latest checkpoint or the one of <paramref name="step"/>), writes metrics.json and refreshes report.html.
    /// </summary>
    /// <param name="ema">false: evaluate the trained generator itself where the spec also keeps its EMA copy (--no-ema).</param>
    public static GanEvaluation Evaluate(string runDir, int n = 10000, long? step = null, int seed = 0, Action<string>? notice = null,
                                         bool ema = true)
    {
        Native.TorchNative.Prepare();
        var metrics = RunEvaluator.Evaluate(runDir, n, step, seed, notice ?? (_ => { }), ema);
        // The report shows the metrics table: refresh it so it never says "no metrics yet" after an eval.
        return new GanEvaluation(metrics, RunEvaluator.Format(metrics), RunReport.Write(runDir));
    }

    /// <summary>Writes report.html (curves, samples, metrics, spec) and returns its path.</summary>
    public static string WriteReport(string runDir)
    {
        Native.TorchNative.Prepare();
        return RunReport.Write(runDir);
    }

    /// <summary>
    /// Writes a run's networks at its latest checkpoint (or <paramref name="step"/>'s) to a safetensors file: every network,
    /// each key prefixed with its name, or only <paramref name="network"/> under bare names. <paramref name="names"/>: pytorch
    /// (default; the emitted model.py's keys) or pytorch-gan (PyTorch-GAN's <c>model.K.weight</c>). Returns the tensor count and bytes.
    /// </summary>
    public static (int Tensors, long Bytes) Export(string runDir, string outPath, long? step = null, string? network = null,
                                                   string? names = null)
    {
        using var model = GanModel.LoadRun(runDir, step);
        return model.ExportWeights(outPath, network, names);
    }

    /// <summary>
    /// Runs network <paramref name="network"/> of a run on the inputs in <paramref name="inPath"/> (tensors named after its inputs)
    /// in eval or train mode, and writes its output <paramref name="output"/> (default: the network's) to <paramref name="outPath"/>.
    /// Returns the output's shape.
    /// </summary>
    public static long[] Apply(string runDir, string network, string? output, string inPath, string outPath, string mode = "eval",
                               long? step = null)
    {
        Native.TorchNative.Prepare();
        using var run = Runs.LoadedRun.Load(runDir, step);
        if (!run.Networks.TryGetValue(network, out var net))
            throw new UserInputException($"--network {network}: the run has no network '{network}'; it has "
                                         + string.Join(", ", run.Networks.Keys));
        return NetworkApply.Run(net, output, inPath, outPath, mode);
    }

    /// <summary>
    /// Writes the spec as PyTorch into <paramref name="outDir"/> (see <see cref="GanSpec.EmitPyTorch"/>), and into
    /// <c>spec/</c> the spec, the files it uses and params.json, which train.py copies into its run folder; with
    /// <paramref name="probe"/> also weights.safetensors and probe.safetensors for its check.py. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> EmitPyTorch(GanSpec spec, string outDir, bool probe = false)
    {
        if (spec.HasErrors || spec.Ir is not { } ir)
            throw new UserInputException($"{spec.Path} has errors; run `gan check {spec.Path}`");
        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new UserInputException($"--out {outDir}: cannot create the folder ({e.Message})"); }
        var written = new List<string>();
        foreach (var (name, text) in spec.EmitPyTorch())
        {
            var path = Path.Combine(outDir, name);
            Runs.AtomicFile.WriteAllText(path, text);
            written.Add(path);
        }
        // What train.py copies into its run folder, so that gan sample, eval, export and apply read the run: the spec, the
        // files it uses, and params.json as gan train writes it (the --set values the code was emitted with, the spec's hash).
        var specDir = Path.Combine(outDir, "spec");
        var specFile = Path.Combine(specDir, "spec.gan");
        Directory.CreateDirectory(specDir);
        Runs.AtomicFile.WriteAllText(specFile, ir.SpecText);
        written.Add(specFile);
        foreach (var used in ir.UsedFiles)
        {
            var path = Path.GetFullPath(Path.Combine(specDir, used.RelativePath));
            if (!path.StartsWith(Path.GetFullPath(specDir) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Runs.AtomicFile.WriteAllText(path, used.Text);
            written.Add(path);
        }
        var s = ir.Schedule;
        Runs.RunParams.New(ir, s.Seed, s.Batch, s.Epochs, s.Steps, "cpu", 1).Write(specDir);
        written.Add(Runs.RunParams.PathIn(specDir));
        if (probe)
        {
            Native.TorchNative.Prepare();
            FidelityProbe.Write(ir, outDir, ir.Schedule.Seed);
            written.Add(Path.Combine(outDir, "weights.safetensors"));
            written.Add(Path.Combine(outDir, "probe.safetensors"));
        }
        return written;
    }
}
