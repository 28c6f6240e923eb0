/// `gan eval RUN`: quality metrics that fit the run's data, with their protocol; writes metrics.json, refreshes report.html.
module Gan.Cli.Commands.Eval

open System.Text.Json
open Argu
open Gan.Cli
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string
    | Json
    | N of int
    | Step of int64
    | Seed of int
    | No_Ema

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder to evaluate (made by gan train)."
            | Json -> "print the metrics as JSON."
            | N _ -> "how many samples to generate (default 10000)."
            | Step _ -> "evaluate the checkpoint of this step (default: the latest)."
            | Seed _ -> "noise seed (default 0)."
            | No_Ema -> "evaluate the trained generator G itself, not its EMA copy G_ema (the default when the spec keeps one)."

let run (args: ParseResults<Args>) =
    let result =
        GanRun.Evaluate(args.GetResult Run, defaultArg (args.TryGetResult N) 10000, Option.toNullable (args.TryGetResult Step),
                        defaultArg (args.TryGetResult Seed) 0, Console.err, not (args.Contains No_Ema))
    if args.Contains Json then printfn "%s" (JsonSerializer.Serialize(result.Metrics, SpecArgs.jsonOptions))
    else printfn "%s" result.Text
    eprintfn "report: %s" result.Report
    ExitCodes.Ok
