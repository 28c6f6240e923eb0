/// `gan emit pytorch SPEC --out DIR`: a spec as readable, self-contained PyTorch.
module Gan.Cli.Commands.Emit

open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors

type Args =
    | [<MainCommand; ExactlyOnce>] Target of target: string * spec: string
    | [<Mandatory; Unique>] Out of dir: string
    | Set of assignment: string
    | Probe

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Target _ -> "pytorch SPEC: the target (pytorch) and the .gan spec."
            | Out _ ->
                "the folder to write into: model.py, train.py (torchrun-ready) and their modules, check.py, and spec/ "
                + "(the spec, its used files, params.json) for train.py's run folders."
            | Set _ -> "override a param, e.g. --set ngf=32 (repeatable)."
            | Probe ->
                "also write weights.safetensors and probe.safetensors (GanDsl's outputs on fixed inputs), so that "
                + "`python3 DIR/check.py` proves model.py computes what GanDsl computes."

let run (args: ParseResults<Args>) =
    let target, specPath = args.GetResult Target
    if target <> "pytorch" then
        raise (UserInputException(
            sprintf "gan emit %s: unknown target; the one target is pytorch (gan emit pytorch SPEC --out DIR)" target))
    let spec = SpecArgs.loadChecked specPath (args.GetResults Set)
    for path in GanRun.EmitPyTorch(spec, args.GetResult Out, args.Contains Probe) do
        printfn "%s" path
    ExitCodes.Ok
