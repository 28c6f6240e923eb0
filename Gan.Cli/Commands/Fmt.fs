/// `gan fmt SPEC... [--check]`: canonical formatting, written in place (atomically).
module Gan.Cli.Commands.Fmt

open Argu
open Gan.Cli
open Gan.Runtime
open Gan.Runtime.Errors

type Args =
    | [<MainCommand; Mandatory>] Specs of spec: string list
    | Check

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Specs _ -> "the .gan files to format in place."
            | Check -> "do not write; exit 1 if any file is not formatted."

let run (args: ParseResults<Args>) =
    let check = args.Contains Check
    let mutable unformatted = 0
    for path in args.GetResult Specs do
        let result = SpecFiles.Format(path, not check)
        if isNull result.Text then
            SpecArgs.printDiagnostics result.Diagnostics
            raise (UserInputException(sprintf "%s has syntax errors; fix them before formatting" path))
        if result.Changed then
            unformatted <- unformatted + 1
            if check then eprintfn "%s: not formatted" path else printfn "%s: formatted" path
    if check && unformatted > 0 then ExitCodes.BadInput else ExitCodes.Ok
