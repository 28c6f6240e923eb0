/// Quality over training: `gan train --eval-every N` evaluates checkpoints as `gan eval --step` does, leaves the training's
/// numbers unchanged, and the report plots each metric against the steps with its real-vs-real floor.
module Gan.Tests.Cli.EvalOverTrainingTests

open System.IO
open System.Text.Json
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

let private lossColumns (run: string) =
    File.ReadAllLines(Path.Combine(run, "log.csv")) |> Array.map (fun l -> (l.Split ',')[.. 5] |> String.concat ",")

[<Fact>]
let ``gan train --eval-every evaluates at every N steps and at the end, with the same losses as a run without it`` () =
    TestFiles.withTempDir (fun dir ->
        let a, b = Path.Combine(dir, "a"), Path.Combine(dir, "b")
        let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "50"; "--eval-every"; "20"; "--eval-n"; "500"; "--out"; a ]
        Assert.True((code = 0), err)
        Assert.Contains("step 20: w2", err)
        let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "50"; "--out"; b ]
        Assert.True((code = 0), err)
        Assert.Equal<string[]>(lossColumns b, lossColumns a)
        let files = Directory.GetFiles(Path.Combine(a, "metrics")) |> Array.map Path.GetFileName |> Array.sort
        Assert.Equal<string[]>([| "step-0000020.json"; "step-0000040.json"; "step-0000050.json" |], files)
        use last = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "metrics", "step-0000050.json")))
        Assert.Equal(500, last.RootElement.GetProperty("protocol").GetProperty("samples").GetInt32())
        Assert.Equal(50, last.RootElement.GetProperty("protocol").GetProperty("checkpoint_step").GetInt32())
        // The step-40 file holds what gan eval --step 40 --n 500 computes from the checkpoint --eval-every saved there.
        let w2At40 () =
            use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(a, "metrics", "step-0000040.json")))
            doc.RootElement.GetProperty("w2").GetDouble()
        let during = w2At40 ()
        let code, _, err = gan [ "eval"; a; "--step"; "40"; "--n"; "500" ]
        Assert.True((code = 0), err)
        Assert.Equal(during, w2At40 ())
        let html = File.ReadAllText(Path.Combine(a, "report.html"))
        Assert.Contains("Quality over training", html)
        Assert.Contains("Evaluated at steps 20, 40, 50", html)
        Assert.True(File.Exists(Path.Combine(a, "plots", "quality-w2.png")))
        Assert.False(Directory.Exists(Path.Combine(b, "metrics"))))

[<Fact>]
let ``gan eval at two checkpoints gives the report a quality plot, and a damaged metrics file is skipped and named`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        // Checkpoints at 20 and 40 (--eval-every saves them); their metrics files are removed, then made again by gan eval.
        let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "40"; "--out"; run; "--eval-every"; "20"; "--eval-n"; "300" ]
        Assert.True((code = 0), err)
        Directory.Delete(Path.Combine(run, "metrics"), true)
        let code, _, _ = gan [ "report"; run ]
        Assert.Equal(0, code)
        Assert.DoesNotContain("Quality over training", File.ReadAllText(Path.Combine(run, "report.html")))
        for step in [ "20"; "40" ] do
            let code, _, err = gan [ "eval"; run; "--step"; step; "--n"; "300" ]
            Assert.True((code = 0), err)
        File.WriteAllText(Path.Combine(run, "metrics", "step-0000030.json"), "{ not json")
        let code, _, err = gan [ "report"; run ]
        Assert.True((code = 0), err)
        let html = File.ReadAllText(Path.Combine(run, "report.html"))
        Assert.Contains("Evaluated at steps 20, 40", html)
        Assert.Contains("step-0000030.json: not a metrics file", html))

[<Fact>]
let ``--eval-every and --eval-n refuse values that cannot work, naming the flag`` () =
    TestFiles.withTempDir (fun dir ->
        for args, expected in [ [ "--eval-every"; "0" ], "--eval-every must be positive"
                                [ "--eval-every"; "5"; "--eval-n"; "3" ], "--eval-n 3: use at least 10 samples"
                                [ "--eval-n"; "100" ], "give --eval-every N too" ] do
            let code, _, err = gan ([ "train"; "specs/gaussian2d.gan"; "--out"; Path.Combine(dir, "r") ] @ args)
            Assert.True((code = 1), sprintf "%A: exit %d\n%s" args code err)
            Assert.Contains(expected, err)
            Assert.DoesNotContain("   at ", err))

[<Fact>]
let ``A resumed run goes on evaluating as it was started, and --eval-every given again changes that and is recorded`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let samplesAt (step: int) =
            use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics", sprintf "step-%07d.json" step)))
            doc.RootElement.GetProperty("protocol").GetProperty("samples").GetInt32()
        let evaluated () = Directory.GetFiles(Path.Combine(run, "metrics")) |> Array.map Path.GetFileName |> Array.sort
        let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--steps"; "40"; "--out"; run; "--eval-every"; "20"; "--eval-n"; "300" ]
        Assert.True((code = 0), err)
        let code, _, err = gan [ "train"; "--resume"; run; "--steps"; "80" ]
        Assert.True((code = 0), err)
        Assert.Equal<string[]>([| "step-0000020.json"; "step-0000040.json"; "step-0000060.json"; "step-0000080.json" |], evaluated ())
        Assert.Equal(300, samplesAt 60)
        let code, _, err = gan [ "train"; "--resume"; run; "--steps"; "130"; "--eval-every"; "25" ]
        Assert.True((code = 0), err)
        // Every 25 from step 80 on (100, 125) and at the end; still 300 samples each.
        Assert.Equal<string[]>([| "step-0000020.json"; "step-0000040.json"; "step-0000060.json"; "step-0000080.json"
                                  "step-0000100.json"; "step-0000125.json"; "step-0000130.json" |], evaluated ())
        Assert.Equal(300, samplesAt 125)
        use p = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "params.json")))
        Assert.Equal(25, p.RootElement.GetProperty("eval_every").GetInt32())
        Assert.Equal(300, p.RootElement.GetProperty("eval_n").GetInt32()))
