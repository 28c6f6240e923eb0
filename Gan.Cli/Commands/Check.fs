/// `gan check SPEC...`: parse, bind and check specs; exit 1 on any error (or warning with --warnaserror). The report, in
/// one of CheckReport's formats, goes to stdout or --output FILE; one summary line goes to stderr.
module Gan.Cli.Commands.Check

open System
open System.IO
open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Dsl.Diagnostics
open Gan.Runtime.Errors

/// The values of --format, as Argu lists them in --help and in its message for an unknown one.
type OutputFormat =
    | Text
    | Json
    | Msbuild
    | Github
    | Sarif

type Args =
    | [<MainCommand; Mandatory>] Specs of spec: string list
    | Warnaserror
    | Format of OutputFormat
    | Output of file: string
    | Json
    | Set of assignment: string
    | Root of dir: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Specs _ -> "the .gan files to check."
            | Warnaserror -> "treat warnings as errors (exit 1)."
            | Format _ ->
                "the report's format (default text): text (path:line:col and the source line), json (one array), "
                + "msbuild (MSBuild's error format, absolute paths), github (GitHub Actions annotations, and a table in "
                + "$GITHUB_STEP_SUMMARY when set), sarif (SARIF 2.1.0 for code scanning); see docs/ci.md."
            | Output _ -> "write the report to FILE (replaced whole) instead of stdout."
            | Json -> "the same as --format json."
            | Set _ -> "override a param, e.g. --set lr=1e-4 (repeatable)."
            | Root _ ->
                "the project root: the files a spec names (use, images) must lie under it (default: each spec's own folder)."

let private reportFormat =
    function
    | OutputFormat.Text -> ReportFormat.Text
    | OutputFormat.Json -> ReportFormat.Json
    | Msbuild -> ReportFormat.MsBuild
    | Github -> ReportFormat.GitHub
    | Sarif -> ReportFormat.Sarif

/// Writes the report to a temporary file beside FILE, then renames it over FILE: never a half-written report.
let private writeReport (file: string) (text: string) =
    let fail (why: string) : 'a =
        raise (UserInputException(sprintf "--output %s: cannot write the report there (%s); give a file in a writable folder" file why))
    let full = try Path.GetFullPath file with :? ArgumentException -> fail "not a file path"
    if Directory.Exists full then fail "it is a folder"
    let dir = Path.GetDirectoryName full
    if not (Directory.Exists dir) then fail (sprintf "the folder %s does not exist" dir)
    let temp = Path.Combine(dir, sprintf ".%s.%d.tmp" (Path.GetFileName full) Environment.ProcessId)
    try
        File.WriteAllText(temp, text)
        File.Move(temp, full, true)
    with
    | :? IOException
    | :? UnauthorizedAccessException as e ->
        (try File.Delete temp with _ -> ())
        fail e.Message

/// Appends GitHub's job summary table where the runner asks for one; a failure there is a warning, not a failed check.
let private appendStepSummary (specs: GanSpec list) =
    match Environment.GetEnvironmentVariable "GITHUB_STEP_SUMMARY" with
    | null | "" -> ()
    | path ->
        try File.AppendAllText(path, CheckReport.GitHubStepSummary(specs, Environment.CurrentDirectory))
        with
        | :? IOException
        | :? UnauthorizedAccessException as e -> eprintfn "warning: could not append to $GITHUB_STEP_SUMMARY (%s): %s" path e.Message

let run (args: ParseResults<Args>) =
    let format =
        match args.TryGetResult Format, args.Contains Json with
        | Some f, true when f <> OutputFormat.Json -> args.Raise("--json is --format json; give one of the two", ErrorCode.CommandLine)
        | Some f, _ -> f
        | None, true -> OutputFormat.Json
        | None, false -> OutputFormat.Text
    let overrides = SpecArgs.overrides (args.GetResults Set)
    let strict = args.Contains Warnaserror
    let specs = [ for path in args.GetResult Specs -> GanSpec.Load(path, overrides, Option.toObj (args.TryGetResult Root)) ]
    let report = CheckReport.Render(reportFormat format, specs, Environment.CurrentDirectory, strict)
    match args.TryGetResult Output with
    | Some file -> writeReport file report
    | None -> stdout.Write report
    if format = OutputFormat.Github then appendStepSummary specs
    let errors = specs |> List.sumBy (fun s -> Seq.length s.Errors)
    let warnings = specs |> List.sumBy (fun s -> Seq.length s.Warnings)
    let failed = errors > 0 || (strict && warnings > 0)
    let where = match args.TryGetResult Output with Some f -> sprintf "; report in %s" f | None -> ""
    eprintfn "gan check: %d spec(s), %d error(s), %d warning(s)%s%s" specs.Length errors warnings
        (if strict && warnings > 0 && errors = 0 then " (warnings are errors: --warnaserror)" else "") where
    if failed then ExitCodes.BadInput else ExitCodes.Ok
