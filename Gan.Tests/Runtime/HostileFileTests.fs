/// Checkpoints from elsewhere are hostile input: truncated or bit-flipped weights and optimiser states, a garbage or huge
/// state.json, a checkpoint of another spec. `gan sample` and `gan train --resume` must refuse each with exit 1 and the file
/// named, never crash or allocate what a damaged length claims; the in-process tests walk every cut point and every byte.
module Gan.Tests.Runtime.HostileFileTests

open System
open System.Collections.Generic
open System.IO
open Xunit
open Gan.Runtime.Errors
open Gan.Runtime.Model
open Gan.Runtime.Runs
open Gan.Tests
open Gan.Tests.Cli.Process

/// A tiny real run (gaussian2d, 5 steps, one checkpoint at step 5) trained once by the CLI; the tests damage copies of it.
let private baseRun =
    lazy
        (let dir = Path.Combine(Path.GetTempPath(), sprintf "gandsl-hostile-%d" Environment.ProcessId)
         if Directory.Exists dir then Directory.Delete(dir, true)
         AppDomain.CurrentDomain.ProcessExit.Add(fun _ -> try Directory.Delete(dir, true) with _ -> ())
         let run = Path.Combine(dir, "run")
         let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "5"; "--out"; run ]
         Assert.True((code = 0), sprintf "training the base run: exit %d\n%s" code err)
         run)

let rec private copyDir (src: string) (dst: string) =
    Directory.CreateDirectory dst |> ignore
    for f in Directory.GetFiles src do File.Copy(f, Path.Combine(dst, Path.GetFileName f))
    for d in Directory.GetDirectories src do copyDir d (Path.Combine(dst, Path.GetFileName d))

/// A copy of the base run under <paramref name="tmp"/>, and the folder of its one checkpoint.
let private copyRun (tmp: string) =
    let run = Path.Combine(tmp, "run")
    copyDir baseRun.Value run
    run, Path.Combine(run, "checkpoints", "step-0000005")

/// Exit 1 with <paramref name="file"/> named on stderr and no stack trace.
let private refused (file: string) (code: int, out: string, err: string) =
    Assert.True((code = 1), sprintf "exit %d, expected 1\nstdout: %s\nstderr: %s" code out err)
    Assert.Contains(file, err)
    Assert.DoesNotContain("   at ", err)

let private sample run = gan [ "sample"; run; "--n"; "4"; "--out"; Path.Combine(Path.GetDirectoryName(run: string), "s.png") ]
let private resume run = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "8"; "--out"; run; "--resume" ]

/// The bytes of <paramref name="b"/> with <paramref name="count"/> bytes at <paramref name="at"/> replaced by <paramref name="by"/>.
let private splice (b: byte[]) (at: int) (count: int) (by: byte[]) = Array.concat [ b.[.. at - 1]; by; b.[at + count ..] ]

/// TorchSharp's unsigned LEB128, for lengths that claim huge sizes.
let private leb (v: uint64) =
    [| let mutable v = v
       while v >= 0x80UL do
           yield byte (v &&& 0x7fUL) ||| 0x80uy
           v <- v >>> 7
       yield byte v |]

[<Fact>]
let ``Checkpoint weights cut mid-count, mid-name, mid-header or mid-tensor are refused by gan sample naming the file`` () =
    TestFiles.withTempDir (fun tmp ->
        let run, ckpt = copyRun tmp
        let file = Path.Combine(ckpt, "net-D.dat")
        let good = File.ReadAllBytes file
        let nameLength = int good.[1]
        // empty, after the count, mid-name, after the name (dtype next), mid-shape, mid-tensor, one byte short
        for cut in [ 0; 1; 5; 2 + nameLength; 4 + nameLength; good.Length / 2; good.Length - 1 ] do
            File.WriteAllBytes(file, good.[.. cut - 1])
            refused file (sample run)
        File.WriteAllBytes(file, good)
        let opt = Path.Combine(ckpt, "opt-opt_d.dat")
        File.WriteAllBytes(opt, (File.ReadAllBytes opt).[.. 200])
        refused opt (resume run))

[<Fact>]
let ``Bit-flipped checkpoint files whose lengths claim huge sizes or whose names differ are refused naming the file`` () =
    TestFiles.withTempDir (fun tmp ->
        let run, ckpt = copyRun tmp
        // net-G.dat: count, name length, "0_linear.weight", dtype, rank, dims, 16 bytes, then the bias the same way
        let file = Path.Combine(ckpt, "net-G.dat")
        let good = File.ReadAllBytes file
        let n = int good.[1]
        let damaged =
            [ "count 2^63-1", splice good 0 1 (leb (uint64 Int64.MaxValue))
              "name of 2^31-1 bytes", splice good 1 1 (leb (uint64 Int32.MaxValue))
              "a flipped letter in the name", splice good 2 1 [| good.[2] ^^^ 0x20uy |]
              "rank 127", splice good (3 + n) 1 [| 127uy |]
              "dimension 2^60", splice good (4 + n) 1 (leb (1UL <<< 60)) ]
        for what, bytes in damaged do
            File.WriteAllBytes(file, bytes)
            let code, out, err = sample run
            Assert.True((code = 1), sprintf "%s: exit %d\n%s%s" what code out err)
            refused file (code, out, err)
            // A name read from the file reaches the terminal without its control characters (0x10 in the flipped name).
            Assert.False(err |> Seq.exists (fun ch -> Char.IsControl ch && ch <> '\n' && ch <> '\r'), sprintf "%s: %A" what err)
        File.WriteAllBytes(file, good)
        // opt-opt_g.dat (Adam): name, groups, states, options (50 bytes), then per parameter: step, exp_avg, exp_avg_sq and
        // a flag for max_exp_avg_sq, which TorchSharp would create with the file's shape: here 2^40×2^40 float32.
        let opt = Path.Combine(ckpt, "opt-opt_g.dat")
        let o = File.ReadAllBytes opt
        let flag = 5 + 1 + 1 + 50 + 8 + 2 * (4 + 16)
        Assert.Equal(0uy, o.[flag])
        let huge = Array.concat [ [| 1uy; 6uy; 2uy |]; leb (1UL <<< 40); leb (1UL <<< 40) ]
        File.WriteAllBytes(opt, splice o flag 1 huge)
        refused opt (resume run))

[<Fact>]
let ``A state.json that is garbage, huge or out of range is refused with exit 1 naming it`` () =
    TestFiles.withTempDir (fun tmp ->
        let run, ckpt = copyRun tmp
        let file = Path.Combine(ckpt, "state.json")
        let good = File.ReadAllText file
        let cases =
            [ "garbage", (Array.init 300 (fun i -> byte (i * 7919 % 251)) |> Text.Encoding.Latin1.GetString), "not the JSON"
              "2 MiB", "{\"Step\": 5" + String(' ', 2 <<< 20) + "}", "more than a checkpoint's state"
              "a negative step", good.Replace("\"Step\":5", "\"Step\":-5"), "must not be negative"
              "a short RNG state", Text.RegularExpressions.Regex.Replace(good, "\"TorchRng\":\"[^\"]*\"", "\"TorchRng\":\"AAAA\""),
              "TorchRng is not the base64" ]
        for what, text, message in cases do
            File.WriteAllText(file, text)
            let code, out, err = sample run
            refused file (code, out, err)
            Assert.True(err.Contains message, sprintf "%s: %s" what err)
        File.WriteAllText(file, good.Replace("\"Epoch\":0", "\"Epoch\":-1"))
        refused file (resume run))

[<Fact>]
let ``A checkpoint of another spec is refused by its spec hash, and without one by its shapes`` () =
    TestFiles.withTempDir (fun tmp ->
        let run, ckpt = copyRun tmp
        let other = Path.Combine(tmp, "other.gan")
        File.WriteAllText(other, File.ReadAllText(TestFiles.spec "gaussian2d.gan").Replace("linear(5)", "linear(6)"))
        let otherRun = Path.Combine(tmp, "other")
        let code, _, err = gan [ "train"; other; "--steps"; "5"; "--out"; otherRun ]
        Assert.True((code = 0), err)
        Directory.Delete(ckpt, true)
        copyDir (Path.Combine(otherRun, "checkpoints", "step-0000005")) ckpt
        let state = Path.Combine(ckpt, "state.json")
        let code, out, err = sample run
        refused state (code, out, err)
        Assert.Contains("written for another spec", err)
        // An older checkpoint carries no hash: D's first layer then has the wrong shape.
        File.WriteAllText(state, Text.RegularExpressions.Regex.Replace(File.ReadAllText state, ",\"SpecHash\":\"[0-9a-f]*\"", ""))
        let code, out, err = sample run
        refused (Path.Combine(ckpt, "net-D.dat")) (code, out, err)
        Assert.Contains("another spec", err)
        // Resuming with an edited spec (a comment is enough) is refused too: the run's own spec.gan is the one to use.
        let ownRun, ownCkpt = copyRun (Path.Combine(tmp, "again"))
        let edited = Path.Combine(tmp, "edited.gan")
        File.WriteAllText(edited, File.ReadAllText(TestFiles.spec "gaussian2d.gan") + "# edited\n")
        let code, out, err = gan [ "train"; edited; "--steps"; "8"; "--out"; ownRun; "--resume" ]
        refused edited (code, out, err)
        Assert.Contains("differs from the run's copy", err)
        // An edited copy in the run folder itself is refused: its hash differs from the one params.json recorded.
        File.AppendAllText(Path.Combine(ownRun, "spec.gan"), "# edited\n")
        let code, out, err = gan [ "train"; "--resume"; ownRun; "--steps"; "8" ]
        refused ownRun (code, out, err)
        Assert.Contains("the spec differs from the run's copy", err)
        // gan sample of that run reads the copy too: the checkpoint's spec hash refuses it.
        refused (Path.Combine(ownCkpt, "state.json")) (sample ownRun))

/// Two small specs whose checkpoints hold every optimiser layout: Adam (no max_exp_avg_sq), SGD and RMSProp with momentum.
let private layoutSpecs =
    let gaussian = File.ReadAllText(TestFiles.spec "gaussian2d.gan")
    [ "adam", gaussian
      "sgd-rmsprop",
      gaussian
          .Replace("adam(D, lr: 0.05)", "sgd(D, lr: 0.01, momentum: 0.9)")
          .Replace("adam(G, lr: 0.01)", "rmsprop(G, lr: 0.01, momentum: 0.5)") ]

/// Trains <paramref name="text"/> 3 steps into a run folder and builds fresh networks and optimisers to load it into.
let private trainAndBuild (tmp: string) (name: string) (text: string) =
    let r = Gan.Dsl.Compilation.Compile(Path.Combine(tmp, name + ".gan"), text)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map string |> String.concat "\n")
    let out = Path.Combine(tmp, name)
    do
        use t = new Gan.Runtime.Training.Trainer(r.Ir, Gan.Runtime.TrainOptions(OutDir = out, Steps = 3))
        t.Run() |> ignore
    let nets = Dictionary<string, NetworkModule>()
    for n in r.Ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    let opts = Dictionary<string, TorchSharp.Modules.OptimizerHelper>()
    for o in r.Ir.Optimizers do opts.[o.Name] <- Gan.Runtime.Training.Optimizers.Make(o, nets)
    Path.Combine(out, "checkpoints", "step-0000003"), r.Ir, nets, opts

[<Fact>]
let ``Every truncation of a checkpoint file is refused, and every byte flip is refused or loads cleanly`` () =
    TestFiles.withTempDir (fun tmp ->
        for name, text in layoutSpecs do
            let ckpt, ir, nets, opts = trainAndBuild tmp name text
            let hash = CheckpointFiles.SpecHash ir
            /// The validator's verdict; when it passes, TorchSharp's own loaders must read every file without complaint.
            let check () =
                try
                    CheckpointFiles.Check(ckpt, nets, opts, hash) |> ignore
                    for KeyValue(n, m) in nets do m.load(Path.Combine(ckpt, sprintf "net-%s.dat" n)) |> ignore
                    for KeyValue(n, o) in opts do o.load_state_dict(Path.Combine(ckpt, sprintf "opt-%s.dat" n))
                    None
                with :? UserInputException as e -> Some e.Message
            Assert.Equal(None, check ())   // the files as saved: the layout read here is TorchSharp 0.107's
            let files = Directory.GetFiles(ckpt, "*.dat") |> Array.sort
            Assert.Equal(4, files.Length)
            let mutable flipsRefused = 0
            for file in files do
                let good = File.ReadAllBytes file
                for cut in 0 .. good.Length - 1 do
                    File.WriteAllBytes(file, good.[.. cut - 1])
                    match check () with
                    | Some m -> Assert.True(m.StartsWith file, m)
                    | None -> failwithf "%s cut at %d of %d bytes was accepted" file cut good.Length
                for at in 0 .. good.Length - 1 do
                    File.WriteAllBytes(file, splice good at 1 [| good.[at] ^^^ 0xffuy |])
                    match check () with
                    | Some m -> Assert.True(m.StartsWith file, m); flipsRefused <- flipsRefused + 1
                    | None -> ()
                File.WriteAllBytes(file, good)
            Assert.True(flipsRefused > 100, sprintf "%s: only %d flips refused" name flipsRefused)
            for m in nets.Values do m.Dispose()
            for o in opts.Values do o.Dispose())
