/// `gan export RUN --out FILE.safetensors`: a run's weights as safetensors, named as PyTorch (or PyTorch-GAN) names them.
module Gan.Cli.Commands.Export

open Argu
open Gan.Cli
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string
    | [<Mandatory; Unique>] Out of file: string
    | Step of int64
    | Network of name: string
    | Names of naming: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder to export (made by gan train)."
            | Out _ -> "the .safetensors file to write (replaced atomically)."
            | Step _ -> "use the checkpoint of this step (default: the latest)."
            | Network _ ->
                "export only this network, under bare names (what its class in the emitted model.py loads); default: every "
                + "network (EMA copies included), each key prefixed with the network's name and a dot."
            | Names _ ->
                "pytorch (default: the emitted model.py's keys, e.g. 3_linear.weight, spectral norm as weight_orig/_u/_v) or "
                + "pytorch-gan (PyTorch-GAN's nn.Sequential: model.K.weight)."

let run (args: ParseResults<Args>) =
    let out = args.GetResult Out
    let struct (tensors, bytes) =
        GanRun.Export(args.GetResult Run, out, Option.toNullable (args.TryGetResult Step), Option.toObj (args.TryGetResult Network),
                      Option.toObj (args.TryGetResult Names))
    eprintfn "%d tensors, %.1f MB" tensors (float bytes / 1e6)
    printfn "%s" out
    ExitCodes.Ok
