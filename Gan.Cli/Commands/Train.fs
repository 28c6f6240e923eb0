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
    | [<MainCommand; Unique>] Spec of spec: string
    | Out of dir: string
    | Epochs of int
    | Steps of int
    | Batch of int
    | Seed of int
    | Device of string
    | Set of assignment: string
    | Resume of dir: string option
    | Log_Every of int
    | Init of weights: string
    | TensorBoard
    | Eval_Every of int
    | Eval_N of int
    | Force

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Spec _ -> "the .gan spec to train (not needed with --resume: a run trains its own copy)."
            | Out _ -> "run folder (default runs/<spec-name>-<timestamp>)."
            | Epochs _ -> "train for N epochs (overrides the spec)."
            | Steps _ -> "train for N iterations of the step order (overrides the spec)."
            | Batch _ -> "batch size (overrides the spec)."
            | Seed _ -> "random seed (overrides the spec); the same seed on CPU gives the same log.csv."
            | Device _ -> "cpu (default) or cuda."
            | Set _ -> "override a param, e.g. --set lr=1e-4 (repeatable)."
            | Resume _ ->
                "continue a run from its last checkpoint, as it was started (its spec copy, steps or epochs, batch, seed, --set, "
                + "device, log interval); a flag that contradicts the run is refused, except a longer --steps or --epochs."
            | Log_Every _ ->
                "write a log.csv row (and check the losses are finite) every N iterations, and at the first and the last (default 1); "
                + "larger N saves host syncs on small models."
            | Init _ ->
                "start from weights in a .safetensors file (gan export's, or the emitted train.py's): FILE loads every network "
                + "whose name prefixes its keys; NETWORK=FILE loads one network from a file of its bare names (repeatable)."
            | TensorBoard ->
                "also write TensorBoard events into the run folder's tb/ (every log.csv column, each epoch's d_accuracy, each "
                + "sample picture): tensorboard --logdir RUN/tb. A run started with it goes on writing them when resumed."
            | Eval_Every _ ->
                "evaluate every N iterations and at the end, as gan eval --step S would (a checkpoint is saved there first): "
                + "metrics/step-S.json per step, plotted against the steps in report.html; the losses are unchanged by it. A "
                + "resumed run goes on evaluating as it did; given with --resume, it changes that."
            | Eval_N _ -> "samples per --eval-every evaluation (default 2000)."
            | Force -> "train even when the memory estimate exceeds the memory available (see gan shapes for the estimate)."

/// Trains until done or Ctrl-C, printing progress; returns the exit code.
let private train (model: GanModel) (options: TrainOptions) =
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
        eprintfn "stopped at step %d; checkpoint %s. Resume with: gan train --resume %s" result.Steps result.Checkpoint result.RunDir
    else
        eprintfn "done: %d steps in %.1f s (%.1f%% of step time waiting for data); run folder %s"
            result.Steps result.Seconds (100.0 * result.DataWaitFraction) result.RunDir
    printfn "%s" result.RunDir
    eprintfn "report: %s" result.Report
    ExitCodes.Ok

let run (args: ParseResults<Args>) =
    let nullable (case: Quotations.Expr<int -> Args>) = Option.toNullable (args.TryGetResult case)
    match args.TryGetResult Resume with
    | Some _ when args.Contains Init ->
        args.Raise("--init starts a new run from given weights; a resumed run continues from its own checkpoint: drop --init",
                   showUsage = false)
    | Some resume ->
        // The run folder: --resume DIR, or --out DIR --resume.
        let dir =
            match resume, args.TryGetResult Out with
            | Some d, _ | None, Some d -> d
            | None, None -> args.Raise("--resume needs the run folder: gan train --resume runs/NAME", showUsage = false)
        let flags =
            ResumeFlags(
                Spec = Option.toObj (args.TryGetResult Spec), Out = Option.toObj (args.TryGetResult Out),
                Epochs = nullable <@ Epochs @>, Steps = nullable <@ Steps @>, Batch = nullable <@ Batch @>,
                Seed = nullable <@ Seed @>, Device = Option.toObj (args.TryGetResult Device),
                LogEvery = nullable <@ Log_Every @>, Force = args.Contains Force, TensorBoard = args.Contains TensorBoard,
                EvalEvery = nullable <@ Eval_Every @>, EvalSamples = nullable <@ Eval_N @>,
                Set = (if args.Contains Set then SpecArgs.overrides (args.GetResults Set) else null))
        use resumed = GanModel.Resume(dir, flags)
        if not (isNull resumed.Memory.OverLimit) then eprintfn "warning: %s; going on (--force)." resumed.Memory.OverLimit
        train resumed.Model resumed.Options
    | None ->
        let specPath =
            match args.TryGetResult Spec with
            | Some p -> p
            | None -> args.Raise("gan train needs a SPEC to train, or --resume RUN to continue a run", showUsage = false)
        let spec = SpecArgs.loadChecked specPath (args.GetResults Set)
        let options =
            TrainOptions(
                OutDir = Option.toObj (args.TryGetResult Out), Epochs = nullable <@ Epochs @>, Steps = nullable <@ Steps @>,
                Batch = nullable <@ Batch @>, LogEvery = nullable <@ Log_Every @>, TensorBoard = args.Contains TensorBoard,
                EvalEvery = nullable <@ Eval_Every @>, EvalSamples = nullable <@ Eval_N @>)
        let device = defaultArg (args.TryGetResult Device) "cpu"
        // Refused before any tensor exists when it cannot fit (GANDSL_MEMORY_LIMIT replaces the machine's memory).
        let memory = MemoryEstimate.Check(spec, options.Batch, device, args.Contains Force)
        if not (isNull memory.OverLimit) then eprintfn "warning: %s; going on (--force)." memory.OverLimit
        // The seed and the device are the model's: its networks are built from the seed, on the device.
        use model = GanModel.Create(spec, device, nullable <@ Seed @>)
        for init in args.GetResults Init do
            let network, file =
                match init.IndexOf '=' with
                | i when i > 0 && model.NetworkNames |> Seq.contains (init.Substring(0, i)) -> init.Substring(0, i), init.Substring(i + 1)
                | _ -> null, init
            let loaded = model.LoadWeights(file, network)
            eprintfn "--init: %s from %s" (String.Join(", ", loaded)) file
        train model options
