/// `gan judge train [--data mnist|fashion-mnist]`: train (again) a judge used by gan eval, and cache it next to the data.
module Gan.Cli.Commands.Judge

open Argu
open Gan.Cli
open Gan.Runtime

type Action =
    | Train

type Args =
    | [<MainCommand; ExactlyOnce>] Action of Action
    | Data of set: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Action _ -> "train: train a judge (deterministic: MNIST judge-v3, 8 epochs; Fashion-MNIST judge-v5, 10 epochs) and cache it."
            | Data _ -> "the dataset whose judge to train: mnist (default) or fashion-mnist."

let run (args: ParseResults<Args>) =
    match args.GetResult Action with
    | Train ->
        let judge = GanJudge.Train(defaultArg (args.TryGetResult Data) "mnist", Console.err)
        printfn "judge %s: test accuracy %.2f%% (%.0f s), saved to %s" judge.Version (100.0 * judge.Accuracy) judge.Seconds judge.Path
        if judge.Accuracy < judge.ExpectedAccuracy then
            eprintfn "warning: the judge is below %.1f%% test accuracy; its metrics are less reliable" (100.0 * judge.ExpectedAccuracy)
        ExitCodes.Ok
