/// `gan check SPEC...`: parse, bind and check specs; exit 1 on any error (or warning with --warnaserror).
module Gan.Cli.Commands.Check

open System.Text.Json.Nodes
open Argu
open Gan.Cli
open Gan.Dsl

type Args =
    | [<MainCommand; Mandatory>] Specs of spec: string list
    | Warnaserror
    | Json
    | Set of assignment: string
    | Root of dir: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Specs _ -> "the .gan files to check."
            | Warnaserror -> "treat warnings as errors."
            | Json -> "print diagnostics as JSON (one array for all files) on stdout."
            | Set _ -> "override a param, e.g. --set lr=1e-4 (repeatable)."
            | Root _ ->
                "the project root: the files a spec names (use, images) must lie under it (default: each spec's own folder)."

let run (args: ParseResults<Args>) =
    let overrides = SpecArgs.overrides (args.GetResults Set)
    let strict = args.Contains Warnaserror
    let specs = [ for path in args.GetResult Specs -> GanSpec.Load(path, overrides, Option.toObj (args.TryGetResult Root)) ]
    let failed (s: GanSpec) = s.HasErrors || (strict && not (Seq.isEmpty s.Warnings))
    if args.Contains Json then
        let arr = JsonArray()
        for s in specs do
            for d in s.Diagnostics do arr.Add(SpecArgs.diagnosticJson d)
        printfn "%s" (arr.ToJsonString SpecArgs.jsonOptions)
    else
        for s in specs do
            SpecArgs.printDiagnostics s.Diagnostics
            let errors = Seq.length s.Errors
            let warnings = Seq.length s.Warnings
            if failed s then eprintfn "%s: %d error(s), %d warning(s)" s.Path errors warnings
            else printfn "%s: ok%s" s.Path (if warnings > 0 then sprintf " (%d warning(s))" warnings else "")
    if specs |> List.exists failed then ExitCodes.BadInput else ExitCodes.Ok
