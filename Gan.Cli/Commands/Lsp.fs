/// `gan lsp`: the language server for editors, on stdin/stdout (see docs/editors.md).
module Gan.Cli.Commands.Lsp

open System
open Argu
open Gan.Dsl

type Args =
    | Stdio

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Stdio -> "talk over stdin/stdout (the default and only transport; accepted because editor clients pass it)."

let run (_: ParseResults<Args>) =
    let output = Console.OpenStandardOutput()
    // Nothing but protocol may reach stdout: any stray Console.Write goes to stderr instead.
    Console.SetOut Console.Error
    GanLanguageServer.Run(Console.OpenStandardInput(), output, Console.Error)
