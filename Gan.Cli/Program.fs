module Gan.Cli.Program

open System
open Argu
open Gan.Runtime.Errors

/// One case per verb; each verb's arguments and its `run` live in Commands/<Verb>.fs.
[<RequireSubcommand>]
type GanArgs =
    | [<CliPrefix(CliPrefix.None)>] Check of ParseResults<Commands.Check.Args>
    | [<CliPrefix(CliPrefix.None)>] Shapes of ParseResults<Commands.Shapes.Args>
    | [<CliPrefix(CliPrefix.None)>] Fmt of ParseResults<Commands.Fmt.Args>
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<Commands.Train.Args>
    | [<CliPrefix(CliPrefix.None)>] Sample of ParseResults<Commands.Sample.Args>
    | [<CliPrefix(CliPrefix.None)>] Eval of ParseResults<Commands.Eval.Args>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<Commands.Report.Args>
    | [<CliPrefix(CliPrefix.None)>] Judge of ParseResults<Commands.Judge.Args>
    | [<CliPrefix(CliPrefix.None)>] Data of ParseResults<Commands.Data.Args>
    | [<CliPrefix(CliPrefix.None)>] Export of ParseResults<Commands.Export.Args>
    | [<CliPrefix(CliPrefix.None)>] Apply of ParseResults<Commands.Apply.Args>
    | [<CliPrefix(CliPrefix.None)>] Emit of ParseResults<Commands.Emit.Args>
    | [<CliPrefix(CliPrefix.None)>] Version of ParseResults<Commands.Version.Args>
    | [<CliPrefix(CliPrefix.None)>] Lsp of ParseResults<Commands.Lsp.Args>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<Commands.Bench.Args>

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Check _ -> "check specs statically (syntax, names, shapes, losses); exit 1 on errors."
            | Shapes _ -> "print each network's layers, output shapes and parameter counts."
            | Fmt _ -> "format specs canonically (in place, or --check)."
            | Train _ -> "train a spec into a run folder (log.csv, samples/, checkpoints/, report.html)."
            | Sample _ -> "draw samples from a run's checkpoint into a PNG grid."
            | Eval _ ->
                "measure a run: 2-D Wasserstein for Gaussian data; judge-FID, KID, PRDC, judge-IS, class coverage, conditional "
                + "accuracy for MNIST and Fashion-MNIST; random-feature FID, KID, PRDC and 8×8 pixel Fréchet distance for image "
                + "sets; each with its real floor; writes metrics.json and refreshes report.html."
            | Judge _ -> "train the MNIST or Fashion-MNIST judge used by eval (it is trained on first use otherwise)."
            | Report _ -> "write report.html for a run: loss and D(x)/D(G(z)) curves, sample grids, metrics, spec."
            | Data _ -> "download and verify a dataset (mnist, fashion-mnist, emoji) into the cache: $GANDSL_DATA, else ~/.cache/gandsl."
            | Export _ -> "write a run's weights to a .safetensors file (PyTorch's names; --names pytorch-gan for PyTorch-GAN's)."
            | Apply _ -> "run one network of a run on inputs from a .safetensors file; write its output to another."
            | Emit _ -> "write a spec as readable PyTorch (gan emit pytorch SPEC --out DIR [--probe])."
            | Version _ -> "print the version of GanDsl, TorchSharp and libtorch."
            | Lsp _ -> "run the language server for editors on stdin/stdout (LSP 3.17; see docs/editors.md)."
            | Bench _ ->
                "time a spec's training on this machine: images/s, ms per iteration split into data, forward, backward and "
                + "optimiser, peak memory, ATen operator calls, matmul/conv GFLOP/s against sgemm (about 20 s, or three iterations)."

let private run (results: ParseResults<GanArgs>) =
    match results.GetSubCommand() with
    | Check args -> Commands.Check.run args
    | Shapes args -> Commands.Shapes.run args
    | Fmt args -> Commands.Fmt.run args
    | Train args -> Commands.Train.run args
    | Sample args -> Commands.Sample.run args
    | Eval args -> Commands.Eval.run args
    | Judge args -> Commands.Judge.run args
    | Report args -> Commands.Report.run args
    | Data args -> Commands.Data.run args
    | Export args -> Commands.Export.run args
    | Apply args -> Commands.Apply.run args
    | Emit args -> Commands.Emit.run args
    | Version args -> Commands.Version.run args
    | Lsp args -> Commands.Lsp.run args
    | Bench args -> Commands.Bench.run args

[<EntryPoint>]
let main argv =
    let parser =
        ArgumentParser.Create<GanArgs>(programName = "gan", helpTextMessage = "GanDsl: declare, check and train GANs from .gan specs.",
                                       checkStructure = false)
    try
        try
            let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
            run results
        with
        | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
            printfn "%s\n%s" e.Message ExitCodes.helpText
            ExitCodes.Ok
        | :? ArguParseException as e ->
            Console.err e.Message
            ExitCodes.Usage
    with
    | :? UserInputException as e ->
        Console.err ("error: " + e.Message)
        ExitCodes.BadInput
    | e ->
        let path = try Console.writeCrashLog argv e with _ -> "(could not write a crash log)"
        Console.err (sprintf "internal error: %s\nThis is a bug in GanDsl. The stack trace is in %s" e.Message path)
        ExitCodes.Internal
