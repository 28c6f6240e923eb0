using System.Diagnostics;
using Gan.Bench;
using TorchSharp;
using static TorchSharp.torch;

// gan-bench: prints figures; never a pass/fail test. See bench/RESULTS.md for recorded results.
if (args is ["check-speed", ..])
{
    // `check-speed [REPEATS]`: warm check of a 1,000-line spec and cold `gan check specs/*.gan` processes; no libtorch.
    CheckSpeedBench.Run(args.Length > 1 && int.TryParse(args[1], out var n) && n > 2 ? n : 21);
    return;
}
if (args is ["bigspec", ..])
{
    // Before libtorch loads (below), so that the peak working set is the compiler's alone.
    BigSpecBench.Run(args.Length > 1 && int.TryParse(args[1], out var mb) && mb > 0 ? mb : 10);
    return;
}
if (args is ["lsp", ..])
{
    // `lsp [LINES]`: each request kind of the language server on a generated spec (default 1,000 lines); no libtorch.
    LspBench.Run(args.Length > 1 && int.TryParse(args[1], out var lines) && lines > 0 ? lines : 1000);
    return;
}
var threads = int.TryParse(Environment.GetEnvironmentVariable("GAN_BENCH_THREADS"), out var t) && t > 0 ? t : Environment.ProcessorCount;
torch.set_num_threads(threads);
torch.manual_seed(0);
var device = CPU;
Console.WriteLine($"# gan-bench {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                  $"torch threads {torch.get_num_threads()}, TorchSharp {Gan.Runtime.RuntimeInfo.TorchSharpVersion}, " +
                  $"libtorch {Gan.Runtime.RuntimeInfo.LibTorchVersion}");

var only = args.Length > 0 ? args[0] : "all";

if (only is "all" or "sgemm")
{
    // Machine peak for the CPU-efficiency figure: float32 matmul through libtorch at the same thread count.
    foreach (var n in new[] { 512, 1024, 2048 })
    {
        using var a = randn(n, n); using var b = randn(n, n); using var c = empty(n, n);
        var m = Harness.Throughput($"sgemm {n}x{n}x{n}", "GFLOP/s", 2.0 * n * n * n / 1e9, () => c.addmm_(a, b, beta: 0, alpha: 1));
        Console.WriteLine(m);
    }
}

if (only is "all" or "compile")
{
    CompiledBench.CompileTimes();
}

if (only is "all" or "ratio")
{
    // `ratio NAME` runs one spec. Small models get long rounds: their steps take well under a millisecond.
    var only2 = args.Length > 1 ? args[1] : null;
    bool Run(string name) => only2 is null || only2 == name;
    if (Run("gaussian2d")) CompiledBench.Throughput("gaussian2d", new Gaussian2dHand(4, device), 2000, 11);
    if (Run("mnist-mlp")) CompiledBench.Throughput("mnist-mlp", new MnistMlpHand(128, device), 20, 7);
    if (Run("tf-basic")) CompiledBench.Throughput("tf-basic", new TfBasicHand(128, device), 300, 11);
    if (Run("acgan")) CompiledBench.Throughput("acgan", new AcGanHand(10, device), 10, 5);
    if (Run("anime-dcgan")) CompiledBench.Throughput("anime-dcgan", new AnimeDcganHand(64, device), 3, 5);
}

if (only is "ops")
{
    // `ops [SPEC ...]`: ATen operator calls per training iteration (a libtorch RecordFunction counter), every spec by default.
    OpsBench.Run(args[1..]);
}

if (only is "rf-calibration")
{
    // `rf-calibration [SPEC]`: the random-feature metrics on a real set's half against the other half, blurred, noisy, shuffled.
    Gan.Bench.RfCalibration.Run(args.Length > 1 ? args[1] : "specs/sngan32.gan");
}

if (only is "judge-calibration")
{
    // `judge-calibration [mnist|fashion-mnist]`: the judge metrics on real images blurred, noisy, thickened, blended, one class short.
    var setName = args.Length > 1 ? args[1] : "mnist";
    if (Gan.Runtime.Metrics.JudgeSet.Named(setName) is not { } set)
    {
        Console.Error.WriteLine($"gan-bench judge-calibration: no judge for '{setName}'; "
                                + "usage: gan-bench judge-calibration [mnist|fashion-mnist]");
        Environment.Exit(1);
        return;
    }
    Gan.Bench.JudgeCalibration.Run(set);
}

if (only is "sngan")
{
    // `sngan [BATCH [ITERATIONS [ROUNDS]]]`: specs/sngan32.gan against Gan.Bench/SnganHand.cs, ms per iteration (D×5 + G).
    int Arg(int i, int d) => args.Length > i && int.TryParse(args[i], out var v) && v > 0 ? v : d;
    SnganBench.Run(Arg(1, 16), Arg(2, 2), Arg(3, 7));
}

if (only is "sngan-profile")
{
    // `sngan-profile [BATCH [REPEATS]]`: the parts of an sngan32 iteration one at a time, compiled against hand-written.
    int Arg(int i, int d) => args.Length > i && int.TryParse(args[i], out var v) && v > 0 ? v : d;
    SnganProfile.Run(Arg(1, 16), Arg(2, 7));
}

if (only == "onednn")
{
    // `onednn [layers]`: MKL's matmul against oneDNN's convolutions on this CPU (see OneDnnBench); `layers`: only the
    // linear layers' forward and backward both ways.
    if (args.Length > 1 && args[1] == "layers") OneDnnBench.Layers();
    else OneDnnBench.Run();
}

if (only == "fused")
{
    // `fused SPEC [STEPS]`: the one-pass CPU optimiser updates against the tensor-op ones, alternating in one process.
    FusedBench.Run(args.Length > 1 ? args[1] : "wgan-clip", args.Length > 2 && int.TryParse(args[2], out var fs) && fs > 0 ? fs : 20, 11);
}

if (only == "linear")
{
    // `linear SPEC [STEPS]`: the linear layers' products on oneDNN against MKL's addmm, alternating in one process.
    int steps = args.Length > 2 && int.TryParse(args[2], out var ls) && ls > 0 ? ls : 20;
    FusedBench.Linear(args.Length > 1 ? args[1] : "mnist-mlp", steps, 11);
}

if (only is "all" or "efficiency")
{
    // `efficiency [ROUNDS]`: alternating rounds of 20 steps and of sgemm (default 15 each).
    int rounds = only == "efficiency" && args.Length > 1 && int.TryParse(args[1], out var r) && r > 0 ? r : 15;
    CompiledBench.Efficiency("mnist-mlp", 20, rounds);
}

if (only is "mnist-hand-quality")
{
    // A differential check of the seed recipe's quality, independent of GanDsl's compiler and trainer: the
    // hand-written TorchSharp loop trained on real MNIST for 5 epochs, judged like `gan eval`.
    // 60000×1×28×28 in [0, 1]
    var (x, _) = Gan.Runtime.Metrics.JudgeCache.Images(Gan.Runtime.Metrics.JudgeSet.Mnist, "train", Console.WriteLine);
    var flat = (x.reshape(x.shape[0], 784) * 2 - 1).DetachFromDisposeScope();
    var hand = new MnistMlpHand(128, device);
    var sw = Stopwatch.StartNew();
    for (int epoch = 0; epoch < 5; epoch++)
    {
        var perm = randperm(flat.shape[0]);
        for (int i = 0; i + 128 <= flat.shape[0]; i += 128)
            using (var s = NewDisposeScope()) hand.Step(flat.index_select(0, perm.narrow(0, i, 128)));
        Console.WriteLine($"epoch {epoch + 1} done at {sw.Elapsed.TotalSeconds:F0} s");
    }
    Console.WriteLine("hand-written mnist-mlp, 5 epochs:");
    JudgeSamples(((hand.Sample(10000) + 1) / 2).clamp(0, 1).reshape(10000, 1, 28, 28));
}

if (only is "judge-raw")
{
    // Samples made by another tool (e.g. bench/pytorch/seed001.py, the seed's recipe in PyTorch), judged exactly like
    // `gan eval` judges a run: a raw little-endian float32 file of N×784 values in [0, 1].
    var path = args.Length > 1 ? args[1] : "";
    long length = File.Exists(path) ? new FileInfo(path).Length : 0;
    if (length == 0 || length % (784 * 4) != 0)
    {
        Console.Error.WriteLine($"gan-bench judge-raw: '{path}' is missing or not a whole number of 28×28 float32 images " +
                                "(784·4 bytes each); usage: gan-bench judge-raw FILE");
        Environment.Exit(1);
    }
    var bytes = File.ReadAllBytes(path);
    var values = new float[bytes.Length / 4];
    Buffer.BlockCopy(bytes, 0, values, 0, values.Length * 4);
    if (values.Any(v => !(v >= 0f && v <= 1f)))
    {
        Console.Error.WriteLine($"gan-bench judge-raw: '{path}' holds values outside [0, 1] (min {values.Min()}, max {values.Max()}); " +
                                "write pixels in [0, 1], e.g. (x + 1) / 2 for tanh outputs.");
        Environment.Exit(1);
    }
    Console.WriteLine($"{path}: {values.Length / 784} samples");
    JudgeSamples(tensor(values).reshape(-1, 1, 28, 28));
}

if (only is "mnist-data-check")
{
    // The trainer's own MNIST batches, judged exactly like generated samples: a data or scaling bug would show here.
    var ir = Gan.Dsl.Compilation.CompileFile(Path.Combine(CompiledBench.SpecsDir(), "mnist-mlp.gan")).Ir!;
    var m = (Gan.Dsl.Ir.MnistDataIr)ir.Data;
    using var data = Gan.Runtime.Data.MnistData.Instance.Load(m, 0, Console.WriteLine);
    using var batches = new Gan.Runtime.Data.Batches(data, 500, 0, true);
    var xs = Enumerable.Range(0, 20).Select(_ => batches.Next().X).ToArray();
    var real = cat(xs, 0);
    Console.WriteLine($"trainer batches: {real.shape[0]} images, range [{real.min().item<float>()}, {real.max().item<float>()}], " +
                      $"mean {real.mean().item<float>():F3}");
    using var judge = Gan.Runtime.Metrics.JudgeCache.Load(Gan.Runtime.Metrics.JudgeSet.Mnist, Console.WriteLine);
    var (probs, feats) = judge.Judge(Gan.Runtime.Metrics.JudgeEvaluation.ToJudgeInput(real, m.Low, m.High, m.Size, m.Resize));
    var (testX, _) = Gan.Runtime.Metrics.JudgeCache.Images(Gan.Runtime.Metrics.JudgeSet.Mnist, "test", Console.WriteLine);
    var (_, testFeats) = judge.Judge(testX);
    Console.WriteLine(
        $"judged like samples: coverage {Gan.Runtime.Metrics.ClassifierScores.ClassCoverage(probs)}, " +
        $"judge-IS {Gan.Runtime.Metrics.ClassifierScores.InceptionScore(probs):F2}, " +
        $"confident {Gan.Runtime.Metrics.ClassifierScores.ConfidentFraction(probs):P1}, " +
        $"judge-FID vs test {Gan.Runtime.Metrics.Frechet.Fid(feats, testFeats):F2}");
}

if (only is "all" or "batches")
{
    // The real-batch path alone: the trainer's resident index_select and its host gather (prefetched), against the hand-written
    // loops' index_select of random rows.
    using var x = rand(60000, 784);
    using var data = new Gan.Runtime.Data.TensorDataset(x, null);
    foreach (var prefetch in new[] { false, true })
    {
        using var batches = new Gan.Runtime.Data.Batches(data, 128, 0, true, prefetch);
        var how = batches.Resident ? "resident" : "host gather, prefetched";
        var m = Harness.Throughput($"trainer batches 128×784 ({how})", "batches/s", 1000, () =>
        {
            for (int i = 0; i < 1000; i++) { using var s = NewDisposeScope(); batches.Next(); }
        });
        Console.WriteLine(m);
    }
    var hand = Harness.Throughput("hand-written index_select 128×784", "batches/s", 1000, () =>
    {
        for (int i = 0; i < 1000; i++) { using var s = NewDisposeScope(); Real.Draw(x, 128); }
    });
    Console.WriteLine(hand);
}

if (only is "safetensors")
{
    // Writing and reading a 13 M-parameter set of F32 tensors with GanDsl's safetensors code (Gan.Runtime/Interop).
    SafetensorsBench.Run();
    // The 13 M-parameter InfoGAN spec exported and imported through GanModel (what gan export and --init do).
    SafetensorsBench.RunSpec(Path.Combine(CompiledBench.SpecsDir(), "infogan.gan"));
}

if (only is "all" or "memory")
{
    MemoryBench.Run("gaussian2d", [1000, 5000, 10000]);
    MemoryBench.Run("mnist-mlp", [100, 1000, 2000]);
}

if (only is "all" or "memory-estimate")
{
    // `memory-estimate NAME` measures one spec's cases. Each case is a `gan train` child process.
    var spec = args.Length > 1 ? args[1] : null;
    MemoryEstimateBench.Run(MemoryEstimateBench.Default.Where(c => spec is null || c.Spec == spec));
}

if (only is "hand")
{
    IHandWritten[] models = [new Gaussian2dHand(4, device), new MnistMlpHand(128, device), new TfBasicHand(128, device),
                             new AcGanHand(10, device), new AnimeDcganHand(64, device)];
    foreach (var m in models)
    {
        int steps = m.Name switch { "anime-dcgan" => 5, "gaussian2d" => 500, "acgan" => 50, _ => 50 };
        var r = Harness.Throughput($"hand-written {m.Name} (batch {m.Batch})", "images/s", steps * m.Batch,
            () => { for (int i = 0; i < steps; i++) m.Step(); }, warmup: 1, repeats: 5);
        Console.WriteLine(r);
        m.Dispose();
    }
}

/// <summary>Generated digits (N×1×28×28 in [0, 1]) scored by the cached judge exactly as `gan eval` scores a run.</summary>
static void JudgeSamples(Tensor images)
{
    using var scope = NewDisposeScope();
    using var judge = Gan.Runtime.Metrics.JudgeCache.Load(Gan.Runtime.Metrics.JudgeSet.Mnist, Console.WriteLine);
    var (testX, _) = Gan.Runtime.Metrics.JudgeCache.Images(Gan.Runtime.Metrics.JudgeSet.Mnist, "test", Console.WriteLine);
    var (_, testFeats) = judge.Judge(testX);
    var metrics = new Dictionary<string, object>();
    Gan.Runtime.Metrics.JudgeEvaluation.SampleScores(judge, images, testFeats, metrics);
    metrics["protocol"] = new Dictionary<string, object>
    {
        ["samples"] = images.shape[0],
        ["reference"] = "MNIST test split",
        ["judge"] = Gan.Runtime.Metrics.JudgeCache.Describe(Gan.Runtime.Metrics.JudgeSet.Mnist)
    };
    Console.WriteLine(Gan.Runtime.Metrics.RunEvaluator.Format(metrics));
}
