/// `gan fmt SPEC... [--check]`: canonical formatting, written in place (temp file, then rename).
module Gan.Cli.Commands.Fmt

open System.IO
open Argu
open Gan.Cli
open Gan.Dsl.Diagnostics
open Gan.Dsl.Formatting
open Gan.Dsl.Syntax
open Gan.Dsl.Text
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
        let text =
            try File.ReadAllText path
            with :? IOException | :? System.UnauthorizedAccessException as e -> raise (UserInputException(sprintf "%s: %s" path e.Message))
        let bag = DiagnosticBag()
        let syntax = Parser.Parse(SourceText(path, text), bag)
        if bag.HasErrors then
            for d in bag do eprintfn "%s" (d.Format true)
            raise (UserInputException(sprintf "%s has syntax errors; fix them before formatting" path))
        let formatted = Formatter.Format syntax
        if formatted <> text then
            unformatted <- unformatted + 1
            if check then eprintfn "%s: not formatted" path
            else
                let tmp = path + ".fmt-tmp"
                File.WriteAllText(tmp, formatted)
                File.Move(tmp, path, true)
                printfn "%s: formatted" path
    if check && unformatted > 0 then ExitCodes.BadInput else ExitCodes.Ok
