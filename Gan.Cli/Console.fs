/// Small printing helpers shared by the commands. No logic lives here.
module Gan.Cli.Console

open System
open System.IO

let err (message: string) = eprintfn "%s" message

/// Where crash logs go: $GANDSL_LOG_DIR, else ~/.cache/gandsl/logs.
let crashLogDir () =
    match Environment.GetEnvironmentVariable "GANDSL_LOG_DIR" with
    | null | "" -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".cache", "gandsl", "logs")
    | d -> d

/// Writes the exception to a crash log and returns its path.
let writeCrashLog (argv: string[]) (e: exn) =
    let dir = crashLogDir ()
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, sprintf "crash-%s-%d.log" (DateTime.UtcNow.ToString "yyyyMMdd-HHmmss") Environment.ProcessId)
    let text =
        sprintf "gan %s\nargs: %s\ntime: %O\n\n%O\n" (typeof<ExitCodes.Marker>.Assembly.GetName().Version |> string)
            (String.Join(" ", argv)) DateTime.UtcNow e
    File.WriteAllText(path, text)
    path
