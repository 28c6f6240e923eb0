using System.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Errors;
using Gan.Runtime.Metrics;
using Gan.Runtime.Model;
using Gan.Runtime.Model.Layers;
using Gan.Runtime.Runs;
using Gan.Runtime.Sampling;
using OptimizerHelper = TorchSharp.Modules.OptimizerHelper;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Trains a compiled spec. Each iteration runs the schedule's step order (e.g. D×5 then G); each step draws a real
/// batch, zeroes its optimiser's gradients, evaluates its loss, backpropagates, steps only the optimiser's own
/// networks and clips if declared. Every step runs inside a dispose scope. The constructor builds the optimisers and
/// does no I/O; <see cref="Run"/> opens the data and the run folder.
/// </summary>
internal sealed partial class Trainer : IDisposable
{
    readonly ModelIr model;
    readonly TrainOptions options;
    readonly Device device;
    readonly IReadOnlyDictionary<string, NetworkModule> nets;
    readonly bool ownsNetworks;
    readonly Dictionary<string, OptimizerHelper> opts = [];
    readonly Dictionary<string, OptimizerHelper> owned = [];      // the optimisers with their own state (no aliases)
    readonly Generator latentGen;
    readonly int seed;
    readonly Dictionary<string, TorchSharp.Modules.Parameter[]> trainable;   // each network's parameters that require grad
    int batch, epochs, logEvery;
    int? evalEvery, evalSamples;           // --eval-every, --eval-n: a resumed run's own unless given again
    long steps, total;
    readonly Stopwatch dataClock = new(), stepClock = new();
    readonly RunConstants constants = new();
    readonly string outDir;
    TensorDataset? data;
    Batches? batches;
    RunFolder? run;
    TensorBoardLog? tb;
    double elapsedBefore;

    /// <summary>
    /// Builds the spec's networks from its schedule's seed on the CPU (for tests and benchmarks: the data may be given).
    /// </summary>
    public Trainer(ModelIr model, TrainOptions options, TensorDataset? data = null)
        : this(model, Devices.Build(model, model.Schedule.Seed, CPU), model.Schedule.Seed, CPU, options, data, ownsNetworks: true) { }

    /// <param name="nets">the networks, built from <paramref name="seed"/> (the run seed) on <paramref name="device"/>.</param>
    public Trainer(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, int seed, Device device, TrainOptions options,
                   TensorDataset? data, bool ownsNetworks)
    {
        options.Validate();
        this.model = model;
        this.options = options;
        this.nets = nets;
        this.ownsNetworks = ownsNetworks;
        this.data = data;
        this.device = device;
        this.seed = seed;
        outDir = options.OutDir ?? Path.Combine("runs", $"{model.Name}-{DateTime.Now:yyyyMMdd-HHmmss}");
        batch = options.Batch ?? model.Schedule.Batch;
        MinibatchStddevLayer.RefuseBatch(model, batch);
        epochs = options.Epochs ?? (options.Steps is null ? model.Schedule.Epochs : 0);
        steps = options.Steps ?? (options.Epochs is null ? model.Schedule.Steps : 0);
        logEvery = options.LogEvery ?? 1;
        (evalEvery, evalSamples) = (options.EvalEvery, options.EvalSamples);
        // An alias (lazy regularisation) steps the very object of the optimiser it shares: one Adam state, saved once.
        var claimed = new HashSet<IntPtr>();           // a parameter is in one flat buffer at most
        foreach (var o in model.Optimizers.Where(o => o.SharesStateOf is null))
            opts[o.Name] = owned[o.Name] = Optimizers.Make(o, nets, !options.TorchSharpOptimizers, claimed);
        foreach (var o in model.Optimizers.Where(o => o.SharesStateOf is not null)) opts[o.Name] = opts[o.SharesStateOf!];
        latentGen = new Generator((ulong)seed + 17, device);
        trainable = options.EveryGradient
            ? []
            : nets.ToDictionary(n => n.Key, n => n.Value.parameters().Where(p => p.requires_grad).ToArray());
    }

    public long Step { get; private set; }

    /// <summary>The optimiser object an optimiser of the spec steps (an alias's is the one it shares; for tests).</summary>
    public OptimizerHelper OptimizerOf(string name) => opts[name];

    /// <summary>The built networks by name.</summary>
    public IReadOnlyDictionary<string, NetworkModule> Networks => nets;

    /// <summary>The share of training-step time spent waiting for real batches.</summary>
    public double DataWaitFraction =>
        stepClock.Elapsed.TotalSeconds > 0 ? dataClock.Elapsed.TotalSeconds / stepClock.Elapsed.TotalSeconds : 0;

    /// <summary>Loads the data (once) and prepares the batch stream.</summary>
    Batches Data(Action<string> notice)
    {
        if (batches is not null) return batches;
        data ??= DataKind.For(model.Data).Load(model.Data, seed, notice);
        if (data.Count < batch)
            throw new UserInputException($"the dataset has {data.Count} samples, fewer than one batch of {batch}; lower --batch.");
        return batches = new(data, batch, seed, model.Schedule.DropLast, flip: model.Data.Flip, labels: LossUses.ReadsLabels(model));
    }

    /// <summary>Named losses in log order: those the optimisers minimise, then the ones they refer to.</summary>
    IEnumerable<string> LossColumns() => model.Optimizers.Select(o => o.Loss).Concat(model.Losses.Select(l => l.Name)).Distinct();

    /// <summary>
    /// Continues a run from its newest readable checkpoint (a damaged newest one falls back to the one before, with a
    /// warning), or from step 0 when it was killed before its first checkpoint.
    /// </summary>
    void Restore(Batches b, Action<string> notice)
    {
        var found = Checkpoint.LoadNewest(run!.Dir, nets, owned, CheckpointFiles.SpecHash(model), notice);
        if (found is not var (dir, state))
        {
            run.TruncateLog(0);
            notice($"{run.Dir} has no checkpoint yet: training it again from step 0");
            return;
        }
        Step = state.Step;
        b.Restore(state.Epoch, state.Index);
        using (NewDisposeScope())   // the generators' state tensors
        {
            latentGen.set_state(tensor(Convert.FromBase64String(state.LatentRng)));
            set_rng_state(tensor(Convert.FromBase64String(state.TorchRng)));
        }
        elapsedBefore = state.Elapsed;
        run.TruncateLog(Step);
        notice($"resumed {run.Dir} from {Path.GetFileName(dir)} (epoch {state.Epoch})");
    }

    /// <summary>
    /// Takes a resumed run's batch, length and log interval from its params.json (refusing contradicting options): the params
    /// as recorded, and as this run uses them (a longer schedule at most).
    /// </summary>
    (RunParams Recorded, RunParams Settled) Settle()
    {
        var recorded = RunParams.Read(outDir);
        var settled = Resumption.Settle(recorded, new ResumeRequest(seed, Devices.Name(device), model.Overrides,
                                                                    CheckpointFiles.SpecHash(model), options.Batch, options.Epochs,
                                                                    options.Steps, options.LogEvery), outDir);
        (batch, epochs, steps, logEvery) = (settled.Batch, settled.Steps > 0 ? 0 : settled.Epochs, settled.Steps, settled.LogEvery);
        (evalEvery, evalSamples) = options.EvalEvery is null ? (recorded.EvalEvery, recorded.EvalSamples)
                                                             : (options.EvalEvery, options.EvalSamples ?? recorded.EvalSamples);
        return (recorded, settled);
    }

    /// <summary>
    /// A lengthened run records in params.json when (at which step) and from what length it was lengthened; a run resumed with
    /// TensorBoard events that had none records that it writes them; one resumed with other evaluations records those.
    /// </summary>
    void RecordChanges(RunParams recorded, RunParams settled)
    {
        bool lengthened = settled.Steps != recorded.Steps || settled.Epochs != recorded.Epochs;
        if (!lengthened && settled.TensorBoard == recorded.TensorBoard && settled.EvalEvery == recorded.EvalEvery
            && settled.EvalSamples == recorded.EvalSamples) return;
        var extension = new RunExtension(Step, recorded.Steps, recorded.Epochs, settled.Steps, settled.Epochs,
                                         DateTime.UtcNow.ToString("o"));
        (lengthened ? settled with { Extensions = [.. settled.Extensions, extension] } : settled).Write(run!.Dir);
    }

    /// <summary>Whether the coming iteration (which draws <paramref name="batchesPerIteration"/> batches) ends the schedule.</summary>
    bool IsLastIteration(Batches b, int batchesPerIteration) => steps > 0
        ? Step + 1 >= steps
        : (long)(epochs - 1 - b.Epoch) * b.BatchesPerEpoch + b.BatchesLeftInEpoch <= batchesPerIteration;

    bool Done(Batches b) => steps > 0 ? Step >= steps : b.Epoch >= epochs || (b.Epoch == epochs - 1 && b.EpochExhausted);

    /// <summary>
    /// Runs to the end of the schedule (or until <paramref name="cancel"/>), writing the run folder when the options ask
    /// for one: log rows, sample pictures, checkpoints, and a final picture and checkpoint.
    /// </summary>
    public TrainResult Run(IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        int imagesPerIteration = batch * model.Schedule.Order.Sum(s => s.Repeat);   // images through D or G
        long start = 0;
        var empty = new Dictionary<string, double>();
        void Notice(string s) => progress?.Report(new TrainProgress(Step, total, start, batches?.Epoch ?? 0, empty, s));
        (RunParams Recorded, RunParams Settled)? resumed = options.RunFolder && options.Resume ? Settle() : null;
        var b = Data(Notice);
        total = Total(b);
        if (options.RunFolder)
        {
            run = new RunFolder(outDir, [.. LossColumns()], resume: resumed is not null);
            if (resumed is var (recorded, settled))
            {
                Restore(b, Notice);
                RecordChanges(recorded, settled with
                {
                    TensorBoard = recorded.TensorBoard || options.TensorBoard, EvalEvery = evalEvery, EvalSamples = evalSamples,
                });
            }
            else
                run.Start(model, RunParams.New(model, seed, batch, epochs, steps, Devices.Name(device), logEvery, options.TensorBoard,
                                               evalEvery, evalSamples));
        }
        start = Step;
        if (run is not null && Generation.Describe(model, $"sample {{ generator: {model.Sampling.Generator} }}") is { } which)
            Notice(which);
        var kind = DataKind.For(model.Data);
        // The fixed-noise picture's latents: only a run folder draws them (from their own generator: the training's random
        // streams are the same either way). Made outside every step's scope, they live until the run ends.
        var fixedLatents = run is null ? null : Generation.FixedLatents(model, device, seed);
        try
        {
            // A resumed run's events start at the first step it logs: TensorBoard drops the earlier files' points from there.
            if (run is not null && (options.TensorBoard || resumed?.Recorded.TensorBoard == true))
                tb = TensorBoardLog.Open(run.Dir, resumed is null ? null : Step + 1);
            foreach (var net in nets.Values) net.train();      // drawing switches G to eval and back
            var sw = Stopwatch.StartNew();
            long swStep = Step;
            while (!Done(b) && !cancel.IsCancellationRequested)
            {
                // Curves end at the run's end.
                bool log = (Step + 1) % logEvery == 0 || Step == 0 || IsLastIteration(b, BatchesPerIteration(Step));
                var row = Iteration(log);
                Step++;
                double elapsed = elapsedBefore + clock.Elapsed.TotalSeconds;
                if (log)
                {
                    row["images_per_s"] = imagesPerIteration * (Step - swStep) / sw.Elapsed.TotalSeconds;
                    sw.Restart();
                    swStep = Step;
                    row["elapsed_s"] = elapsed;
                    run?.AppendLog(Step, b.Epoch, row);
                    tb?.Scalars(Step, run!.Values(b.Epoch, row));
                    progress?.Report(new TrainProgress(Step, total, start, b.Epoch, row));
                }
                if (run is null) continue;
                if (model.Schedule.SampleEvery > 0 && Step % model.Schedule.SampleEvery == 0) Draw(kind, fixedLatents!);
                // Every row of a step is written before its checkpoint: a resume from the checkpoint finds them whole.
                if (b.EpochExhausted && kind.EpochStatistic(model, nets, data!, Step, device) is double accuracy)
                {
                    run.LogEpoch(b.Epoch + 1, accuracy, Notice);
                    tb?.Scalars(Step, [("d_accuracy", accuracy)]);
                }
                if (model.Schedule.CheckpointEvery > 0 && Step % model.Schedule.CheckpointEvery == 0) SaveCheckpoint(b, elapsed);
                if (evalEvery is int every && Step % every == 0) EvaluateNow(b, elapsed, Notice);
            }
            double seconds = elapsedBefore + clock.Elapsed.TotalSeconds;
            string? checkpoint = null;
            if (run is not null)
            {
                Draw(kind, fixedLatents!);
                checkpoint = SaveCheckpoint(b, seconds);
                if (evalEvery is int every && Step % every != 0 && !cancel.IsCancellationRequested)
                    TrainingEvaluation.At(run.Dir, Step, evalSamples, Notice);
            }
            return new TrainResult(Step, seconds, cancel.IsCancellationRequested, run?.Dir, checkpoint, null, DataWaitFraction);
        }
        finally
        {
            if (fixedLatents is not null) foreach (var t in fixedLatents.Values) t.Dispose();
            tb?.Dispose();
            tb = null;
        }
    }

    /// <summary>`--eval-every`: this step's checkpoint (saved unless the schedule just saved it), evaluated.</summary>
    void EvaluateNow(Batches b, double elapsed, Action<string> notice)
    {
        if (model.Schedule.CheckpointEvery <= 0 || Step % model.Schedule.CheckpointEvery != 0) SaveCheckpoint(b, elapsed);
        TrainingEvaluation.At(run!.Dir, Step, evalSamples, notice);
    }

    /// <summary>The fixed-noise picture of this step, as the data kind draws it.</summary>
    void Draw(DataKind kind, IReadOnlyDictionary<string, Tensor> fixedLatents)
    {
        using var scope = NewDisposeScope();
        var fake = Generation.Generate(model, nets, fixedLatents);
        var path = Path.Combine(run!.SamplesDir, $"step-{Step:D7}.png");
        kind.Draw(model, fake, model.Sampling.Rows, model.Sampling.Cols, path, $"step {Step}: real (blue) vs generated (orange)", data);
        tb?.Image(Step, "samples", File.ReadAllBytes(path));
    }

    string SaveCheckpoint(Batches b, double elapsed)
    {
        CheckpointState state;
        using (NewDisposeScope())   // the generators' state tensors
            state = new CheckpointState(Step, b.Epoch, b.Index,
                Convert.ToBase64String(latentGen.get_state().data<byte>().ToArray()),
                Convert.ToBase64String(get_rng_state().data<byte>().ToArray()), elapsed, SpecHash: CheckpointFiles.SpecHash(model));
        return Checkpoint.Save(run!.Dir, nets, owned, state);
    }

    /// <summary>The run's iterations: its steps, or its epochs' batches over the batches an iteration draws (lr_decay's end).</summary>
    long Total(Batches b) => steps > 0 ? steps : epochs * b.BatchesPerEpoch / BatchesPerIteration(0);

    /// <summary>The real batches iteration <paramref name="t"/> draws: one, and one more per extra repeat of a step it runs.</summary>
    int BatchesPerIteration(long t) => 1 + model.Schedule.Order.Where(s => s.RunsAt(t)).Sum(s => s.Repeat - 1);

    /// <summary>One pass through the step order (the entries whose <c>every</c> falls on it); returns the logged values.</summary>
    Dictionary<string, double> Iteration(bool log)
    {
        LearningRates.Set(model, opts, Step, total);
        stepClock.Start();
        var row = new Dictionary<string, double>();
        using var iterationScope = NewDisposeScope();
        var share = model.Schedule.FakesPerIteration ? IterationShare.For(model) : null;
        // One real batch per iteration; each extra repeat of a step (n_critic) draws a fresh one, and
        // later steps reuse the most recent batch (as the seeds do: D and G see the same images).
        (Tensor X, Tensor? Y) current = NextBatch();
        foreach (var entry in model.Schedule.Order.Where(e => e.RunsAt(Step)))
            for (int r = 0; r < entry.Repeat; r++)
            {
                if (r > 0) current = NextBatch();
                OptimizerStep(model.Optimizers.First(x => x.Name == entry.Optimizer), current, log ? row : null, share);
            }
        stepClock.Stop();
        return row;
    }

    /// <summary>
    /// One optimiser step: zero its gradients, evaluate the step's loss on the batch, backpropagate, step only the
    /// optimiser's own networks, clip if declared.
    /// </summary>
    /// <param name="row">the log row to fill, or null on a step that is not logged (no host syncs, no bookkeeping).</param>
    void OptimizerStep(OptimizerIr o, (Tensor X, Tensor? Y) batchXY, Dictionary<string, double>? row, IterationShare? share)
    {
        using var scope = NewDisposeScope();
        PhaseClock.Enter(Phase.Data);       // the phase marks time `gan bench`'s split; without a bench clock they cost nothing
        DrawRecorder.Active?.StepStarts(nets);
        var (x, y) = batchXY;
        // bn_stats: own — networks this optimiser does not train keep their BatchNorm running statistics.
        if (model.Schedule.OwnBatchNormStats)
            foreach (var (name, net) in nets) net.FreezeBatchNormStats(!o.Networks.Contains(name));
        if (device.type != DeviceType.CPU) { x = x.to(device); y = y?.to(device); }
        if (x.dtype != get_default_dtype()) x = x.to_type(get_default_dtype());       // a float64 record (IterationRecord)
        var ctx = new StepContext(model, nets, x, y, latentGen, share, bookkeeping: row is not null, constants);
        // Only this optimiser's gradients: other networks' gradients (say D's, from the G step's backward) are
        // never read until their own step zeroes them, as in the seeds' loops.
        PhaseClock.Enter(Phase.Optimizer);
        opts[o.Name].zero_grad();
        PhaseClock.Enter(Phase.Forward);
        Tensor loss; double value;
        // The networks the step does not train are frozen: their own step zeroes their gradients first, so the backward only
        // carries gradients through them (no D weight gradients in the G step). Every value kept is the same to the bit.
        FreezeOthers(o, true);
        try
        {
            loss = ctx.Evaluate(model.Loss(o.Loss).Expr);         // scalar
            DrawRecorder.Active?.Step(o.Name, o.Loss, loss, ctx);
            // Logged steps read the loss (a host sync) and stop on a non-finite value.
            value = row is null ? double.NaN : Value(loss);
            if (row is not null && !double.IsFinite(value))
                throw new UserInputException(
                    $"loss '{o.Loss}' became {value} at step {Step + 1} (optimiser {o.Name}); the last good checkpoint is kept in "
                    + $"{run?.Dir ?? "(no run folder)"}/checkpoints. Lower the learning rate or check the spec.");
            PhaseClock.Enter(Phase.Backward);
            // A loss that does not depend on the step's own networks has no graph left: their gradients stay zero, as before.
            if (loss.requires_grad) loss.backward();
        }
        finally { FreezeOthers(o, false); }
        DrawRecorder.Active?.AfterBackward(o.Networks, nets, opts[o.Name]);
        PhaseClock.Enter(Phase.Optimizer);
        opts[o.Name].step();
        foreach (var clip in model.Schedule.Clips.Where(c => o.Networks.Contains(c.Network)))
            Optimizers.Clip(opts[o.Name], nets[clip.Network], clip.Value);
        EmaCopies.AfterStep(model, nets, o, opts[o.Name], Step, batch);
        if (row is null) return;
        row[o.Loss] = value;
        foreach (var (name, t) in ctx.Named) row[name] = Value(t);
        if (ctx.DReal is { } dr) row["d_real"] = Value(dr);
        if (ctx.DFake is { } df) row["d_fake"] = Value(df);
    }

    /// <summary>Freezes (or thaws) the trainable parameters of the networks <paramref name="o"/> does not train.</summary>
    void FreezeOthers(OptimizerIr o, bool freeze)
    {
        foreach (var p in trainable.Where(n => !o.Networks.Contains(n.Key)).SelectMany(n => n.Value)) p.requires_grad = !freeze;
    }

    /// <summary>A scalar's value (float32 as training runs; float64 in a float64 record).</summary>
    static double Value(Tensor t) => t.dtype == ScalarType.Float64 ? t.item<double>() : t.item<float>();

    (Tensor X, Tensor? Y) NextBatch()
    {
        PhaseClock.Enter(Phase.Data);
        dataClock.Start();
        try
        {
            var (x, y) = batches!.Next();
            DrawRecorder.Note("real", x);
            return (x, y is null ? null : DrawRecorder.Note("labels", y));
        }
        finally { dataClock.Stop(); }
    }

    public void Dispose()
    {
        if (ownsNetworks) foreach (var n in nets.Values) n.Dispose();
        foreach (var o in owned.Values) o.Dispose();      // a flat optimiser's buffers hold the parameters' storage
        constants.Dispose();
        tb?.Dispose();
        batches?.Dispose();
        data?.Dispose();
    }
}
