/// `gan report RUN`: write report.html (loss curves, D outputs, samples, metrics, spec) for a run.
module Gan.Cli.Commands.Report

open Argu
open Gan.Cli
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder to report on (made by gan train)."

let run (args: ParseResults<Args>) =
    printfn "%s" (GanRun.WriteReport(args.GetResult Run))
    ExitCodes.Ok
