using Gan.Dsl;
using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using Gan.Runtime.Reports;
using Gan.Runtime.Runs;
using Gan.Runtime.Sampling;
using Gan.Runtime.Training;
using static TorchSharp.torch;

namespace Gan.Runtime;

/// <summary>
/// A GAN from a spec, built with TorchSharp: the public entry point of GanDsl for C# and F# programs (the `gan` command
/// uses it too). Create one from a checked spec or load one from a run folder; its networks are ordinary TorchSharp
/// modules; train it (with or without a run folder), sample it, and draw samples to PNG.
/// </summary>
public sealed class GanModel : IDisposable
{
    readonly ModelIr model;
    readonly IReadOnlyDictionary<string, NetworkModule> nets;
    readonly Dictionary<(string, string), NetworkOutput> views = [];
    readonly Device device;
    readonly int seed;

    GanModel(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, Device device, int seed, long step, string? runDir)
    {
        this.model = model;
        this.nets = nets;
        this.device = device;
        this.seed = seed;
        Step = step;
        RunDir = runDir;
    }

    /// <summary>Builds the networks of a spec that compiled without errors (else a <see cref="UserInputException"/> lists them).</summary>
    /// <param name="device">cpu or cuda.</param>
    /// <param name="seed">the run seed (the spec's schedule seed when null): the same seed gives the same weights.</param>
    public static GanModel Create(GanSpec spec, string device = "cpu", int? seed = null)
    {
        var ir = Checked(spec);
        Native.TorchNative.Prepare();
        int s = seed ?? ir.Schedule.Seed;
        var d = Devices.For(device);
        return new GanModel(ir, Devices.Build(ir, s, d), d, s, 0, null);
    }

    /// <summary>The IR of a spec that compiled without errors; else a <see cref="UserInputException"/> lists them.</summary>
    static ModelIr Checked(GanSpec spec) =>
        !spec.HasErrors && spec.Ir is { } ir ? ir
        : throw new UserInputException($"{spec.Path} has errors; run `gan check {spec.Path}`:\n"
                                       + string.Join("\n", spec.Errors.Select(e => e.Format(false))));

    /// <summary>Compiles a spec file (with <c>--set</c>-style overrides) and builds it.</summary>
    public static GanModel Compile(string path, IReadOnlyDictionary<string, string>? overrides = null, string device = "cpu",
                                   int? seed = null) =>
        Create(GanSpec.Load(path, overrides), device, seed);

    /// <summary>
    /// Loads a run folder's spec copy and networks at its latest checkpoint, or the one of <paramref name="step"/>, on the CPU.
    /// </summary>
    /// <param name="ema">false: sample the trained generator itself where the spec also keeps its EMA copy (G_ema).</param>
    public static GanModel LoadRun(string runDir, long? step = null, bool ema = true)
    {
        Native.TorchNative.Prepare();
        var run = LoadedRun.Load(runDir, step, ema);
        return new GanModel(run.Model, run.Networks, CPU, run.Model.Schedule.Seed, run.State.Step, runDir);
    }

    /// <summary>
    /// Prepares a run folder to continue as it was started: its own spec copy, compiled with its own <c>--set</c> values, built
    /// from its seed on its device; the options train on from its newest checkpoint. <paramref name="given"/> holds what the
    /// caller asked for besides (the command line's flags): a value that contradicts the run is refused, naming the flag,
    /// except a longer schedule (recorded in params.json).
    /// </summary>
    public static ResumedRun Resume(string runDir, ResumeFlags? given = null)
    {
        given ??= new ResumeFlags();
        Native.TorchNative.Prepare();
        if (!Directory.Exists(runDir)) throw new UserInputException($"--resume {runDir}: no such run folder");
        if (given.Out is { } o && Path.GetFullPath(o) != Path.GetFullPath(runDir))
            throw new UserInputException($"--out {o} contradicts --resume {runDir}: a resumed run stays in its folder; drop --out");
        var run = RunParams.Read(runDir);
        var specPath = Path.Combine(runDir, "spec.gan");
        if (given.Spec is { } spec)
        {
            string text;
            try { text = File.ReadAllText(spec); }
            catch (IOException e) { throw new UserInputException($"{spec}: cannot be read ({e.Message})"); }
            if (text != (File.Exists(specPath) ? File.ReadAllText(specPath) : null))
                throw new UserInputException($"{spec} differs from the run's copy {specPath}; a resumed run trains its own copy: "
                                             + $"resume with `gan train --resume {runDir}` alone, or start a new run with --out.");
        }
        var overrides = new Dictionary<string, string>(run.Set, StringComparer.Ordinal);
        foreach (var (k, v) in given.Set ?? new Dictionary<string, string>()) overrides[k] = v;
        var compiled = GanSpec.Load(specPath, overrides);
        var ir = run.Relocate(Checked(compiled));
        int seed = given.Seed ?? run.Seed;
        var device = Devices.For(given.Device ?? run.Device);
        // Refused before any tensor exists when it cannot fit here (a run from a larger machine, say).
        var memory = MemoryEstimate.Check(compiled, run.Batch, given.Device ?? run.Device, given.Force);
        var model = new GanModel(ir, Devices.Build(ir, seed, device), device, seed, 0, null);
        return new ResumedRun(model, new TrainOptions
        {
            OutDir = runDir, Resume = true, Epochs = given.Epochs, Steps = given.Steps, Batch = given.Batch, LogEvery = given.LogEvery,
            TensorBoard = given.TensorBoard || run.TensorBoard, EvalEvery = given.EvalEvery, EvalSamples = given.EvalSamples,
        }, memory);
    }

    /// <summary>
    /// Which network draws samples when the spec keeps an EMA copy of its generator, e.g. "sampling G_ema (EMA of G; --no-ema
    /// for G)"; null when it keeps none.
    /// </summary>
    public string? SamplingNote => Generation.Describe(model);

    /// <summary>The spec's name.</summary>
    public string Name => model.Name;

    /// <summary>The networks, in the order the spec declares them.</summary>
    public IReadOnlyList<string> NetworkNames => [.. model.Networks.Select(n => n.Name)];

    /// <summary>The training step the weights are at (a checkpoint's step, or the steps trained).</summary>
    public long Step { get; private set; }

    /// <summary>The run folder the model was loaded from or last trained into, if any.</summary>
    public string? RunDir { get; private set; }

    /// <summary>
    /// A network as a TorchSharp module of its one input: its default output, or the named one. It shares the model's
    /// weights; call it, move it, save it or put it in a Sequential.
    /// </summary>
    public nn.Module<Tensor, Tensor> Network(string name, string? output = null)
    {
        if (!nets.TryGetValue(name, out var net))
            throw new UserInputException($"{model.Name} has no network '{name}'; it has {string.Join(", ", nets.Keys)}");
        if (output is null || output == net.Ir.DefaultOutput) return net;
        if (!net.Ir.Outputs.ContainsKey(output))
            throw new UserInputException($"network {name} has no output '{output}'; it has {string.Join(", ", net.Ir.Outputs.Keys)}");
        if (!views.TryGetValue((name, output), out var view)) views[(name, output)] = view = new NetworkOutput(net, output);
        return view;
    }

    /// <summary>
    /// Writes the networks' weights (parameters and buffers) to a safetensors file: every network (EMA copies included), each key
    /// prefixed with the network's name and a dot, or only <paramref name="network"/> under bare names. <paramref name="names"/>:
    /// pytorch (default; the emitted model.py's keys) or pytorch-gan (PyTorch-GAN's <c>model.K.weight</c>). Returns the tensor
    /// count and bytes.
    /// </summary>
    public (int Tensors, long Bytes) ExportWeights(string path, string? network = null, string? names = null) =>
        Interop.WeightsExchange.Export(model, nets, path, network, Interop.WeightNames.Parse(names), Step);

    /// <summary>
    /// Loads weights from a safetensors file (as <c>gan export</c> or the emitted train.py writes them): into
    /// <paramref name="network"/> from a file of that one network's tensors, or into every network whose name prefixes the
    /// file's keys. Names, dtypes and shapes must match exactly; nothing is changed when they do not. An EMA copy the file
    /// does not hold starts again from its loaded network. Returns the networks loaded.
    /// </summary>
    public IReadOnlyList<string> LoadWeights(string path, string? network = null) =>
        Interop.WeightsExchange.Import(nets, path, network, model.Schedule.Emas);

    /// <summary>
    /// Trains the networks from their current weights with fresh optimisers, as the spec's schedule says unless
    /// <paramref name="options"/> says otherwise; with a run folder it also writes the log, samples, checkpoints and report.
    /// </summary>
    public TrainResult Train(TrainOptions? options = null, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        using var trainer = new Trainer(model, nets, seed, device, options ?? new TrainOptions(), null, ownsNetworks: false);
        var result = trainer.Run(progress, cancel);
        Step = result.Steps;
        if (result.RunDir is null) return result;
        RunDir = result.RunDir;
        return result with { Report = RunReport.Write(result.RunDir) };
    }

    /// <summary>
    /// <paramref name="n"/> samples from fresh noise of <paramref name="seed"/> (all of class <paramref name="classIndex"/>
    /// for a conditional spec), with the generator in eval mode: N×(sample shape).
    /// </summary>
    public Tensor Sample(int n, int? classIndex = null, int seed = 0)
    {
        if (n <= 0) throw new UserInputException($"--n must be positive, got {n}");
        using var scope = NewDisposeScope();
        var latents = Generation.FixedLatents(model, device, seed, n);
        if (classIndex is int k)
        {
            var cls = LatentDraws.ClassPart(model, latents)
                      ?? throw new UserInputException($"--class: {model.Name} has no class input "
                                                      + $"(no one-hot or label latent part feeds {model.Sampling.Generator})");
            if (k < 0 || k >= cls.Classes) throw new UserInputException($"--class {k}: the spec has classes 0..{cls.Classes - 1}");
            latents[cls.Name] = LatentDraws.Encode(cls, full([n], k, ScalarType.Int64, device: device));
        }
        return Generation.Generate(model, nets, latents).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Draws <paramref name="n"/> samples into a PNG (an image grid, or for 2-D data a scatter over the real points)
    /// and returns its path: <paramref name="path"/>, or <c>sample-step&lt;N&gt;[-class&lt;K&gt;].png</c> in the run folder (or here).
    /// </summary>
    public string SaveSamples(string? path = null, int n = 64, int? classIndex = null, int seed = 0)
    {
        using var scope = NewDisposeScope();
        var fake = Sample(n, classIndex, seed);
        path ??= Path.Combine(RunDir ?? ".", $"sample-step{Step}{(classIndex is int c ? $"-class{c}" : "")}.png");
        int cols = (int)Math.Ceiling(Math.Sqrt(n));
        DataKind.For(model.Data).Draw(model, fake, (n + cols - 1) / cols, cols, path, $"{n} samples at step {Step}", null);
        return path;
    }

    public void Dispose()
    {
        foreach (var v in views.Values) v.Dispose();
        foreach (var n in nets.Values) n.Dispose();
    }
}
