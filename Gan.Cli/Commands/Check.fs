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

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Specs _ -> "the .gan files to check."
            | Warnaserror -> "treat warnings as errors."
            | Json -> "print diagnostics as JSON (one array for all files) on stdout."
            | Set _ -> "override a param, e.g. --set lr=1e-4 (repeatable)."

let run (args: ParseResults<Args>) =
    let overrides = SpecArgs.overrides (args.GetResults Set)
    let strict = args.Contains Warnaserror
    let results = [ for path in args.GetResult Specs -> Compilation.CompileFile(path, overrides) ]
    let failed (r: CompileResult) = r.HasErrors || (strict && not (Seq.isEmpty r.Warnings))
    if args.Contains Json then
        let arr = JsonArray()
        for r in results do
            for d in r.Diagnostics do arr.Add(SpecArgs.diagnosticJson d)
        printfn "%s" (arr.ToJsonString SpecArgs.jsonOptions)
    else
        for r in results do
            SpecArgs.printDiagnostics r
            let errors = Seq.length r.Errors
            let warnings = Seq.length r.Warnings
            let path = r.Syntax.Source.Path
            if failed r then eprintfn "%s: %d error(s), %d warning(s)" path errors warnings
            else printfn "%s: ok%s" path (if warnings > 0 then sprintf " (%d warning(s))" warnings else "")
    if results |> List.exists failed then ExitCodes.BadInput else ExitCodes.Ok
