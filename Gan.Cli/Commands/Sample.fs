/// `gan sample RUN`: draw samples from a run's checkpoint into a PNG grid.
module Gan.Cli.Commands.Sample

open Argu
open Gan.Cli
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Run of run: string
    | N of int
    | Out of file: string
    | Class of int
    | Step of int64
    | Seed of int
    | No_Ema

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Run _ -> "the run folder to sample from (made by gan train)."
            | N _ -> "how many samples (default 64)."
            | Out _ -> "the PNG to write (default RUN/sample-step<N>.png)."
            | Class _ -> "for conditional specs: draw only class K."
            | Step _ -> "use the checkpoint of this step (default: the latest)."
            | Seed _ -> "noise seed (default 0)."
            | No_Ema -> "sample the trained generator G itself, not its EMA copy G_ema (the default when the spec keeps one)."

let run (args: ParseResults<Args>) =
    use model = GanModel.LoadRun(args.GetResult Run, Option.toNullable (args.TryGetResult Step), not (args.Contains No_Ema))
    match model.SamplingNote with
    | null -> ()
    | note -> eprintfn "%s" note
    let path =
        model.SaveSamples(Option.toObj (args.TryGetResult Out), defaultArg (args.TryGetResult N) 64,
                          Option.toNullable (args.TryGetResult Class), defaultArg (args.TryGetResult Seed) 0)
    printfn "%s" path
    ExitCodes.Ok
