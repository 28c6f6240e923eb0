/// The reference specs of specs/: their parameter counts equal the reference implementations' (instantiated with PyTorch by
/// specs/reference/count_params.py, recorded in counts.json), they train and evaluate through the CLI, and their training
/// keeps the live-tensor count flat.
module Gan.Tests.Cli.ReferenceSpecTests

open System.Collections.Generic
open System.IO
open System.Text.Json
open Xunit
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Training
open Gan.Tests
open Gan.Tests.Cli.Process

/// spec, the reference model in counts.json, G's and D's trainable parameters.
let references =
    [ "sngan32.gan", "mimicry_sngan32", 4_276_739L, 1_053_825L
      "wgan-gp-resnet32.gan", "mimicry_wgangp32", 4_276_739L, 1_053_825L
      "cgan-pd32.gan", "mimicry_cganpd32_1ch", 4_299_777L, 1_052_545L
      "sagan32.gan", "mimicry_sagan32_1ch", 4_381_698L, 1_073_026L
      "dcgan-studio32.gan", "studiogan_dcgan_cifar10", 3_812_355L, 2_931_009L
      "biggan32.gan", "studiogan_biggan_cifar10_1ch", 9_409_282L, 2_411_330L
      "stylegan2-32.gan", "rosinality_stylegan2_32", 21_523_475L, 21_507_073L ]

let referenceSpecs: obj[] seq = references |> Seq.map (fun (spec, _, _, _) -> [| box spec |])

let private reference (name: string) =
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestFiles.repoRoot, "specs", "reference", "counts.json")))
    let m = doc.RootElement.GetProperty("models").EnumerateArray() |> Seq.find (fun m -> m.GetProperty("model").GetString() = name)
    m.GetProperty("g_params").GetInt64(), m.GetProperty("d_params").GetInt64()

let private compile (spec: string) (overrides: (string * string) list) =
    let r = Compilation.CompileFile(TestFiles.spec spec, Dictionary(dict overrides))
    if r.HasErrors then failwithf "%s: %s" spec (r.Errors |> Seq.map string |> String.concat "\n")
    r

[<Theory>]
[<MemberData(nameof referenceSpecs)>]
let ``Each reference spec has exactly its reference implementation's trainable parameters in G and in D`` (spec: string) =
    let _, model, g, d = references |> List.find (fun (s, _, _, _) -> s = spec)
    Assert.Equal((g, d), reference model)          // the pins equal what count_params.py recorded
    let ir = (compile spec []).Ir
    Assert.Equal((g, d), (ir.Network("G").Parameters, ir.Network("D").Parameters))

[<Theory>]
[<MemberData(nameof referenceSpecs)>]
let ``The live-tensor count stays flat over 200 training iterations of each reference spec, at narrow widths`` (spec: string) =
    // Narrower networks (the widths are params): the same layers, the same code paths.
    let ir = (compile spec [ for KeyValue (k, v) in TestFiles.narrowWidths (TestFiles.spec spec) -> k, v ]).Ir
    use t = new Trainer(ir, TrainOptions(RunFolder = false, Batch = 4))
    let stats = TorchSharp.DisposeScopeManager.Statistics
    t.RunSteps 10                                   // warm-up: optimiser state and EMA copies are allocated lazily
    let before = stats.ThreadTotalLiveCount
    t.RunSteps 200
    let after = stats.ThreadTotalLiveCount
    Assert.True((after - before) <= 0L, sprintf "%s: live tensors grew from %d to %d over 200 iterations" spec before after)

[<Theory>]
[<MemberData(nameof referenceSpecs)>]
let ``Each reference spec trains 20 iterations at full width through gan train, writes samples, and gan eval runs on it`` (spec: string) =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let env = [ "OMP_NUM_THREADS", "2" ]
        let code, out, err =
            dotnetWith env [ cli; "train"; TestFiles.spec spec; "--steps"; "20"; "--batch"; "2"; "--out"; run ] 900
        Assert.True((code = 0), sprintf "train exit %d\n%s\n%s" code out err)
        Assert.Contains("done: 20 steps", out + err)
        let samples = Directory.GetFiles(run, "*.png", SearchOption.AllDirectories)
        Assert.True(samples.Length > 0, sprintf "no sample PNG in %s" run)
        Assert.True(samples |> Array.forall isPng)
        let code, out, err = dotnetWith env [ cli; "eval"; run; "--n"; "64" ] 900
        Assert.True((code = 0), sprintf "eval exit %d\n%s\n%s" code out err)
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")), "eval wrote no metrics.json"))
