/// `gan train --resume RUN` continues a run as it was started: no spec needed, every setting from params.json, a
/// contradicting flag refused by name, and only a longer schedule allowed (and recorded).
module Gan.Tests.Cli.ResumeTests

open System
open System.IO
open System.Text.Json
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

let private lastStep (run: string) =
    File.ReadAllLines(Path.Combine(run, "log.csv")) |> Array.last |> fun l -> int64 (l.Split(',').[0])

/// A gaussian2d run started with settings unlike the spec's (30 steps, batch 8, seed 3, log every 5, lr set), stopped
/// after its checkpoint at step 20 by removing what came after it, as a kill would leave it.
let private interruptedRun (dir: string) =
    let run = Path.Combine(dir, "run")
    let spec = Path.Combine(dir, "g.gan")
    let text =
        File.ReadAllText(TestFiles.spec "gaussian2d.gan")
            .Replace("checkpoint_every: 500", "checkpoint_every: 20")
            .Replace("optimizer opt_d = adam(D, lr: 0.05)", "param lr_d = 0.05\noptimizer opt_d = adam(D, lr: lr_d)")
    File.WriteAllText(spec, text)
    let code, _, err =
        gan [ "train"; spec; "--out"; run; "--steps"; "30"; "--batch"; "8"; "--seed"; "3"; "--log-every"; "5"; "--set"; "lr_d=0.04" ]
    Assert.True((code = 0), err)
    let full = File.ReadAllLines(Path.Combine(run, "log.csv"))
    Directory.Delete(Path.Combine(run, "checkpoints", "step-0000030"), true)
    File.WriteAllText(Path.Combine(run, "log.csv"), String.concat "\n" full.[0 .. full.Length - 2] + "\n25,0,1.2")   // torn
    run, full

[<Fact>]
let ``gan train --resume RUN alone continues the run to its own step count with its own settings`` () =
    TestFiles.withTempDir (fun dir ->
        let run, full = interruptedRun dir
        let code, _, err = gan [ "train"; "--resume"; run ]
        Assert.True((code = 0), err)
        Assert.Contains("resumed", err)
        Assert.Equal<string[]>(Array.map TestFiles.withoutTiming full, TestFiles.logWithoutTiming run)
        Assert.Equal(30L, lastStep run))

[<Fact>]
let ``A flag that contradicts the run is refused by name, and a longer --steps is recorded as an extension`` () =
    TestFiles.withTempDir (fun dir ->
        let run, _ = interruptedRun dir
        for flags, named in
            [ [ "--batch"; "4" ], "--batch 4"; [ "--seed"; "0" ], "--seed 0"; [ "--log-every"; "1" ], "--log-every 1"
              [ "--set"; "lr_d=0.05" ], "--set lr_d=0.05"; [ "--steps"; "10" ], "--steps 10"; [ "--epochs"; "2" ], "--epochs 2"
              [ "--out"; Path.Combine(dir, "other") ], "--out"; [ TestFiles.spec "gaussian2d.gan" ], "differs from the run's copy" ] do
            let code, _, err = gan ([ "train"; "--resume"; run ] @ flags)
            Assert.True((code = 1), sprintf "%A: exit %d\n%s" flags code err)
            Assert.Contains(named, err)
        // Settings equal to the run's are not contradictions; a longer schedule is the one change allowed.
        let code, _, err = gan [ "train"; "--resume"; run; "--batch"; "8"; "--set"; "lr_d=4e-2"; "--steps"; "40" ]
        Assert.True((code = 0), err)
        Assert.Equal(40L, lastStep run)
        use p = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "params.json")))
        Assert.Equal(40, p.RootElement.GetProperty("steps").GetInt32())
        let ext = p.RootElement.GetProperty("extensions").[0]
        Assert.Equal((30, 40, 20), (ext.GetProperty("from_steps").GetInt32(), ext.GetProperty("to_steps").GetInt32(),
                                    ext.GetProperty("at_step").GetInt32())))

[<Fact>]
let ``gan train without a spec or a run folder is a usage error`` () =
    let code, _, err = gan [ "train" ]
    Assert.Equal(2, code)
    Assert.Contains("--resume RUN", err)

[<Fact>]
let ``Ctrl-C stops after a step with a checkpoint and prints the resume command in its --resume form`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        // Through `env --default-signal=INT`: a test run started in the background of a non-interactive shell (`cmd &`)
        // ignores SIGINT, and an ignored SIGINT is inherited by the child, so that the Ctrl-C below would never arrive.
        let args = [ "--default-signal=INT"; "dotnet"; cli; "train"; TestFiles.spec "gaussian2d-wgan-gp.gan"; "--out"; run ]
        let psi = Diagnostics.ProcessStartInfo("env", args,
                                               WorkingDirectory = TestFiles.repoRoot, RedirectStandardError = true,
                                               RedirectStandardOutput = true)
        use p = Diagnostics.Process.Start psi
        let err = p.StandardError.ReadToEndAsync()
        p.StandardOutput.ReadToEndAsync() |> ignore
        let log = Path.Combine(run, "log.csv")
        let deadline = DateTime.UtcNow.AddMinutes 5.0
        while DateTime.UtcNow < deadline && not (File.Exists log && File.ReadAllLines(log).Length > 3) do
            Threading.Thread.Sleep 100
        use kill = Diagnostics.Process.Start("kill", [ "-INT"; string p.Id ])
        kill.WaitForExit()
        Assert.True(p.WaitForExit 300_000)
        Assert.Equal(0, p.ExitCode)
        Assert.Contains(sprintf "Resume with: gan train --resume %s" run, err.Result)
        Assert.True(Directory.GetDirectories(Path.Combine(run, "checkpoints"), "step-*").Length > 0))

[<Fact>]
let ``A damaged newest checkpoint falls back to the one before with a warning, and the run resumes exactly from there`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let spec = Path.Combine(dir, "g.gan")
        File.WriteAllText(spec, File.ReadAllText(TestFiles.spec "gaussian2d.gan").Replace("checkpoint_every: 500", "checkpoint_every: 20"))
        let code, _, err = gan [ "train"; spec; "--out"; run; "--steps"; "30" ]
        Assert.True((code = 0), err)
        let full = TestFiles.logWithoutTiming run
        Assert.Equal<string[]>([| "step-0000020"; "step-0000030" |],
                               Directory.GetDirectories(Path.Combine(run, "checkpoints")) |> Array.map Path.GetFileName |> Array.sort)
        // One flipped bit in the newest checkpoint's D weights: the file's SHA-256 no longer matches state.json.
        let weights = Path.Combine(run, "checkpoints", "step-0000030", "net-D.dat")
        let bytes = File.ReadAllBytes weights
        bytes.[bytes.Length - 3] <- bytes.[bytes.Length - 3] ^^^ 0x10uy
        File.WriteAllBytes(weights, bytes)
        let code, _, err = gan [ "train"; "--resume"; run; "--steps"; "40" ]
        Assert.True((code = 0), err)
        Assert.Contains("warning: " + weights, err)
        Assert.Contains("falling back to the checkpoint before it", err)
        Assert.Contains("from step-0000020", err)
        let resumed = TestFiles.logWithoutTiming run
        Assert.Equal<string[]>(full, resumed.[0 .. full.Length - 1])
        Assert.Equal(41, resumed.Length))

[<Fact>]
let ``A resumed run is refused up front when it cannot fit the machine's memory, and --force overrides`` () =
    TestFiles.withTempDir (fun dir ->
        let run, _ = interruptedRun dir
        let code, _, err = ganWith [ "GANDSL_MEMORY_LIMIT", "1M" ] [ "train"; "--resume"; run ]
        Assert.True((code = 1), err)
        Assert.Contains("largest layer", err)
        Assert.Contains("--force", err)
        let code, _, err = ganWith [ "GANDSL_MEMORY_LIMIT", "1M" ] [ "train"; "--resume"; run; "--force" ]
        Assert.True((code = 0), err)
        Assert.Contains("going on (--force)", err)
        Assert.Equal(30L, lastStep run))
