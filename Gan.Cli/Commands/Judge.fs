/// `gan judge train`: train (again) the MNIST judge used by gan eval, and cache it next to the data.
module Gan.Cli.Commands.Judge

open Argu
open Gan.Cli
open Gan.Runtime

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
        let judge = GanJudge.Train(Console.err)
        printfn "judge %s: test accuracy %.2f%% (%.0f s), saved to %s" judge.Version (100.0 * judge.Accuracy) judge.Seconds judge.Path
        if judge.Accuracy < 0.99 then
            eprintfn "warning: the judge is below 99.0%% test accuracy; its metrics are less reliable"
        ExitCodes.Ok
