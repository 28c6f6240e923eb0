/// PyTorch interop: the emitted model.py against GanDsl for every spec (check.py), weights export and import, gan apply, and
/// seed 001's own PyTorch-GAN classes loading GanDsl's export strictly.
module Gan.Tests.Cli.PyTorchInteropTests

open System
open System.IO
open TorchSharp
open global.Xunit
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Interop
open Gan.Runtime.Model
open Gan.Tests
open Gan.Tests.PythonTorch
open Gan.Tests.Cli.Process

let specs () : obj[] seq = TestFiles.specs () |> Seq.map (fun p -> [| box (Path.GetFileName p) |])

/// `--set` arguments that narrow a spec's width params to 16 (the check is the same, the run shorter).
let private narrowed (spec: string) =
    [ for kv in TestFiles.narrowWidths (TestFiles.spec spec) do yield "--set"; yield sprintf "%s=%s" kv.Key kv.Value ]

[<PythonTorchTheory>]
[<MemberData(nameof specs)>]
let ``Every spec's emitted model.py loads GanDsl's weights strictly and computes its outputs and buffers (check.py)`` (spec: string) =
    TestFiles.withTempDir (fun dir ->
        let rc, _, err = gan ([ "emit"; "pytorch"; TestFiles.spec spec; "--out"; dir; "--probe" ] @ narrowed spec)
        Assert.True((rc = 0), sprintf "gan emit exited %d: %s" rc err)
        for f in [ "model.py"; "gandsl_layers.py"; "safetensors_io.py"; "check.py"; "weights.safetensors"; "probe.safetensors" ] do
            Assert.True(File.Exists(Path.Combine(dir, f)), f + " was not written")
        let rc, out, err = run dir [ "check.py" ] 600
        Assert.True((rc = 0), sprintf "check.py exited %d:\n%s\n%s" rc out err)
        // The table has a row per output and mode, and none differs.
        Assert.Contains("eval output", out)
        Assert.DoesNotContain("DIFFERS", out))

[<PythonTorchFact>]
let ``check.py reports a BatchNorm buffer that model.py updates wrongly, though its fp32 rounding widens the tolerance`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = "mnist-modern.gan"
        let rc, _, err = gan ([ "emit"; "pytorch"; TestFiles.spec spec; "--out"; dir; "--probe" ] @ narrowed spec)
        Assert.True((rc = 0), sprintf "gan emit exited %d: %s" rc err)
        // The running statistics' momentum 10% too large: the outputs stay equal, the buffers after a training forward not.
        let layers = Path.Combine(dir, "gandsl_layers.py")
        let right = "True, self.momentum, self.eps)"
        Assert.Contains(right, File.ReadAllText layers)
        File.WriteAllText(layers, File.ReadAllText(layers).Replace(right, "True, self.momentum * 1.1, self.eps)"))
        let rc, out, err = run dir [ "check.py" ] 600
        Assert.True((rc = 1), sprintf "check.py exited %d:\n%s\n%s" rc out err)
        let lines = out.Split '\n'
        Assert.Contains(lines, fun l -> l.Contains "buffer" && l.Contains "running_mean" && l.EndsWith "DIFFERS")
        Assert.DoesNotContain(lines, fun l -> l.Contains "output" && l.EndsWith "DIFFERS"))

/// The rounding column (fp32 err) of each output row of check.py's table: network, mode, "output", name, ..., fp32 err, result.
let private outputRoundings (table: string) =
    [ for line in table.Split '\n' do
          match line.Split(' ', StringSplitOptions.RemoveEmptyEntries) with
          | t when t.Length = 8 && t.[2] = "output" -> yield t.[0], t.[1], float t.[6]
          | _ -> () ]

[<PythonTorchFact>]
let ``check.py measures an ill-conditioned network's sensitivity to one-ulp changes and widens only its tolerance`` () =
    TestFiles.withTempDir (fun dir ->
        // A training BatchNorm over a const branch normalises a batch-constant value: zero variance in exact arithmetic
        // (and in a float64 copy), so one ulp of the linear layer's rounding decides the output (a CI's random network).
        let text, _ =
            NetworkGenerators.specOf
                { Header = "network N(x: [3])"; Outputs = [ "", [ 3 ] ]
                  Lines = [ "const(4, 1, 1)"; "flatten"; "linear(5)"; "batchnorm(5)"; "scale(-0.5)"; "batchnorm(5)"; "linear(3)" ] }
        let spec = GanSpec.Compile("ill.gan", text)
        Assert.False(spec.HasErrors, text)
        GanRun.EmitPyTorch(spec, dir, probe = true) |> ignore
        let rc, out, err = run dir [ "check.py" ] 600
        Assert.True((rc = 0), sprintf "check.py exited %d:\n%s\n%s" rc out err)
        let rows = outputRoundings out
        // N's training output moves by far more than fp32's rounding; its eval output and the other networks' do not.
        Assert.Contains(rows, fun (net, mode, r) -> net = "N" && mode = "train" && r > 1e-4)
        Assert.All(rows |> List.filter (fun (net, mode, _) -> not (net = "N" && mode = "train")),
                   fun (_, _, r) -> Assert.True(r < 1e-5, sprintf "%A" rows)))

let private stateOf (m: GanModel) (net: string) =
    (m.Network net :?> NetworkModule).state_dict() |> Seq.map (fun kv -> kv.Key, kv.Value.clone()) |> Map.ofSeq

[<Fact>]
let ``gan export's file holds every network under PyTorch's names and its metadata, and loads back exactly`` () =
    TestFiles.withTempDir (fun dir ->
        use a = GanModel.Compile(TestFiles.spec "hinge-sn.gan", TestFiles.narrowWidths (TestFiles.spec "hinge-sn.gan"), seed = 1)
        let file = Path.Combine(dir, "sub", "w.safetensors")
        let struct (count, bytes) = a.ExportWeights file
        let header = SafetensorsFile.Read file
        let names = header.Entries |> Seq.map (fun e -> e.Name) |> Set.ofSeq
        Assert.Equal(count, names.Count)
        Assert.Equal(bytes, header.Entries |> Seq.sumBy (fun e -> e.End - e.Begin))
        // Spectral norm under the legacy hook's names; no GanDsl-internal sn.u / sn.v; every key prefixed by its network.
        Assert.Contains(names, fun n -> n.EndsWith ".weight_orig")
        Assert.Contains(names, fun n -> n.EndsWith ".weight_u")
        Assert.DoesNotContain(names, fun n -> n.Contains ".sn.")
        Assert.All(names, fun n -> Assert.True(n.StartsWith "G." || n.StartsWith "D.", n))
        Assert.Equal("G,D", header.Metadata.["gandsl.networks"])
        Assert.Equal(64, header.Metadata.["gandsl.spec_sha256"].Length)
        Assert.True(header.Metadata.ContainsKey "gandsl.version")
        use b = GanModel.Compile(TestFiles.spec "hinge-sn.gan", TestFiles.narrowWidths (TestFiles.spec "hinge-sn.gan"), seed = 2)
        Assert.NotEqual<float32>((stateOf a "D").["0_conv2d.weight"].sum().item<float32>(),
                                 (stateOf b "D").["0_conv2d.weight"].sum().item<float32>())
        Assert.Equal<string seq>([ "G"; "D" ], b.LoadWeights file)
        for net in [ "G"; "D" ] do
            let sa, sb = stateOf a net, stateOf b net
            Assert.Equal<string seq>(sa.Keys, sb.Keys)
            for kv in sa do Assert.True(kv.Value.allclose(sb.[kv.Key], 0.0, 0.0), sprintf "%s.%s differs after loading" net kv.Key)
        // One network under bare names, loaded by name.
        let g = Path.Combine(dir, "g.safetensors")
        a.ExportWeights(g, "G") |> ignore
        Assert.All(SafetensorsFile.Read(g).Entries, fun e -> Assert.False(e.Name.StartsWith "G.", e.Name))
        use c = GanModel.Compile(TestFiles.spec "hinge-sn.gan", TestFiles.narrowWidths (TestFiles.spec "hinge-sn.gan"), seed = 3)
        Assert.Equal<string seq>([ "G" ], c.LoadWeights(g, "G")))

[<Fact>]
let ``BatchNorm counts its running-statistics updates as num_batches_tracked, a scalar that export carries`` () =
    use m = GanModel.Compile(TestFiles.spec "mnist-mlp.gan")
    let g = m.Network "G" :?> NetworkModule
    g.train()
    use z = torch.randn(4L, 100L)
    for _ in 1 .. 3 do g.call(z).Dispose()
    let counter = g.state_dict().["3_batchnorm.num_batches_tracked"]
    Assert.Equal(torch.ScalarType.Int64, counter.dtype)
    Assert.Empty(counter.shape)
    Assert.Equal(3L, counter.item<int64>())
    g.eval()
    g.call(z).Dispose()
    Assert.Equal(3L, counter.item<int64>())

[<Fact>]
let ``gan train --init refuses a file of another spec, a wrong shape, a missing or an extra key, naming the file and the entry`` () =
    TestFiles.withTempDir (fun dir ->
        let mnist = TestFiles.spec "mnist-mlp.gan"
        use other = GanModel.Compile(mnist, readOnlyDict [ "latent_dim", "64" ])
        let wrongShape = Path.Combine(dir, "latent64.safetensors")
        other.ExportWeights wrongShape |> ignore
        use gauss = GanModel.Compile(TestFiles.spec "gaussian2d.gan")
        let foreign = Path.Combine(dir, "gaussian.safetensors")
        gauss.ExportWeights foreign |> ignore
        use good = GanModel.Compile mnist
        let gOnly = Path.Combine(dir, "g.safetensors")
        good.ExportWeights(gOnly, "G") |> ignore
        let cases =
            [ [ "--init"; wrongShape ], [ "latent64.safetensors"; "G.0_linear.weight"; "[128, 64]"; "[128, 100]" ]
              [ "--init"; foreign ], [ "gaussian.safetensors"; "missing" ]
              [ "--init"; "D=" + gOnly ], [ "g.safetensors"; "missing"; "are not network D's" ]
              [ "--init"; Path.Combine(dir, "absent.safetensors") ], [ "absent.safetensors" ] ]
        for args, words in cases do
            let rc, _, err = gan ([ "train"; mnist; "--steps"; "1"; "--out"; Path.Combine(dir, "run") ] @ args)
            Assert.True((rc = 1), sprintf "%A: exit %d\n%s" args rc err)
            Assert.DoesNotContain("   at ", err)
            for w in words do Assert.True(err.Contains w, sprintf "%A: the message lacks '%s':\n%s" args w err)
        Assert.False(Directory.Exists(Path.Combine(dir, "run")), "a refused --init must not start a run"))

/// A z batch written for `gan apply` and for Python.
let private writeInputs (path: string) (tensors: (string * torch.Tensor) list) =
    SafetensorsFile.Write(path, [| for n, t in tensors -> struct (n, t) |], Collections.Generic.Dictionary<string, string>())

[<PythonTorchFact>]
let ``A trained run's export loads into the emitted model.py, which gives gan apply's outputs for the same inputs`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = TestFiles.spec "gaussian2d.gan"
        let runDir = Path.Combine(dir, "run")
        let rc, _, err = gan [ "train"; spec; "--steps"; "3"; "--out"; runDir ]
        Assert.True((rc = 0), err)
        let rc, _, err = gan [ "export"; runDir; "--out"; Path.Combine(dir, "w.safetensors") ]
        Assert.True((rc = 0), err)
        let rc, _, err = gan [ "emit"; "pytorch"; spec; "--out"; dir ]
        Assert.True((rc = 0), err)
        torch.manual_seed 7L |> ignore
        writeInputs (Path.Combine(dir, "z.safetensors")) [ "z", torch.randn(16L, 2L) ]
        for mode in [ "eval"; "train" ] do
            let out = Path.Combine(dir, sprintf "g-%s.safetensors" mode)
            let z = Path.Combine(dir, "z.safetensors")
            let rc, _, err = gan [ "apply"; runDir; "--network"; "G"; "--in"; z; "--out"; out; "--mode"; mode ]
            Assert.True((rc = 0), err)
        let script =
            String.concat "\n"
                [ "import sys, torch, safetensors_io"
                  "from model import NETWORKS, load_state"
                  "w, meta = safetensors_io.load('w.safetensors')"
                  "z = safetensors_io.load('z.safetensors')[0]['z']"
                  "torch.set_grad_enabled(False)"
                  "for mode in ('eval', 'train'):"
                  "    g = NETWORKS['G'](); load_state(g, w, 'G.'); g.train(mode == 'train')"
                  "    ref = safetensors_io.load(f'g-{mode}.safetensors')[0]"
                  "    (name, want), = ref.items()"
                  "    got = g(z, output=name)"
                  "    d = (got - want).abs().max().item()"
                  "    print(mode, name, d)"
                  "    sys.exit(1) if d > 1e-5 else None" ]
        File.WriteAllText(Path.Combine(dir, "apply_check.py"), script)
        let rc, out, err = run dir [ "apply_check.py" ] 300
        Assert.True((rc = 0), sprintf "%s\n%s" out err))

[<Fact>]
let ``gan apply refuses inputs of the wrong name, shape or kind, and an unknown output or mode, with exit 1`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let rc, _, err = gan [ "train"; TestFiles.spec "gaussian2d.gan"; "--steps"; "2"; "--out"; run ]
        Assert.True((rc = 0), err)
        let file name (tensors: (string * torch.Tensor) list) =
            let p = Path.Combine(dir, name)
            writeInputs p tensors
            p
        let two = file "two.safetensors" [ "a", torch.randn(4L, 2L); "b", torch.randn(4L, 2L) ]
        let wide = file "wide.safetensors" [ "z", torch.randn(4L, 3L) ]
        let ints = file "ints.safetensors" [ "z", torch.ones([| 4L; 2L |], dtype = torch.int64) ]
        let ok = file "ok.safetensors" [ "anything", torch.randn(4L, 2L) ]
        let out = Path.Combine(dir, "y.safetensors")
        let cases =
            [ [ "--in"; two ], "no tensor named 'z'"
              [ "--in"; wide ], "[4, 3]"
              [ "--in"; ints ], "integers"
              [ "--in"; ok; "--output"; "nope" ], "no output 'nope'"
              [ "--in"; ok; "--mode"; "fast" ], "--mode fast" ]
        for args, words in cases do
            let rc, _, err = gan ([ "apply"; run; "--network"; "G"; "--out"; out ] @ args)
            Assert.True((rc = 1), sprintf "%A: exit %d\n%s" args rc err)
            Assert.Contains(words, err)
        Assert.False(File.Exists out)
        // A one-input network takes a file of one tensor under any name.
        let rc, _, err = gan [ "apply"; run; "--network"; "G"; "--in"; ok; "--out"; out ]
        Assert.True((rc = 0), err)
        Assert.Equal<int64 seq>([ 4L; 2L ], SafetensorsFile.Read(out).Entries.[0].Shape))

/// Seed 001 (PyTorch-GAN's gan.py) as the seed document quotes it, beside the repository (../shared/seeds).
let private seed001 =
    lazy
        (let dir = Path.GetFullPath(Path.Combine(TestFiles.repoRoot, "..", "shared", "seeds"))
         if Directory.Exists dir then Directory.GetFiles(dir, "001_*.txt") |> Array.tryHead else None)

/// A PyTorch fact that also needs the seed documents beside the repository.
type Seed001FactAttribute() as this =
    inherit PythonTorchFactAttribute()
    do
        if isNull this.Skip && seed001.Value.IsNone then
            this.Skip <- "the seed documents are not beside the repository (../shared/seeds/001_*.txt)"

/// Runs the seed's own Generator and Discriminator classes (its text from `class Generator` to `# Loss function`, unmodified;
/// only `opt`, its argument parsing, is given) on GanDsl's export and inputs, and prints each comparison's deviation.
let private seedScript = """
import sys, types
import numpy as np, torch, torch.nn as nn
import safetensors_io
text = open(sys.argv[1], encoding='utf-8').read()
code = text[text.index('class Generator'):text.index('# Loss function')]
opt = types.SimpleNamespace(latent_dim=100, channels=1, img_size=28)
scope = {'nn': nn, 'np': np, 'torch': torch, 'opt': opt, 'img_shape': (1, 28, 28)}
exec(code, scope)
generator, discriminator = scope['Generator'](), scope['Discriminator']()
generator.load_state_dict(safetensors_io.load('G.safetensors')[0], strict=True)
discriminator.load_state_dict(safetensors_io.load('D.safetensors')[0], strict=True)
probe = safetensors_io.load('probe.safetensors')[0]
torch.set_grad_enabled(False)
worst = 0.0
for mode in ('eval', 'train'):
    for name, net, x in (('G', generator, probe['z']), ('D', discriminator, probe['x'])):
        net.train(mode == 'train')
        d = (net(x) - probe[f'{name}/{mode}']).abs().max().item()
        print(name, mode, d)
        worst = max(worst, d)
sys.exit(0 if worst <= 1e-5 else 1)
"""

[<Seed001Fact>]
let ``Seed 001's own PyTorch-GAN classes load the export strictly (--names pytorch-gan) and agree with GanDsl on the same inputs`` () =
    TestFiles.withTempDir (fun dir ->
        use m = GanModel.Compile(TestFiles.spec "mnist-mlp.gan", seed = 11)
        let g, d = m.Network "G" :?> NetworkModule, m.Network "D" :?> NetworkModule
        torch.manual_seed 12L |> ignore
        // Moved off their initial values, so that eval mode's running statistics matter.
        FidelityProbe.Perturb g
        FidelityProbe.Perturb d
        for net in [ "G"; "D" ] do m.ExportWeights(Path.Combine(dir, net + ".safetensors"), net, "pytorch-gan") |> ignore
        let keys = SafetensorsFile.Read(Path.Combine(dir, "G.safetensors")).Entries |> Seq.map (fun e -> e.Name) |> Set.ofSeq
        Assert.Contains("model.0.weight", keys)
        Assert.Contains("model.3.running_mean", keys)
        let z, x = torch.randn(8L, 100L), torch.randn(8L, 1L, 28L, 28L)
        let outputs =
            use _ = torch.no_grad()
            [ for mode in [ "eval"; "train" ] do
                  g.train((mode = "train"))
                  d.train((mode = "train"))
                  yield sprintf "G/%s" mode, g.call z
                  yield sprintf "D/%s" mode, d.call x ]
        writeInputs (Path.Combine(dir, "probe.safetensors")) ([ "z", z; "x", x ] @ outputs)
        let spec = GanSpec.Load(TestFiles.spec "mnist-mlp.gan")
        File.WriteAllText(Path.Combine(dir, "safetensors_io.py"), spec.EmitPyTorch().["safetensors_io.py"])
        File.WriteAllText(Path.Combine(dir, "seed001.py"), seedScript)
        let rc, out, err = run dir [ "seed001.py"; seed001.Value.Value ] 300
        Assert.True((rc = 0), sprintf "%s\n%s" out err))

/// Runs check.main on each folder in one Python process (a fresh `model` module each), printing `FOLDER rc`.
let private checkMany = """
import importlib, sys
failed = 0
for folder in sys.argv[1:]:
    for name in ('model', 'check', 'gandsl_layers', 'safetensors_io'):
        sys.modules.pop(name, None)
    sys.path.insert(0, folder)
    check = importlib.import_module('check')
    rc = check.main(folder)
    sys.path.pop(0)
    print('RESULT', folder, rc, flush=True)
    failed += rc != 0
sys.exit(1 if failed else 0)
"""

[<PythonTorchFact>]
let ``The emitted model.py of random generated networks computes GanDsl's outputs and buffers, every layer kind among them`` () =
    TestFiles.withTempDir (fun dir ->
        let n = max 100 (Generators.cases / 2)
        let nets = FsCheck.FSharp.Gen.sample n NetworkGenerators.netCaseGen
        let seen = Collections.Generic.Dictionary<string, int>()
        let folders =
            [ for i, net in Seq.indexed nets do
                  let text, _ = NetworkGenerators.specOf (NetworkGenerators.render net)
                  let spec = GanSpec.Compile("net.gan", text)
                  Assert.False(spec.HasErrors, text)
                  for node in (spec.Networks |> Seq.find (fun x -> x.Name = "N")).Layers do
                      seen.[node.Kind] <- (match seen.TryGetValue node.Kind with | true, c -> c + 1 | _ -> 1)
                  let folder = Path.Combine(dir, sprintf "case%03d" i)
                  GanRun.EmitPyTorch(spec, folder, probe = true) |> ignore
                  File.WriteAllText(Path.Combine(folder, "net.gan"), text)
                  yield folder ]
        File.WriteAllText(Path.Combine(dir, "check_many.py"), checkMany)
        let rc, out, err = run dir ("check_many.py" :: folders) 900
        let failures =
            [ for line in out.Split '\n' do
                  match line.Split ' ' with
                  | [| "RESULT"; folder; code |] when code.Trim() <> "0" -> yield File.ReadAllText(Path.Combine(folder, "net.gan"))
                  | _ -> () ]
        Assert.True((rc = 0 && failures.IsEmpty), sprintf "%d of %d networks differ; the first:\n%s\n%s\n%s" failures.Length n
                                                     (List.tryHead failures |> Option.defaultValue "") out err)
        // One-ulp nudges widen an ill-conditioned network's tolerance; most networks must keep fp32's, or the check is vacuous.
        let rows = outputRoundings out
        let loose = rows |> List.filter (fun (_, _, r) -> r > 1e-4)
        Assert.True((rows.Length >= 4 * n && loose.Length * 20 <= rows.Length),
                    sprintf "%d of %d output checks had a tolerance wider than fp32's" loose.Length rows.Length)
        // Every layer kind was met here or is in a spec of specs/ (each checked above), so none lacks its PyTorch form.
        let inSpecs =
            TestFiles.specs ()
            |> Seq.collect (fun p -> GanSpec.Load(p, TestFiles.narrowWidths p).Networks)
            |> Seq.collect (fun x -> x.Layers)
            |> Seq.map (fun l -> l.Kind)
            |> Set.ofSeq
        let missing = Gan.Dsl.Layers.LayerRegistry.Kinds.Keys |> Seq.filter (fun k -> not (seen.ContainsKey k || inSpecs.Contains k))
        Assert.True(Seq.isEmpty missing, sprintf "no generated network and no spec has %A (generated: %A)" (List.ofSeq missing)
                                                 (List.ofSeq seen)))

[<Fact>]
let ``A run folder as train.py writes it (spec copy, params.json, safetensors checkpoints) is read by gan sample, eval and export`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = TestFiles.spec "gaussian2d.gan"
        let emitted = Path.Combine(dir, "py")
        let rc, _, err = gan [ "emit"; "pytorch"; spec; "--out"; emitted ]
        Assert.True((rc = 0), err)
        // What train.py does: copy spec/ into the run folder, write checkpoints/step-NNNNNNN.safetensors.
        let runDir = Path.Combine(dir, "run")
        Directory.CreateDirectory(Path.Combine(runDir, "checkpoints")) |> ignore
        for f in Directory.GetFiles(Path.Combine(emitted, "spec")) do File.Copy(f, Path.Combine(runDir, Path.GetFileName f))
        File.WriteAllLines(Path.Combine(runDir, "log.csv"),
                           [ "step,epoch,d_loss,g_loss,d_real,d_fake,images_per_s,elapsed_s"; "10,0,1.3,0.7,0.5,0.5,100.0,0.1" ])
        use trained = GanModel.Compile(spec, seed = 5)
        trained.ExportWeights(Path.Combine(runDir, "checkpoints", "step-0000010.safetensors")) |> ignore
        use other = GanModel.Compile(spec, seed = 6)
        other.ExportWeights(Path.Combine(runDir, "checkpoints", "step-0000004.safetensors")) |> ignore
        use loaded = GanModel.LoadRun runDir
        Assert.Equal(10L, loaded.Step)
        let a, b = stateOf trained "G", stateOf loaded "G"
        for kv in a do Assert.True(kv.Value.allclose(b.[kv.Key], 0.0, 0.0), kv.Key)
        use older = GanModel.LoadRun(runDir, 4L)
        Assert.Equal(4L, older.Step)
        let rc, out, err = gan [ "sample"; runDir; "--n"; "16"; "--out"; Path.Combine(dir, "s.png") ]
        Assert.True((rc = 0), err + out)
        Assert.True(isPng (Path.Combine(dir, "s.png")))
        let rc, out, err = gan [ "eval"; runDir; "--n"; "500"; "--json" ]
        Assert.True((rc = 0), err + out)
        Assert.Contains("\"w2\"", out)
        let rc, _, err = gan [ "export"; runDir; "--out"; Path.Combine(dir, "again.safetensors") ]
        Assert.True((rc = 0), err)
        // A checkpoint of another spec is refused, naming it.
        use foreign = GanModel.Compile(TestFiles.spec "gaussian2d-wgan-gp.gan")
        foreign.ExportWeights(Path.Combine(runDir, "checkpoints", "step-0000020.safetensors")) |> ignore
        let rc, _, err = gan [ "sample"; runDir; "--out"; Path.Combine(dir, "t.png") ]
        Assert.True((rc = 1), err)
        Assert.Contains("step-0000020.safetensors", err))
