/// docs/ci.md: its GitHub workflow is docs/ci/github-workflow.yml verbatim, every YAML example parses, and the workflow's
/// steps run `gan check` commands that work on this repository's specs.
module Gan.Tests.Cli.CiDocsTests

open System.IO
open System.Text.RegularExpressions
open Xunit
open YamlDotNet.RepresentationModel
open Gan.Tests
open Gan.Tests.Cli.Process

let private docs () = File.ReadAllText(Path.Combine(TestFiles.repoRoot, "docs", "ci.md"))
let private workflowFile = Path.Combine(TestFiles.repoRoot, "docs", "ci", "github-workflow.yml")

let private parse (text: string) =
    let stream = YamlStream()
    stream.Load(new StringReader(text))
    stream.Documents.[0].RootNode

let private key (name: string) (node: YamlNode) = (node :?> YamlMappingNode).Children.[YamlScalarNode name]
let private scalar (node: YamlNode) = (node :?> YamlScalarNode).Value

[<Fact>]
let ``docs/ci.md shows the workflow file verbatim, and each of its YAML examples parses`` () =
    let text = docs ()
    let workflow = File.ReadAllText workflowFile
    Assert.Contains("```yaml\n" + workflow + "```\n", text)
    let blocks = Regex.Matches(text, "```yaml\n(.*?)```\n", RegexOptions.Singleline) |> Seq.map (fun m -> m.Groups.[1].Value) |> List.ofSeq
    Assert.Equal(3, blocks.Length)
    for b in blocks do parse b |> ignore

/// Expands `specs/*.gan` as a shell would, relative to DIR.
let private expand (dir: string) (arg: string) =
    if arg.Contains '*' then
        Directory.GetFiles(Path.Combine(dir, Path.GetDirectoryName arg), Path.GetFileName arg)
        |> Array.map (fun f -> Path.GetRelativePath(dir, f)) |> Array.sort |> List.ofArray
    else [ arg ]

[<Fact>]
let ``The workflow restores the tool, runs gan check --format github and sarif, and uploads the SARIF file with security-events write`` () =
    let root = parse (File.ReadAllText workflowFile)
    Assert.Equal("write", scalar (root |> key "permissions" |> key "security-events"))
    let steps = (root |> key "jobs" |> key "check" |> key "steps" :?> YamlSequenceNode).Children |> List.ofSeq
    let field name (step: YamlNode) =
        match (step :?> YamlMappingNode).Children.TryGetValue(YamlScalarNode name) with
        | true, v -> Some(scalar v)
        | _ -> None
    let runs = steps |> List.choose (field "run")
    Assert.Equal<string list>(
        [ "dotnet tool restore"
          "dotnet gan check --format github specs/*.gan"
          "dotnet gan check --format sarif --output gan.sarif specs/*.gan" ],
        runs)
    let upload = steps |> List.find (fun s -> field "uses" s = Some "github/codeql-action/upload-sarif@v3")
    Assert.Equal("gan.sarif", scalar (upload |> key "with" |> key "sarif_file"))
    // The gan commands as the runner would run them, in a copy of the repository's specs: both pass, and the SARIF file is there.
    TestFiles.withTempDir (fun dir ->
        let specs = Path.Combine(TestFiles.repoRoot, "specs")
        for f in Directory.GetFiles(specs, "*", SearchOption.AllDirectories) do
            let target = Path.Combine(dir, "specs", Path.GetRelativePath(specs, f))
            Directory.CreateDirectory(Path.GetDirectoryName target) |> ignore
            File.Copy(f, target)
        for run in runs |> List.filter (fun r -> r.StartsWith "dotnet gan ") do
            let args = run.Substring("dotnet gan ".Length).Split(' ') |> List.ofArray |> List.collect (expand dir)
            let code, out, err =
                TestFiles.runProcess "dotnet" (cli :: args) dir [ "DOTNET_CLI_TELEMETRY_OPTOUT", "1"; "GITHUB_STEP_SUMMARY", "" ] 300
            Assert.True((code = 0), sprintf "%s: exit %d\n%s%s" run code out err)
            Assert.Contains(sprintf "gan check: %d spec(s), 0 error(s), 0 warning(s)" (TestFiles.specs ()).Length, err)
        Assert.True(File.Exists(Path.Combine(dir, "gan.sarif"))))
