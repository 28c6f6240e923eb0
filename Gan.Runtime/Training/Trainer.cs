using System.Diagnostics;
using System.Globalization;
using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Trains a compiled spec. Each iteration runs the schedule's step order (e.g. D×5 then G); each step:
/// draw a real batch, zero all gradients, evaluate the step's loss, backpropagate, step only the
/// optimiser's own networks, clip if declared. Every step runs inside a dispose scope.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly ModelIr model;
    readonly TrainOptions options;
    readonly Action<string> say;
    readonly Device device;
    readonly Dictionary<string, NetworkModule> nets = [];
    readonly Dictionary<string, OptimizerHelper> opts = [];
    readonly Data.TensorDataset data;
    readonly Batches batches;
    readonly TorchSharp.torch.Generator latentGen;
    readonly RunFolder run;
    readonly int batch, seed, epochs;
    readonly long steps;
    volatile bool stopRequested;
    readonly Stopwatch dataClock = new(), stepClock = new();
    readonly RunConstants constants = new();
    readonly int logEvery;

    /// <summary>The share of training-step time spent waiting for real batches.</summary>
    public double DataWaitFraction => stepClock.Elapsed.TotalSeconds > 0 ? dataClock.Elapsed.TotalSeconds / stepClock.Elapsed.TotalSeconds : 0;

    public string RunDir => run.Dir;
    public long Step { get; private set; }
    double elapsedBefore;

    /// <param name="dataOverride">Tests and benchmarks may supply the data (N×sample shape, labels) instead of loading it.</param>
    public Trainer(ModelIr model, TrainOptions options, Action<string> say, Data.TensorDataset? dataOverride = null)
    {
        this.model = model;
        this.options = options;
        this.say = say;
        device = DeviceFor(options.Device);
        seed = options.Seed ?? model.Schedule.Seed;
        batch = options.Batch ?? model.Schedule.Batch;
        epochs = options.Epochs ?? (options.Steps is null ? model.Schedule.Epochs : 0);
        steps = options.Steps ?? (options.Epochs is null ? model.Schedule.Steps : 0);
        logEvery = options.LogEvery ?? 1;
        if (logEvery < 1) throw new UserInputException($"--log-every {logEvery}: must be at least 1.");

        manual_seed(seed);
        foreach (var n in model.Networks) nets[n.Name] = new NetworkModule(n).to(device);
        foreach (var o in model.Optimizers) opts[o.Name] = MakeOptimizer(o);
        latentGen = new TorchSharp.torch.Generator((ulong)seed + 17, device);
        data = dataOverride ?? Datasets.Load(model.Data, seed, say);
        if (data.Count < batch) throw new UserInputException($"the dataset has {data.Count} samples, fewer than one batch of {batch}; lower --batch.");
        batches = new Batches(data, batch, seed, model.Schedule.DropLast);
        run = new RunFolder(options.OutDir, model, LossColumns().ToList(), options.Resume);
        if (options.Resume) RestoreLatest();
        else run.WriteParams(seed, batch, epochs, steps, options.Device);
    }

    static Device DeviceFor(string name)
    {
        if (name == "cpu") return CPU;
        if (name != "cuda") throw new UserInputException($"--device {name}: use cpu or cuda.");
        try { InitializeDeviceType(DeviceType.CUDA); }
        catch (Exception e) { throw new UserInputException($"--device cuda: TorchSharp's CUDA backend could not be loaded ({e.Message}). Install TorchSharp-cuda-linux, or point LD_LIBRARY_PATH at a PyTorch installation's torch/lib."); }
        if (!cuda.is_available()) throw new UserInputException("--device cuda: no CUDA device is available on this machine.");
        return CUDA;
    }

    OptimizerHelper MakeOptimizer(OptimizerIr o)
    {
        var ps = o.Networks.SelectMany(n => nets[n].parameters()).Where(p => p.requires_grad).ToList();
        return o.Kind switch
        {
            OptimizerKind.Adam => optim.Adam(ps, o.Lr, o.Beta1, o.Beta2, o.Eps, o.WeightDecay),
            OptimizerKind.RmsProp => optim.RMSProp(ps, o.Lr, o.Alpha, o.Eps, o.WeightDecay, o.Momentum),
            _ => optim.SGD(ps, o.Lr, o.Momentum, weight_decay: o.WeightDecay),
        };
    }

    /// <summary>Named losses in log order: those the optimisers minimise, then the ones they refer to.</summary>
    IEnumerable<string> LossColumns() => model.Optimizers.Select(o => o.Loss).Concat(model.Losses.Select(l => l.Name)).Distinct();

    void RestoreLatest()
    {
        var dir = Checkpoint.Find(run.Dir);
        var state = Checkpoint.Load(dir, nets, opts);
        Step = state.Step;
        batches.Restore(state.Epoch, state.Index);
        latentGen.set_state(tensor(Convert.FromBase64String(state.LatentRng)));
        set_rng_state(tensor(Convert.FromBase64String(state.TorchRng)));
        elapsedBefore = state.Elapsed;
        run.TruncateLog(Step);
        say($"resumed {run.Dir} from {Path.GetFileName(dir)} (epoch {state.Epoch})");
    }

    public void RequestStop() => stopRequested = true;

    /// <summary>Runs <paramref name="n"/> iterations without logging, sampling or checkpoints (for tests and benchmarks).</summary>
    public void RunSteps(int n)
    {
        foreach (var net in nets.Values) net.train();
        for (int i = 0; i < n; i++) { Iteration(log: false); Step++; }
    }

    /// <summary>Whether the coming iteration (which draws <paramref name="batchesPerIteration"/> batches) ends the schedule.</summary>
    bool IsLastIteration(int batchesPerIteration) => steps > 0
        ? Step + 1 >= steps
        : (long)(epochs - 1 - batches.Epoch) * batches.BatchesPerEpoch + batches.BatchesLeftInEpoch <= batchesPerIteration;

    bool Done => steps > 0 ? Step >= steps : batches.Epoch >= epochs || (batches.Epoch == epochs - 1 && batches.EpochExhausted);

    /// <summary>Runs to the end of the schedule (or until stopped), then writes a final checkpoint.</summary>
    public void Run()
    {
        var clock = Stopwatch.StartNew();
        int batchesPerIteration = 1 + model.Schedule.Order.Sum(s => s.Repeat - 1);
        var progress = new Progress(say, steps > 0 ? steps : epochs * batches.BatchesPerEpoch / batchesPerIteration, Step);
        var fixedLatents = Sampling.FixedLatents(model, device, seed);
        foreach (var net in nets.Values) net.train();      // sampling switches G to eval and back
        var sw = Stopwatch.StartNew();
        long swStep = Step;
        while (!Done && !stopRequested)
        {
            bool log = (Step + 1) % logEvery == 0 || Step == 0 || IsLastIteration(batchesPerIteration);   // curves end at the run's end
            var row = Iteration(log);
            Step++;
            double elapsed = elapsedBefore + clock.Elapsed.TotalSeconds;
            if (log)
            {
                int imagesPerIteration = batch * model.Schedule.Order.Sum(s => s.Repeat);   // images through D or G
                row["images_per_s"] = imagesPerIteration * (Step - swStep) / sw.Elapsed.TotalSeconds;
                sw.Restart();
                swStep = Step;
                row["elapsed_s"] = elapsed;
                run.AppendLog(Step, batches.Epoch, row);
                progress.Report(Step, batches.Epoch, row);
            }
            if (model.Schedule.SampleEvery > 0 && Step % model.Schedule.SampleEvery == 0) Sampling.Save(model, nets, fixedLatents, data, run, Step);
            if (model.Schedule.CheckpointEvery > 0 && Step % model.Schedule.CheckpointEvery == 0) SaveCheckpoint(elapsed);
            if (batches.EpochExhausted && model.Data is Gaussian2dDataIr)
                run.LogEpoch(batches.Epoch + 1, Sampling.DAccuracy(model, nets, data, Step), say);
        }
        double total = elapsedBefore + clock.Elapsed.TotalSeconds;
        Sampling.Save(model, nets, fixedLatents, data, run, Step);
        var ck = SaveCheckpoint(total);
        progress.Finish();
        if (stopRequested) say($"stopped at step {Step}; checkpoint {ck}. Resume with: gan train {run.SpecPath} --out {run.Dir} --resume");
        else say($"done: {Step} steps in {total:F1} s ({DataWaitFraction:P1} of step time waiting for data); run folder {run.Dir}");
    }

    string SaveCheckpoint(double elapsed)
    {
        var state = new CheckpointState(Step, batches.Epoch, batches.Index,
            Convert.ToBase64String(latentGen.get_state().data<byte>().ToArray()),
            Convert.ToBase64String(get_rng_state().data<byte>().ToArray()), elapsed);
        return Checkpoint.Save(run.Dir, nets, opts, state);
    }

    /// <summary>One pass through the step order. Returns the logged values of this iteration.</summary>
    Dictionary<string, double> Iteration(bool log)
    {
        stepClock.Start();
        var row = new Dictionary<string, double>();
        using var iterationScope = NewDisposeScope();
        var share = model.Schedule.FakesPerIteration ? new IterationShare() : null;
        // One real batch per iteration; each extra repeat of a step (n_critic) draws a fresh one, and
        // later steps reuse the most recent batch (as the seeds do: D and G see the same images).
        (Tensor X, Tensor? Y) current = NextBatch();
        foreach (var entry in model.Schedule.Order)
            for (int r = 0; r < entry.Repeat; r++)
            {
                if (r > 0) current = NextBatch();
                OptimizerStep(model.Optimizers.First(x => x.Name == entry.Optimizer), current, log ? row : null, share);
            }
        stepClock.Stop();
        return row;
    }

    /// <summary>
    /// One optimiser step: zero all gradients, evaluate the step's loss on the batch, backpropagate, step
    /// only the optimiser's own networks, clip if declared.
    /// </summary>
    /// <param name="row">the log row to fill, or null on a step that is not logged (no host syncs, no bookkeeping).</param>
    void OptimizerStep(OptimizerIr o, (Tensor X, Tensor? Y) batchXY, Dictionary<string, double>? row, IterationShare? share)
    {
        using var scope = NewDisposeScope();
        var (x, y) = batchXY;
        // bn_stats: own — networks this optimiser does not train keep their BatchNorm running statistics.
        if (model.Schedule.OwnBatchNormStats)
            foreach (var (name, net) in nets) net.FreezeBatchNormStats(!o.Networks.Contains(name));
        if (device.type != DeviceType.CPU) { x = x.to(device); y = y?.to(device); }
        var ctx = new StepContext(model, nets, x, y, latentGen, share, bookkeeping: row is not null, constants);
        // Only this optimiser's gradients: other networks' gradients (say D's, from the G step's backward) are
        // never read until their own step zeroes them, as in the seeds' loops.
        opts[o.Name].zero_grad();
        var loss = ctx.Evaluate(model.Loss(o.Loss).Expr);         // scalar
        // Logged steps read the loss (a host sync) and stop on a non-finite value.
        double value = row is null ? double.NaN : loss.item<float>();
        if (row is not null && !double.IsFinite(value))
            throw new TrainingStoppedException($"loss '{o.Loss}' became {value} at step {Step + 1} (optimiser {o.Name}); the last good checkpoint is kept in {run.Dir}/checkpoints. Lower the learning rate or check the spec.");
        loss.backward();
        opts[o.Name].step();
        foreach (var clip in model.Schedule.Clips)
            if (o.Networks.Contains(clip.Network))
                using (no_grad()) foreach (var p in nets[clip.Network].parameters()) p.clamp_(-clip.Value, clip.Value);
        if (row is null) return;
        row[o.Loss] = value;
        foreach (var (name, t) in ctx.Named) row[name] = t.item<float>();
        if (ctx.DReal is { } dr) row["d_real"] = dr.item<float>();
        if (ctx.DFake is { } df) row["d_fake"] = df.item<float>();
    }

    /// <summary>The built networks by name (for tests that inspect parameters around single steps).</summary>
    public IReadOnlyDictionary<string, NetworkModule> Networks => nets;

    /// <summary>Runs one step of the named optimiser on a fresh real batch, networks in training mode (for tests).</summary>
    public void RunOptimizerStep(string optimizer)
    {
        foreach (var n in nets.Values) n.train();
        using var scope = NewDisposeScope();
        OptimizerStep(model.Optimizers.First(x => x.Name == optimizer), NextBatch(), [], null);
    }

    (Tensor X, Tensor? Y) NextBatch()
    {
        dataClock.Start();
        try { return batches.Next(); }
        finally { dataClock.Stop(); }
    }

    public void Dispose()
    {
        foreach (var n in nets.Values) n.Dispose();
        constants.Dispose();
        batches.Dispose();
        data.Dispose();
    }
}

/// <summary>Progress: a refreshing line on a terminal, plain lines every ~5% (or 30 s) otherwise.</summary>
/// <param name="startStep">the step the run starts from (non-zero after --resume): the rate counts only this process's steps.</param>
sealed class Progress(Action<string> say, long total, long startStep)
{
    readonly bool tty = !Console.IsErrorRedirected;
    readonly Stopwatch clock = Stopwatch.StartNew();
    double lastPrint = -1e9;
    long lastStep;

    public void Report(long step, int epoch, Dictionary<string, double> row)
    {
        double t = clock.Elapsed.TotalSeconds;
        bool milestone = total > 0 && step * 20 / total != lastStep * 20 / total;
        lastStep = step;
        if (tty ? t - lastPrint < 0.2 : !(milestone || t - lastPrint > 30)) return;
        lastPrint = t;
        var losses = string.Join(" ", row.Where(kv => kv.Key is not ("images_per_s" or "elapsed_s")).Select(kv => $"{kv.Key} {kv.Value.ToString("F4", CultureInfo.InvariantCulture)}"));
        double rate = (step - startStep) / Math.Max(t, 1e-9);
        string eta = total > 0 && rate > 0 ? TimeSpan.FromSeconds((total - step) / rate).ToString(@"hh\:mm\:ss") : "?";
        var line = $"step {step}{(total > 0 ? "/" + total : "")} epoch {epoch} | {losses} | {row.GetValueOrDefault("images_per_s"):F0} img/s | ETA {eta}";
        if (tty) Console.Error.Write("\r" + (line.Length > 160 ? line[..160] : line.PadRight(160)));
        else say(line);
    }

    public void Finish() { if (tty) Console.Error.WriteLine(); }
}
