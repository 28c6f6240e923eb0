/// `gan version`: versions of GanDsl, TorchSharp and libtorch.
module Gan.Cli.Commands.Version

open Argu
open Gan.Runtime
open Gan.Cli

type Args =
    | Json

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Json -> "print the versions as a JSON object."

let run (args: ParseResults<Args>) =
    if args.Contains Json then
        printfn "{\"gandsl\": \"%s\", \"torchsharp\": \"%s\", \"libtorch\": \"%s\"}"
            RuntimeInfo.GanDslVersion RuntimeInfo.TorchSharpVersion RuntimeInfo.LibTorchVersion
    else
        printfn "GanDsl %s\nTorchSharp %s\nlibtorch %s" RuntimeInfo.GanDslVersion RuntimeInfo.TorchSharpVersion
            RuntimeInfo.LibTorchVersion
    ExitCodes.Ok
