/// `gan judge train`: train (again) the MNIST judge used by gan eval, and cache it next to the data.
module Gan.Cli.Commands.Judge

open System.Diagnostics
open Argu
open Gan.Cli
open Gan.Runtime.Metrics

type Action =
    | Train

type Args =
    | [<MainCommand; ExactlyOnce>] Action of Action

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Action _ -> "train: train the MNIST judge (deterministic, 4 epochs) and cache it."

let run (args: ParseResults<Args>) =
    match args.GetResult Action with
    | Train ->
        let sw = Stopwatch.StartNew()
        let struct (judge, accuracy) = JudgeCache.Train(fun s -> eprintfn "%s" s)
        judge.Dispose()
        printfn "judge %s: test accuracy %.2f%% (%.0f s), saved to %s" MnistJudge.Version (100.0 * accuracy) sw.Elapsed.TotalSeconds JudgeCache.PathFor
        if accuracy < 0.99 then
            eprintfn "warning: the judge is below 99.0%% test accuracy; its metrics are less reliable"
        ExitCodes.Ok
