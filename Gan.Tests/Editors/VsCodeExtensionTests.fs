/// The VS Code extension (editors/vscode) built as a developer builds it: `npm ci` from the committed package-lock.json,
/// `npm test` (the grammar tests of test/grammar/*.test.gan, test/specs.js on the repository's specs, test/client.js on
/// the bundled client) and `npm run package` (type check, esbuild bundle, vsce); the .vsix must hold the manifest, the
/// bundle, the grammar and the language configuration. Skipped, with the reason, where Node.js 20+ and npm are not on
/// PATH (the project's machines and CI have both).
module Gan.Tests.Editors.VsCodeExtensionTests

open System
open System.IO
open System.IO.Compression
open System.Text.Json
open Xunit
open Gan.Tests

let private extension = Path.Combine(TestFiles.repoRoot, "editors", "vscode")

/// npm is a script run by node; on Windows it is npm.cmd.
let private npmProgram = if OperatingSystem.IsWindows() then "npm.cmd" else "npm"

let private npmEnv = [ "npm_config_update_notifier", "false"; "npm_config_fund", "false"; "npm_config_audit", "false" ]

/// Runs a program in editors/vscode; (exit code, stdout + stderr), or None where it cannot be started.
let private tryRun (program: string) (args: string list) (timeoutSeconds: int) =
    try
        let rc, out, err = TestFiles.runProcess program args extension npmEnv timeoutSeconds
        Some(rc, out + err)
    with :? ComponentModel.Win32Exception -> None

/// Why the extension cannot be built here, or None.
let private missing =
    lazy
        (match tryRun "node" [ "--version" ] 60, tryRun npmProgram [ "--version" ] 60 with
         | None, _ | Some(_, _), None -> Some "node and npm are not on PATH (Node.js 20 or later with npm is needed)"
         | Some(rc, v), Some(rc2, _) when rc <> 0 || rc2 <> 0 -> Some(sprintf "node --version or npm --version failed: %s" v)
         | Some(_, v), _ ->
             match Int32.TryParse(v.Trim().TrimStart('v').Split('.').[0]) with
             | true, major when major >= 20 -> None
             | _ -> Some(sprintf "Node.js %s is too old: @vscode/vsce needs Node.js 20 or later" (v.Trim())))

/// A fact that runs only where Node.js 20+ and npm are on PATH.
type NodeFactAttribute() as this =
    inherit FactAttribute()
    do
        match missing.Value with
        | Some reason -> this.Skip <- reason
        | None -> ()

let private npm (args: string list) (timeoutSeconds: int) =
    let started = Diagnostics.Stopwatch.StartNew()
    let rc, output =
        match tryRun npmProgram args timeoutSeconds with
        | Some r -> r
        | None -> failwith "npm could not be started"
    Assert.True((rc = 0), sprintf "npm %s exited %d in editors/vscode:\n%s" (String.concat " " args) rc output)
    output, started.Elapsed.TotalSeconds

let private entryText (zip: ZipArchive) (name: string) =
    match zip.GetEntry name with
    | null -> failwithf "the .vsix has no %s; its entries: %s" name (zip.Entries |> Seq.map (fun e -> e.FullName) |> String.concat ", ")
    | e ->
        use r = new StreamReader(e.Open())
        r.ReadToEnd()

[<NodeFact>]
let ``npm ci, npm test and npm run package build a .vsix with the manifest, the bundled client and the grammar`` () =
    TestFiles.withTempDir (fun dir ->
        let _, ciSeconds = npm [ "ci"; "--prefer-offline"; "--no-audit"; "--no-fund" ] 600
        let tested, testSeconds = npm [ "test" ] 300
        // The grammar tests ran, each file of test/grammar (an empty glob would pass silently).
        let cases = Directory.GetFiles(Path.Combine(extension, "test", "grammar"), "*.test.gan")
        Assert.True(cases.Length >= 3, sprintf "only %d grammar test files" cases.Length)
        for case in cases do
            let name = "test/grammar/" + Path.GetFileName case
            Assert.True(tested.Contains(name + " run successfuly"), sprintf "npm test did not pass %s:\n%s" name tested)
        // test/specs.js: the grammar on every spec of specs/ and Gan.Tests/Golden/ against their diagnostics markers.
        let specs = Text.RegularExpressions.Regex.Match(tested, @"specs: (\d+) files, 0 disagreements")
        Assert.True(specs.Success && int specs.Groups[1].Value >= 50, sprintf "npm test did not check the specs:\n%s" tested)
        // test/client.js: the bundled client starts `gan lsp` (a stand-in) with gan.set, and shuts it down.
        Assert.True(tested.Contains "client: ok: started 'gan lsp'", sprintf "npm test did not pass the client check:\n%s" tested)
        let vsix = Path.Combine(dir, "gandsl.vsix")
        let _, packageSeconds = npm [ "run"; "package"; "--"; "--out"; vsix ] 300
        Assert.True(File.Exists vsix, "npm run package wrote no .vsix")
        use zip = ZipFile.OpenRead vsix
        let names = zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq
        let manifest = JsonDocument.Parse(entryText zip "extension/package.json").RootElement
        let committed = JsonDocument.Parse(File.ReadAllText(Path.Combine(extension, "package.json"))).RootElement
        Assert.Equal("gandsl", manifest.GetProperty("name").GetString())
        Assert.Equal(committed.GetProperty("version").GetString(), manifest.GetProperty("version").GetString())
        Assert.Equal(
            File.ReadAllText(Path.Combine(extension, "syntaxes", "gan.tmLanguage.json")),
            entryText zip "extension/syntaxes/gan.tmLanguage.json")
        Assert.Contains("\"lineComment\": \"#\"", entryText zip "extension/language-configuration.json")
        // One file with the language client inside: only `vscode` is left to the host, nothing of node_modules ships.
        let bundle = entryText zip "extension/dist/extension.js"
        Assert.Contains("require(\"vscode\")", bundle)
        Assert.DoesNotContain("require(\"vscode-languageclient", bundle)
        Assert.Contains("\"lsp\"", bundle)
        for required in [ "extension/readme.md"; "extension/LICENSE.txt"; "extension/changelog.md" ] do
            Assert.True(names.Contains required, sprintf "the .vsix lacks %s" required)
        let stray = names |> Set.filter (fun n -> n.Contains "node_modules/" || n.Contains "/src/" || n.Contains "/test/")
        Assert.True(stray.IsEmpty, sprintf "the .vsix ships files it should not: %A" stray)
        // The wall time of each step, for the record (here: 25-40 s with a warm npm cache, npm ci about 35 s more with a cold one).
        eprintfn "vscode extension: npm ci %.1f s, npm test %.1f s, npm run package %.1f s" ciSeconds testSeconds packageSeconds)
