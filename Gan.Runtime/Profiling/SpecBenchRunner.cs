using System.Diagnostics;
using System.Globalization;
using Gan.Dsl;
using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using Gan.Runtime.Model.Layers;
using Gan.Runtime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Profiling;

/// <summary>
/// <see cref="GanBench.Run"/>'s work: options checked, data chosen (<see cref="BenchData"/>), then on one trainer without a
/// run folder: warm-up iterations, iterations counted by an <see cref="OpCounter"/> (never timed: its callback costs time),
/// timed iterations under a <see cref="PhaseClock"/>, and the device's sgemm rate.
/// </summary>
internal static class SpecBenchRunner
{
    static readonly Dictionary<(string Device, int Threads), (double Gflops, string Shape)> sgemm = [];

    public static BenchResult Run(GanSpec spec, ModelIr ir, BenchOptions o, IProgress<string>? progress)
    {
        if (o.Device is not ("cpu" or "cuda")) throw new UserInputException($"--device {o.Device}: use cpu or cuda.");
        if (o.Batch is <= 0) throw new UserInputException($"--batch must be positive, got {o.Batch}");
        if (o.Steps is <= 0) throw new UserInputException($"--steps must be positive, got {o.Steps}");
        if (o.Warmup is < 0) throw new UserInputException($"--warmup must be 0 or more, got {o.Warmup}");
        if (o.CountIterations is <= 0) throw new UserInputException($"the operator count needs at least one iteration");
        if (o.Threads is <= 0) throw new UserInputException($"--threads must be positive, got {o.Threads}");
        if (o.ProfileIterations is <= 0) throw new UserInputException($"the profile needs at least one iteration");
        if (!(o.Seconds > 0) || !double.IsFinite(o.Seconds)) throw new UserInputException($"--seconds must be positive, got {o.Seconds}");
        int batch = o.Batch ?? ir.Schedule.Batch;
        MinibatchStddevLayer.RefuseBatch(ir, batch);
        Native.TorchNative.Prepare();
        var device = Devices.For(o.Device);
        bool cuda = device.type == DeviceType.CUDA;
        var estimate = MemoryEstimate.Check(spec, batch, o.Device, o.Force);
        if (o.Threads is int threads) set_num_threads(threads);
        int seed = o.Seed ?? ir.Schedule.Seed;
        void Say(string s) => progress?.Report(s);
        var (data, description, real) = BenchData.Load(ir.Data, batch, seed, o.Synthetic, Say);
        Trainer trainer;
        var nets = Devices.Build(ir, seed, device);
        try { trainer = new Trainer(ir, nets, seed, device, Options(batch), data, ownsNetworks: true); }
        catch
        {
            foreach (var net in nets.Values) net.Dispose();
            data.Dispose();
            throw;
        }
        using (trainer)
        {
            Say("warming up");
            var (warm, last) = Warmup(trainer, o.Warmup);
            // Counted before the timed iterations, never during them (the callback costs time); they warm up further too.
            int counted = o.CountIterations ?? (last > 1 ? 1 : 2);
            Say($"counting operators ({counted} iteration{(counted == 1 ? "" : "s")})");
            long ops = -1;
            if (OpCounter.Unavailable is null)
                using (var counter = new OpCounter())
                {
                    trainer.RunSteps(counted);
                    ops = counter.Count;
                }
            else trainer.RunSteps(counted);
            var (n, seconds, clock, flops, median) = Timed(ir, trainer, batch, cuda, o, Say);
            double perIteration = seconds / n;
            BenchProfile? profile = null;
            string? profileNote = null;
            if (o.Profile && OpProfiler.Unavailable is { } why) profileNote = why;
            else if (o.Profile)
            {
                Say("profiling operators");
                profile = Profile(trainer, cuda, o.ProfileIterations, median);
            }
            Say("measuring sgemm");
            var (peak, shape) = Sgemm(device, cuda);
            var (cudaBytes, cudaNote) = cuda ? CudaMemory() : (null, null);
            using var process = Process.GetCurrentProcess();
            double gflops = flops / seconds / 1e9;
            int images = batch * ir.Schedule.Order.Sum(s => s.Repeat);
            double Ms(Phase p) => 1000 * clock.Seconds(p) / n;
            return new BenchResult
            {
                Spec = ir.Name, Device = o.Device, Threads = get_num_threads(), Batch = batch, Data = description, RealData = real,
                WarmupIterations = warm, Iterations = n, Seconds = seconds, ImagesPerSecond = (double)images * n / seconds,
                MsPerIteration = 1000 * perIteration, MedianMsPerIteration = 1000 * median, DataMs = Ms(Phase.Data),
                ForwardMs = Ms(Phase.Forward), BackwardMs = Ms(Phase.Backward), OptimizerMs = Ms(Phase.Optimizer),
                OtherMs = Ms(Phase.Other), Synchronized = cuda,
                PeakRssBytes = process.PeakWorkingSet64, RssBytes = process.WorkingSet64, CudaMemoryBytes = cudaBytes,
                CudaMemoryNote = cudaNote, EstimateBytes = estimate.TotalBytes,
                OpsPerIteration = ops < 0 ? double.NaN : ops / (double)counted,
                CountedIterations = counted, FlopsPerIteration = flops / n, Gflops = gflops, SgemmGflops = peak, SgemmShape = shape,
                SgemmFraction = gflops / peak, FlopsNote = FlopsNote, Profile = profile, ProfileNote = profileNote,
                LinearProducts = cuda ? null : Model.CpuLinear.Description,
            };
        }
    }

    const string FlopsNote =
        "the matmul and convolution FLOPs the iteration executes, from the checked shapes (linear, conv2d, conv_transpose2d, "
        + "modconv2d, self-attention's products): each layer's forward; in a network the step trains, its weight gradient; "
        + "and its input gradient where its input needs one (not in the first layer of D on real data or of G on a latent); "
        + "a frozen network's input gradients when a gradient passes through it (D in the G step); a gradient penalty or R1 "
        + "two passes of 3× the forward; elementwise work, normalisation and the optimiser are not counted";

    static TrainOptions Options(int batch) => new() { RunFolder = false, Batch = batch };

    /// <summary>
    /// The given number of iterations, or at least two and half a second (one when the first takes over three seconds: the
    /// operator count's iterations follow, untimed); returns them and the last one's seconds.
    /// </summary>
    static (int Done, double Last) Warmup(Trainer trainer, int? given)
    {
        var sw = Stopwatch.StartNew();
        int done = 0;
        double last = 0;
        bool More() => given is int w ? done < w
            : done == 0 || (done == 1 && sw.Elapsed.TotalSeconds < 3) || sw.Elapsed.TotalSeconds < 0.5;
        while (More())
        {
            double before = sw.Elapsed.TotalSeconds;
            trainer.RunSteps(1);
            last = sw.Elapsed.TotalSeconds - before;
            done++;
        }
        return (done, last);
    }

    /// <summary>The timed iterations: how many, their wall time, the phase clock, their matmul/conv FLOPs, the median iteration.</summary>
    static (int N, double Seconds, PhaseClock Clock, double Flops, double Median) Timed(ModelIr ir, Trainer trainer, int batch, bool cuda,
                                                                         BenchOptions o, Action<string> say)
    {
        var perStep = StepFlops.Steps(ir);
        var clock = new PhaseClock(cuda);
        double flops = 0, reported = 0;
        int n = 0;
        var each = new List<double>();
        say(o.Steps is int steps ? $"timing {steps} iterations" : $"timing for {o.Seconds.ToString(CultureInfo.InvariantCulture)} s");
        if (cuda) torch.cuda.synchronize();
        var wall = Stopwatch.StartNew();
        while (o.Steps is int s ? n < s : n == 0 || wall.Elapsed.TotalSeconds < o.Seconds)
        {
            flops += StepFlops.Iteration(ir, perStep, trainer.Step, batch);
            double before = clock.TotalSeconds;
            clock.Start();
            try { trainer.RunSteps(1); }
            finally { clock.Stop(); }
            each.Add(clock.TotalSeconds - before);
            n++;
            if (wall.Elapsed.TotalSeconds - reported >= 1)
            {
                reported = wall.Elapsed.TotalSeconds;
                say(o.Steps is int total
                    ? $"timing: {n}/{total} iterations, {reported:F0} s"
                    : $"timing: {n} iterations, {reported:F0} s of {o.Seconds.ToString(CultureInfo.InvariantCulture)} s");
            }
        }
        each.Sort();
        return (n, wall.Elapsed.TotalSeconds, clock, flops, each[each.Count / 2]);
    }

    /// <summary>
    /// Iterations under an <see cref="OpProfiler"/>: the given number, or at least two (one when an iteration takes over three
    /// seconds) and about two seconds' worth, 200 at most; each record's calls and times per iteration.
    /// </summary>
    static BenchProfile Profile(Trainer trainer, bool cuda, int? given, double median)
    {
        int n = given ?? (int)Math.Clamp(Math.Ceiling(2.0 / Math.Max(median, 1e-6)), median > 3 ? 1 : 2, 200);
        if (cuda) torch.cuda.synchronize();
        double seconds, outside;
        IReadOnlyDictionary<string, OpProfiler.Totals> totals;
        IReadOnlyDictionary<(string Name, string Via), OpProfiler.Totals> paths;
        using (var profiler = new OpProfiler())
        {
            trainer.RunSteps(n);
            if (cuda) torch.cuda.synchronize();
            (seconds, outside, totals, paths) = profiler.Snapshot();
        }
        double ms = 1000.0 / n, tick = ms / Stopwatch.Frequency;
        var byName = paths.GroupBy(kv => kv.Key.Name).ToDictionary(g => g.Key, g => g
            .Select(kv => new OperatorPath(kv.Key.Via, kv.Value.Calls / (double)n, kv.Value.SelfTicks * tick))
            .OrderByDescending(p => p.SelfMs).ThenBy(p => p.Via, StringComparer.Ordinal).ToList());
        return new BenchProfile
        {
            Iterations = n, MsPerIteration = seconds * ms, OutsideMs = outside * ms, HostTimes = cuda,
            Operators = [.. totals.Select(kv => new OperatorTime(kv.Key, kv.Value.Calls / (double)n, kv.Value.SelfTicks * tick,
                                                                 kv.Value.TotalTicks * tick) { Paths = byName[kv.Key] })
                                  .OrderByDescending(r => r.SelfMs).ThenBy(r => r.Name, StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// float32 matmul GFLOP/s on the device at torch's thread count (1024² on the CPU, 4096² on CUDA), each product into the same
    /// output: the median of at least seven products (and half a second) after two warm-ups, measured once per process.
    /// </summary>
    static (double Gflops, string Shape) Sgemm(Device device, bool cuda)
    {
        var key = (cuda ? "cuda" : "cpu", get_num_threads());
        if (sgemm.TryGetValue(key, out var known)) return known;
        int n = cuda ? 4096 : 1024;
        using var scope = NewDisposeScope();
        var a = full(n, n, 0.5f, device: device);
        var b = full(n, n, 0.25f, device: device);
        // Into one output: the product's own rate, not that of its fresh output's first touches (with huge pages, a 4 MB
        // output faulted in per product took a fifth of sgemm's time here).
        var c = empty(n, n, device: device);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        for (int i = 0; i < 2 + 7 || (total.Elapsed.TotalSeconds < 0.5 && i < 200); i++)
        {
            var sw = Stopwatch.StartNew();
            c.addmm_(a, b, beta: 0, alpha: 1);
            if (cuda) torch.cuda.synchronize();
            if (i >= 2) times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return sgemm[key] = (2.0 * n * n * n / times[times.Count / 2] / 1e9, $"float32 {n}×{n}×{n}");
    }

    /// <summary>
    /// The GPU memory of this process from nvidia-smi: TorchSharp 0.107 exposes no CUDA memory query (no
    /// memory_allocated or max_memory_allocated), so the caching allocator's peak is out of reach; what the process holds at the
    /// end (the allocator keeps what it reserved) is the closest figure.
    /// </summary>
    static (long? Bytes, string Note) CudaMemory()
    {
        const string missing = "TorchSharp 0.107 exposes no CUDA memory query";
        try
        {
            var info = new ProcessStartInfo("nvidia-smi", "--query-compute-apps=pid,used_memory --format=csv,noheader,nounits")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(info);
            if (p is null) return (null, missing + " and nvidia-smi could not be started");
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000) || p.ExitCode != 0) return (null, missing + " and nvidia-smi failed");
            foreach (var line in output.Split('\n'))
            {
                var parts = line.Split(',', StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0] == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
                    && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var mib))
                    return (mib * 1048576, missing + "; nvidia-smi's memory of this process at the end (what the caching "
                                                     + "allocator holds, about its peak)");
            }
            return (null, missing + " and nvidia-smi does not list this process");
        }
        catch (System.ComponentModel.Win32Exception) { return (null, missing + " and nvidia-smi is not on the PATH"); }
    }
}
