/// `gan eval RUN`: quality metrics that fit the run's data, with their protocol; writes metrics.json.
module Gan.Cli.Commands.Eval

open System.Text.Json
open Argu
open Gan.Cli
open Gan.Runtime.Metrics

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string
    | Json
    | N of int
    | Step of int64
    | Seed of int

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder (made by gan train)."
            | Json -> "print the metrics as JSON."
            | N _ -> "how many samples to generate (default 10000)."
            | Step _ -> "evaluate the checkpoint of this step (default: the latest)."
            | Seed _ -> "noise seed (default 0)."

let run (args: ParseResults<Args>) =
    let runDir = args.GetResult Run
    let n = defaultArg (args.TryGetResult N) 10000
    if n < 10 then raise (Gan.Runtime.Errors.UserInputException(sprintf "--n %d: use at least 10 samples" n))
    let metrics = RunEvaluator.Evaluate(runDir, n, Option.toNullable (args.TryGetResult Step), defaultArg (args.TryGetResult Seed) 0, fun s -> eprintfn "%s" s)
    if args.Contains Json then printfn "%s" (JsonSerializer.Serialize(metrics, SpecArgs.jsonOptions))
    else printfn "%s" (RunEvaluator.Format metrics)
    // The run's report shows the metrics table: refresh it so it never says "no metrics yet" after an eval.
    eprintfn "report: %s" (Gan.Runtime.Reports.RunReport.Write runDir)
    ExitCodes.Ok
