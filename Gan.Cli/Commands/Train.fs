/// `gan train SPEC`: compile a spec and train it into a run folder.
module Gan.Cli.Commands.Train

open System
open System.Threading
open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors

type Args =
    | [<MainCommand; ExactlyOnce>] Spec of spec: string
    | Out of dir: string
    | Epochs of int
    | Steps of int
    | Batch of int
    | Seed of int
    | Device of string
    | Set of assignment: string
    | Resume of dir: string option
    | Log_Every of int
    | Force

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Spec _ -> "the .gan spec to train."
            | Out _ -> "run folder (default runs/<spec-name>-<timestamp>)."
            | Epochs _ -> "train for N epochs (overrides the spec)."
            | Steps _ -> "train for N iterations of the step order (overrides the spec)."
            | Batch _ -> "batch size (overrides the spec)."
            | Seed _ -> "random seed (overrides the spec); the same seed on CPU gives the same log.csv."
            | Device _ -> "cpu (default) or cuda."
            | Set _ -> "override a param, e.g. --set lr=1e-4 (repeatable)."
            | Resume _ -> "continue a run from its last checkpoint (the run folder, or --out)."
            | Log_Every _ ->
                "write a log.csv row (and check the losses are finite) every N iterations, and at the first and the last (default 1); "
                + "larger N saves host syncs on small models."
            | Force -> "train even when the memory estimate exceeds the memory available (see gan shapes for the estimate)."

let run (args: ParseResults<Args>) =
    let specPath = args.GetResult Spec
    let spec = GanSpec.Load(specPath, SpecArgs.overrides (args.GetResults Set))
    if spec.HasErrors then
        SpecArgs.printDiagnostics spec.Diagnostics
        raise (UserInputException(sprintf "%s has errors; run `gan check %s`" specPath specPath))
    let resumeDir = args.TryGetResult Resume |> Option.flatten
    let options =
        TrainOptions(
            OutDir = (match resumeDir with Some d -> d | None -> Option.toObj (args.TryGetResult Out)),
            Epochs = Option.toNullable (args.TryGetResult Epochs), Steps = Option.toNullable (args.TryGetResult Steps),
            Batch = Option.toNullable (args.TryGetResult Batch), Resume = args.Contains Resume,
            LogEvery = defaultArg (args.TryGetResult Log_Every) 1)
    let device = defaultArg (args.TryGetResult Device) "cpu"
    // Refused before any tensor exists when it cannot fit (GANDSL_MEMORY_LIMIT replaces the machine's memory).
    let memory = MemoryEstimate.Check(spec, options.Batch, device, args.Contains Force)
    if not (isNull memory.OverLimit) then eprintfn "warning: %s; going on (--force)." memory.OverLimit
    // The seed and the device are the model's: its networks are built from the seed, on the device.
    use model = GanModel.Create(spec, device, Option.toNullable (args.TryGetResult Seed))
    let bar = Progress.Bar()
    use cancel = new CancellationTokenSource()
    let handler = ConsoleCancelEventHandler(fun _ e -> e.Cancel <- true; cancel.Cancel(); eprintfn "\nstopping after this step...")
    Console.CancelKeyPress.AddHandler handler
    let result =
        try model.Train(options, bar, cancel.Token)
        finally
            bar.Finish()
            Console.CancelKeyPress.RemoveHandler handler
    if result.Stopped then
        eprintfn "stopped at step %d; checkpoint %s. Resume with: gan train %s --out %s --resume"
            result.Steps result.Checkpoint specPath result.RunDir
    else
        eprintfn "done: %d steps in %.1f s (%.1f%% of step time waiting for data); run folder %s"
            result.Steps result.Seconds (100.0 * result.DataWaitFraction) result.RunDir
    printfn "%s" result.RunDir
    eprintfn "report: %s" result.Report
    ExitCodes.Ok
