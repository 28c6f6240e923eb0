/// Runs the built programs (the `gan` CLI, the examples) as a user would, from the repository root.
module Gan.Tests.Cli.Process

open System.Diagnostics
open System.IO
open Gan.Tests

/// The built CLI (./test and ./gan build it in Release).
let cli = Path.Combine(TestFiles.repoRoot, "Gan.Cli", "bin", "Release", "net10.0", "gan.dll")

/// Runs `dotnet ARGS` in the repository root with extra environment variables; returns the exit code, stdout and stderr.
let dotnetWith (env: (string * string) list) (args: string list) (timeoutSeconds: int) =
    TestFiles.runProcess "dotnet" args TestFiles.repoRoot ([ "DOTNET_CLI_TELEMETRY_OPTOUT", "1"; "DOTNET_NOLOGO", "1" ] @ env)
        timeoutSeconds

/// Runs `dotnet ARGS` in the repository root; returns the exit code, stdout and stderr.
let dotnet (args: string list) (timeoutSeconds: int) = dotnetWith [] args timeoutSeconds

/// Runs the `gan` command.
let gan (args: string list) = dotnet (cli :: args) 300

/// Runs the `gan` command with extra environment variables (e.g. GANDSL_MEMORY_LIMIT, or GANDSL_DATA for another cache).
let ganWith (env: (string * string) list) (args: string list) = dotnetWith env (cli :: args) 300

/// Whether a file starts with the PNG signature.
let isPng (path: string) =
    File.Exists path && (File.ReadAllBytes path |> Array.truncate 8) = [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |]
