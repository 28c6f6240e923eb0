/// The training progress line: refreshed in place on a terminal, a plain line every ~5% (or 30 s) otherwise; notices
/// on lines of their own.
module Gan.Cli.Progress

open System
open System.Diagnostics
open System.Globalization
open Gan.Runtime

type Bar() =
    let tty = not Console.IsErrorRedirected
    let clock = Stopwatch.StartNew()
    let mutable lastPrint = -1e9
    let mutable lastStep = 0L
    let mutable showing = false

    let show (p: TrainProgress) =
        let t = clock.Elapsed.TotalSeconds
        let milestone = p.TotalSteps > 0L && p.Step * 20L / p.TotalSteps <> lastStep * 20L / p.TotalSteps
        lastStep <- p.Step
        if (if tty then t - lastPrint >= 0.2 else milestone || t - lastPrint > 30.0) then
            lastPrint <- t
            let losses =
                p.Values
                |> Seq.filter (fun kv -> kv.Key <> "images_per_s" && kv.Key <> "elapsed_s")
                |> Seq.map (fun kv -> sprintf "%s %s" kv.Key (kv.Value.ToString("F4", CultureInfo.InvariantCulture)))
                |> String.concat " "
            // The rate counts this process's steps only (a resumed run starts at its checkpoint).
            let rate = float (p.Step - p.StartStep) / max t 1e-9
            let eta =
                if p.TotalSteps > 0L && rate > 0.0 then
                    TimeSpan.FromSeconds(float (p.TotalSteps - p.Step) / rate).ToString(@"hh\:mm\:ss")
                else "?"
            let total = if p.TotalSteps > 0L then sprintf "/%d" p.TotalSteps else ""
            let imagesPerSecond = match p.Values.TryGetValue "images_per_s" with | true, v -> v | _ -> 0.0
            let line = sprintf "step %d%s epoch %d | %s | %.0f img/s | ETA %s" p.Step total p.Epoch losses imagesPerSecond eta
            if tty then
                eprintf "\r%s" (if line.Length > 160 then line.Substring(0, 160) else line.PadRight 160)
                showing <- true
            else eprintfn "%s" line

    /// Ends the refreshing line, if one is showing.
    member _.Finish() =
        if showing then eprintfn ""
        showing <- false

    interface IProgress<TrainProgress> with
        member this.Report p =
            match p.Notice with
            | null -> show p
            | notice ->
                this.Finish()
                eprintfn "%s" notice
