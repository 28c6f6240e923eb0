/// `gan apply RUN --network G --in X.safetensors --out Y.safetensors`: one network of a run on inputs from a file.
module Gan.Cli.Commands.Apply

open Argu
open Gan.Cli
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string
    | [<Mandatory; Unique>] Network of name: string
    | Output of name: string
    | [<Mandatory; Unique>] In of file: string
    | [<Mandatory; Unique>] Out of file: string
    | Mode of mode: string
    | Step of int64

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder (made by gan train)."
            | Network _ -> "the network to run (e.g. G, D, G_ema)."
            | Output _ -> "the output to write (default: the network's default output)."
            | In _ ->
                "a .safetensors file of inputs, named after the network's inputs in the spec, N samples each (a one-input network "
                + "also takes a file holding a single tensor of any name)."
            | Out _ -> "the .safetensors file to write: the output alone, under its name."
            | Mode _ -> "eval (default: running statistics) or train (batch statistics, one spectral-norm power iteration)."
            | Step _ -> "use the checkpoint of this step (default: the latest)."

let run (args: ParseResults<Args>) =
    let out = args.GetResult Out
    let shape =
        GanRun.Apply(args.GetResult Run, args.GetResult Network, Option.toObj (args.TryGetResult Output), args.GetResult In, out,
                     defaultArg (args.TryGetResult Mode) "eval", Option.toNullable (args.TryGetResult Step))
    eprintfn "output [%s]" (shape |> Array.map string |> String.concat ", ")
    printfn "%s" out
    ExitCodes.Ok
