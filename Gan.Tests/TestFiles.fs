/// Where the tests find the repository's files, and the one helper for temporary folders.
module Gan.Tests.TestFiles

open System
open System.IO

/// Gan.Tests/Golden, found above the test binaries.
let goldenRoot =
    let rec up (dir: DirectoryInfo) =
        let candidate = Path.Combine(dir.FullName, "Gan.Tests", "Golden")
        if Directory.Exists candidate then candidate
        elif isNull dir.Parent then failwith "Gan.Tests/Golden not found above the test folder"
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

let repoRoot = Path.GetFullPath(Path.Combine(goldenRoot, "..", ".."))

/// A spec of specs/ by file name.
let spec (name: string) = Path.Combine(repoRoot, "specs", name)

/// Every spec of specs/, sorted.
let specs () = Directory.GetFiles(Path.Combine(repoRoot, "specs"), "*.gan") |> Array.sort

/// Every golden spec, sorted.
let goldenFiles () = Directory.GetFiles(goldenRoot, "*.gan", SearchOption.AllDirectories) |> Array.sort

/// The specs of specs/ and the valid golden specs: every spec that must compile, train and check clean.
let validSpecs () = Array.append (specs ()) (Directory.GetFiles(Path.Combine(goldenRoot, "000-valid"), "*.gan") |> Array.sort)

/// Runs <paramref name="f"/> with a new empty temporary folder, deleted afterwards whatever happens.
let withTempDir (f: string -> 'a) : 'a =
    let dir = Directory.CreateTempSubdirectory "gandsl-test-"
    try f dir.FullName
    finally
        try dir.Delete true with :? DirectoryNotFoundException -> ()

/// A log.csv row without its timing columns (images_per_s, elapsed_s, the last two): what the same seed reproduces.
let withoutTiming (row: string) =
    let cells = row.Split ','
    String.concat "," cells.[.. cells.Length - 3]

/// A run folder's log.csv rows without their timing columns.
let logWithoutTiming (run: string) = File.ReadAllLines(Path.Combine(run, "log.csv")) |> Array.map withoutTiming

/// The width params of the reference specs (specs/sngan32.gan and the others), narrowed to 16 where a spec declares them:
/// the same layers and code paths at a fraction of the cost, for tests that train many steps or every spec.
let narrowWidths (specPath: string) =
    let text = File.ReadAllText specPath
    let d = System.Collections.Generic.Dictionary<string, string>()
    for p in [ "ngf"; "ndf"; "gch"; "dch"; "ch"; "width" ] do
        if System.Text.RegularExpressions.Regex.IsMatch(text, "(?m)^param " + p + "\\b") then d.[p] <- "16"
    d

/// Runs a program in DIR with extra environment variables, its output captured; returns the exit code, stdout and stderr
/// (killed, and the test failed, after the timeout).
let runProcess (program: string) (args: string list) (dir: string) (env: (string * string) list) (timeoutSeconds: int) =
    let psi =
        Diagnostics.ProcessStartInfo(program, args, WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true)
    for name, value in env do psi.Environment.[name] <- value
    use p = Diagnostics.Process.Start psi
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    if not (p.WaitForExit(timeoutSeconds * 1000)) then
        p.Kill true
        failwithf "%s %s did not finish in %d s" program (String.concat " " args) timeoutSeconds
    p.ExitCode, out.Result, err.Result

/// Asserts that |expected − actual| ≤ tol, printing both to 12 significant digits when it fails.
let close (tol: float) (expected: float) (actual: float) =
    Xunit.Assert.True(abs (expected - actual) <= tol, sprintf "expected %.12g ± %g, got %.12g" expected tol actual)
