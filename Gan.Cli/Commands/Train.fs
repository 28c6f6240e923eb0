/// `gan train SPEC`: compile a spec and train it into a run folder.
module Gan.Cli.Commands.Train

open System
open System.IO
open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Runtime.Errors
open Gan.Runtime.Training

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
            | Log_Every _ -> "write a log.csv row (and check the losses are finite) every N iterations, and at the first and the last (default 1); larger N saves host syncs on small models."

let run (args: ParseResults<Args>) =
    let specPath = args.GetResult Spec
    let result = Compilation.CompileFile(specPath, SpecArgs.overrides (args.GetResults Set))
    if result.HasErrors then
        SpecArgs.printDiagnostics result
        raise (UserInputException(sprintf "%s has errors; run `gan check %s`" specPath specPath))
    let ir = result.Ir
    let resumeDir = args.TryGetResult Resume |> Option.flatten
    let resume = args.Contains Resume
    let out =
        match resumeDir, args.TryGetResult Out with
        | Some d, _ -> d
        | None, Some d -> d
        | None, None when resume -> raise (UserInputException "--resume needs the run folder: --resume runs/NAME or --out runs/NAME --resume")
        | None, None -> Path.Combine("runs", sprintf "%s-%s" ir.Name (DateTime.Now.ToString "yyyyMMdd-HHmmss"))
    let positive name (v: int option) =
        match v with
        | Some n when n <= 0 -> raise (UserInputException(sprintf "--%s must be positive, got %d" name n))
        | _ -> v
    let opts =
        TrainOptions(out, Option.toNullable (positive "epochs" (args.TryGetResult Epochs)), Option.toNullable (positive "steps" (args.TryGetResult Steps)),
                     Option.toNullable (positive "batch" (args.TryGetResult Batch)), Option.toNullable (args.TryGetResult Seed),
                     defaultArg (args.TryGetResult Device) "cpu", resume, Option.toNullable (positive "log-every" (args.TryGetResult Log_Every)))
    let say (s: string) = eprintfn "%s" s
    use trainer = new Trainer(ir, opts, Action<string> say)
    let handler = ConsoleCancelEventHandler(fun _ e -> e.Cancel <- true; trainer.RequestStop(); eprintfn "\nstopping after this step...")
    Console.CancelKeyPress.AddHandler handler
    try
        try
            trainer.Run()
        with :? TrainingStoppedException as e -> raise (UserInputException(e.Message))
    finally
        Console.CancelKeyPress.RemoveHandler handler
    let report = Gan.Runtime.Reports.RunReport.Write trainer.RunDir
    printfn "%s" trainer.RunDir
    eprintfn "report: %s" report
    ExitCodes.Ok
