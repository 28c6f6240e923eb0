/// Runs survive kills: `gan train` is killed (SIGKILL, as `kill -9`) again and again, at chosen writes and at random
/// moments, resumed each time with `gan train --resume RUN`, and must end exactly where an uninterrupted run ends.
module Gan.Tests.Cli.ChaosTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Xunit
open Xunit.Abstractions
open Gan.Tests
open Gan.Tests.Cli.Process

/// How one process of the chaos run ends: killed inside a write (GANDSL_CHAOS_KILL=POINT:N makes the process kill itself
/// there, with a temporary file written and not yet renamed, or half a log row appended), killed from outside a random
/// delay after it began training (its log moved), or left to finish.
type Ending =
    | AtWrite of point: string * hit: int
    | TrainingMs of int
    | Finish

let private start (args: string list) (chaos: string option) =
    let psi = ProcessStartInfo("dotnet", cli :: args, WorkingDirectory = TestFiles.repoRoot, RedirectStandardOutput = true,
                               RedirectStandardError = true)
    psi.Environment.["DOTNET_NOLOGO"] <- "1"
    // One torch thread each: the reference and the chaos run train side by side, and the same thread count gives the same
    // numbers (OpenMP threads of two processes fighting over 2 cores would crawl).
    psi.Environment.["OMP_NUM_THREADS"] <- "1"
    chaos |> Option.iter (fun c -> psi.Environment.["GANDSL_CHAOS_KILL"] <- c)
    let p = Process.Start psi
    let err = p.StandardError.ReadToEndAsync()
    p.StandardOutput.ReadToEndAsync() |> ignore
    p, err

/// What a process can leave in a run folder when killed mid-write: temporary files and folders (each named by its kind of
/// write), and a torn last row of log.csv (named with the log's length, so that an old torn row is not counted again).
let leftovers (run: string) =
    let under sub pattern what =
        let dir = Path.Combine(run, sub)
        if Directory.Exists dir then [ for e in Directory.EnumerateFileSystemEntries(dir, pattern) -> what, e ] else []
    let log = Path.Combine(run, "log.csv")
    set [ yield! under "checkpoints" ".step-*" "checkpoint write"
          yield! under "samples" "*.tmp-*" "sample write"
          yield! under "plots" "*.tmp-*" "plot write"
          yield! under "." "report.html.tmp-*" "report write"
          yield! under "." "*.tmp-*" "other write (params, spec copy, log header, epochs.csv)"
          if File.Exists log && not ((File.ReadAllText log).EndsWith "\n") then
              yield "log write", sprintf "log.csv, %d bytes" (FileInfo(log).Length) ]

/// The step of log.csv's last whole row (0 without one).
let private loggedStep (run: string) =
    let log = Path.Combine(run, "log.csv")
    if not (File.Exists log) then 0L
    else
        let whole = (File.ReadAllText log).Split('\n') |> Array.truncate (max 0 ((File.ReadAllText log).Split('\n').Length - 1))
        match whole |> Array.tryLast |> Option.map (fun l -> Int64.TryParse(l.Split(',').[0])) with
        | Some(true, step) -> step
        | _ -> 0L

/// What a kill interrupted: the write whose leftovers are new since the process started (a resume removes old ones), or
/// training between writes (the log moved on, or was cut back to the checkpoint the run resumed from) or the start-up
/// (it did not change).
let interrupted before after (stepBefore: int64) (stepAfter: int64) =
    match Set.difference after before |> Set.toList |> List.map fst |> List.sortBy (fun (w: string) -> w.StartsWith "other") with
    | what :: _ -> what
    | [] when stepAfter <> stepBefore -> "training or resuming, between writes"
    | [] -> "start-up, before the first new log row"

/// Runs one process of the chaos run to its ending; returns what the kill interrupted, or None if it finished first.
let private step (args: string list) (ending: Ending) (run: string) =
    let chaos = match ending with AtWrite (point, n) -> Some(sprintf "%s:%d" point n) | _ -> None
    let before, stepBefore = leftovers run, loggedStep run
    let p, err = start args chaos
    use _ = p
    match ending with
    | TrainingMs ms ->
        // Training has begun once the log moves (a resume first cuts it back to its checkpoint); then a random delay.
        let log = Path.Combine(run, "log.csv")
        let stamp () = if File.Exists log then File.GetLastWriteTimeUtc log, loggedStep run else DateTime.MinValue, 0L
        let first = stamp ()
        let deadline = DateTime.UtcNow.AddMinutes 2.0
        while not p.HasExited && stamp () = first && DateTime.UtcNow < deadline do Threading.Thread.Sleep 10
        if not (p.WaitForExit ms) then p.Kill true
    | _ -> ()
    if not (p.WaitForExit 900_000) then
        p.Kill true
        failwithf "gan %s hung" (String.concat " " args)
    match p.ExitCode with
    | 0 -> None
    | 137 | -1 ->
        let stepAfter = loggedStep run
        Some(sprintf "%s (log at step %d)" (interrupted before (leftovers run) stepBefore stepAfter) stepAfter)
    | code -> failwithf "gan %s exited %d:\n%s" (String.concat " " args) code err.Result

/// A checkpoint folder's files as bytes, state.json without its wall-clock field.
let private checkpoint (dir: string) =
    Directory.GetFiles dir
    |> Array.sort
    |> Array.map (fun f ->
        let bytes = File.ReadAllBytes f
        let bytes =
            if Path.GetFileName f = "state.json" then
                Text.Encoding.UTF8.GetBytes(Regex.Replace(Text.Encoding.UTF8.GetString bytes, "\"Elapsed\":[^,}]*", ""))
            else bytes
        Path.GetFileName f, bytes)

let private checkpoints (run: string) =
    Directory.GetDirectories(Path.Combine(run, "checkpoints"), "step-*")
    |> Array.sort
    |> Array.map (fun d -> Path.GetFileName d, checkpoint d)

/// Kills a run at every kind of write and at random moments, resuming each time; returns the kills' tally.
let private chaosRun (output: ITestOutputHelper) (spec: string) (extra: string list) (randomMs: int * int) (writes: Ending list) =
    TestFiles.withTempDir (fun dir ->
        let reference = Path.Combine(dir, "reference")
        let run = Path.Combine(dir, "chaos")
        // The uninterrupted run, beside the chaos one.
        let refProcess, refErr = start ([ "train"; spec; "--out"; reference ] @ extra) None
        use _ = { new IDisposable with member _.Dispose() = if not refProcess.HasExited then refProcess.Kill true }
        let random = Random 2026
        let lo, hi = randomMs
        let randoms = List.init 8 (fun _ -> TrainingMs(random.Next(lo, hi)))
        // The first process is killed at a write, after params.json exists: from then on the run resumes. The report and
        // its plots are written once training is done, so those kills come last.
        let plan = writes.Head :: randoms.[0..3] @ writes.Tail @ randoms.[4..] @ [ AtWrite("plot", 1); AtWrite("report", 1); Finish ]
        let tally = Collections.Generic.List<string>()
        plan |> List.iteri (fun i ending ->
            let args = if i = 0 then [ "train"; spec; "--out"; run ] @ extra else [ "train"; "--resume"; run ]
            match step args ending run with
            | Some what ->
                tally.Add what
                output.WriteLine(sprintf "kill %d (%A): %s" tally.Count ending what)
            | None -> output.WriteLine(sprintf "process %d (%A) finished before any kill" (i + 1) ending))
        refProcess.WaitForExit()
        Assert.True((refProcess.ExitCode = 0), refErr.Result)
        Assert.Equal<string[]>(TestFiles.logWithoutTiming reference, TestFiles.logWithoutTiming run)
        for f in [ "epochs.csv" ] do
            if File.Exists(Path.Combine(reference, f)) then
                Assert.Equal<string[]>(File.ReadAllLines(Path.Combine(reference, f)), File.ReadAllLines(Path.Combine(run, f)))
        let expected, actual = checkpoints reference, checkpoints run
        Assert.Equal<string[]>(Array.map fst expected, Array.map fst actual)
        Assert.Equal(2, expected.Length)   // the last two are kept
        for (name, files), (_, files') in Array.zip expected actual do
            Assert.Equal<string[]>(Array.map fst files, Array.map fst files')
            for (file, bytes), (_, bytes') in Array.zip files files' do
                Assert.True((bytes = bytes'), sprintf "%s/%s differs from the uninterrupted run's" name file)
        Assert.Empty(Directory.GetFiles(run, "*.tmp-*", SearchOption.AllDirectories))
        let kinds = tally |> Seq.map (fun w -> w.Substring(0, w.IndexOf " (log at")) |> Seq.toList
        kinds |> List.countBy id |> List.iter (fun (what, n) -> output.WriteLine(sprintf "%d kills: %s" n what))
        kinds)

type ChaosTests(output: ITestOutputHelper) =
    [<Fact>]
    member _.``gaussian2d killed at every kind of write and at random moments resumes to exactly the uninterrupted run``() =
        let tally =
            chaosRun output (TestFiles.spec "gaussian2d.gan") [] (0, 500)
                [ AtWrite("sample", 2); AtWrite("checkpoint", 1); AtWrite("log", 50) ]
        Assert.True(tally.Length >= 10, sprintf "only %d kills" tally.Length)
        for what in [ "checkpoint write"; "sample write"; "log write"; "plot write"; "report write" ] do Assert.Contains(what, tally)

    [<Fact>]
    member _.``a few hundred mnist-mlp steps killed at every kind of write and at random moments resume exactly``() =
        TestFiles.withTempDir (fun dir ->
            // mnist-mlp with checkpoints and samples every 25 and 50 steps, so that 300 steps hold several of each and random
            // kills resume from checkpoints along the way.
            let spec = Path.Combine(dir, "mnist-mlp.gan")
            File.WriteAllText(spec, File.ReadAllText(TestFiles.spec "mnist-mlp.gan")
                                        .Replace("sample_every: 400", "sample_every: 50")
                                        .Replace("checkpoint_every: 2000", "checkpoint_every: 25"))
            let tally =
                chaosRun output spec [ "--steps"; "300" ] (0, 600)
                    [ AtWrite("sample", 2); AtWrite("checkpoint", 1); AtWrite("log", 50) ]
            Assert.True(tally.Length >= 10, sprintf "only %d kills" tally.Length)
            for what in [ "checkpoint write"; "sample write"; "log write"; "plot write"; "report write" ] do Assert.Contains(what, tally))
