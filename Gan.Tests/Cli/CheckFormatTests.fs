/// `gan check --format text|json|msbuild|github|sarif [--output FILE]`: each format pinned by a golden file, MSBuild's own
/// parser reading the msbuild format, GitHub's escaping and job summary, SARIF's fields that GitHub code scanning
/// requires, bad --format and --output values, and a check that never loads TorchSharp.
module Gan.Tests.Cli.CheckFormatTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process
open Gan.Dsl.Diagnostics.Reports

/// The golden case: a spec with three errors and a warning, named relative to the repository root as a user would.
let private spec = "Gan.Tests/Golden/800-reports/error-and-warning.gan"

let private golden (format: string) = Path.Combine(TestFiles.goldenRoot, "800-reports", "error-and-warning.report." + format)

/// The report without what depends on the checkout and the build: the repository's folder and file: URI, the version
/// (0.1.0, with the commit it was built from when built in a git checkout).
let normalise (text: string) =
    let uri = Uri(TestFiles.repoRoot.TrimEnd('/') + "/").AbsoluteUri
    let version = typeof<Gan.Dsl.GanSpec>.Assembly.GetName().Version
    let pattern = sprintf "\"%d\\.%d\\.%d(\\+[0-9a-f]+)?\"" version.Major version.Minor version.Build
    let text = text.Replace(uri, "file:///<repo>/").Replace(TestFiles.repoRoot, "<repo>")
    System.Text.RegularExpressions.Regex.Replace(text, pattern, "\"<version>\"")

let formats () : obj[] seq = [ "text"; "json"; "msbuild"; "github"; "sarif" ] |> Seq.map (fun f -> [| box f |])

[<Theory>]
[<MemberData(nameof formats)>]
let ``Golden reports: each format of a spec with errors and a warning matches its file, and the summary goes to stderr`` (format: string) =
    let code, out, err = ganWith [ "GITHUB_STEP_SUMMARY", "" ] [ "check"; "--format"; format; spec ]
    Assert.Equal(1, code)
    Assert.Equal("gan check: 1 spec(s), 3 error(s), 1 warning(s)", err.Trim())
    let actual = normalise out
    let file = golden format
    if Environment.GetEnvironmentVariable "GANDSL_GOLDEN_UPDATE" = "1" then File.WriteAllText(file, actual)
    else
        Assert.True(File.Exists file, sprintf "no golden file %s; run GANDSL_GOLDEN_UPDATE=1 and review it" file)
        Assert.Equal(File.ReadAllText file, actual)

[<Fact>]
let ``--json is --format json, --output writes the same report to a file, and the exit codes stay 0, 1 and 1 with --warnaserror`` () =
    let _, json, _ = gan [ "check"; "--json"; spec ]
    let _, formatJson, _ = gan [ "check"; "--format"; "json"; spec ]
    Assert.Equal(formatJson, json)
    TestFiles.withTempDir (fun dir ->
        let file = Path.Combine(dir, "gan.sarif")
        File.WriteAllText(file, "an older report")
        let code, out, err = gan [ "check"; "--format"; "sarif"; "--output"; file; spec ]
        Assert.Equal(1, code)
        Assert.Equal("", out)
        Assert.Contains("report in " + file, err)
        let _, direct, _ = gan [ "check"; "--format"; "sarif"; spec ]
        Assert.Equal(direct, File.ReadAllText file)
        Assert.Equal<string[]>([| "gan.sarif" |], Directory.GetFiles dir |> Array.map Path.GetFileName))
    let code, out, _ = gan [ "check"; "--format"; "github"; "specs/gaussian2d.gan" ]
    Assert.Equal(0, code)
    Assert.Equal("", out)
    let warningOnly = "Gan.Tests/Golden/600-lints/unused-latent.gan"
    let code, _, _ = gan [ "check"; "--format"; "msbuild"; warningOnly ]
    Assert.Equal(0, code)
    let code, _, err = gan [ "check"; "--format"; "msbuild"; "--warnaserror"; warningOnly ]
    Assert.Equal(1, code)
    Assert.Contains("--warnaserror", err)

[<Fact>]
let ``An unknown --format lists the formats and exits 2; an unwritable --output exits 1 naming it, with nothing written`` () =
    let code, _, err = gan [ "check"; "--format"; "xml"; spec ]
    Assert.Equal(2, code)
    Assert.Contains("'--format' must be followed by <text|json|msbuild|github|sarif>, but was 'xml'", err)
    let code, _, err = gan [ "check"; "--json"; "--format"; "sarif"; spec ]
    Assert.Equal(2, code)
    Assert.Contains("--json is --format json", err)
    TestFiles.withTempDir (fun dir ->
        let missing = Path.Combine(dir, "no-such-folder", "gan.sarif")
        let code, out, err = gan [ "check"; "--format"; "sarif"; "--output"; missing; spec ]
        Assert.Equal(1, code)
        Assert.Equal("", out)
        let folder = Path.GetDirectoryName missing
        Assert.Contains(sprintf "--output %s: cannot write the report there (the folder %s does not exist)" missing folder, err)
        Assert.DoesNotContain("   at ", err)
        let code, _, err = gan [ "check"; "--format"; "sarif"; "--output"; dir; spec ]
        Assert.Equal(1, code)
        Assert.Contains("(it is a folder)", err)
        Assert.Empty(Directory.GetFileSystemEntries dir))

[<Fact>]
let ``GitHub's escaping: percent, CR and LF in messages, and also colon and comma in properties; one-line spans only get columns`` () =
    Assert.Equal("100%25 done%0D%0Anext: a, b", GitHubReport.EscapeData "100% done\r\nnext: a, b")
    Assert.Equal("dir%3Aa%2Cb/x%25.gan", GitHubReport.EscapeProperty "dir:a,b/x%.gan")
    let result = Gan.Dsl.GanSpec.Compile("we,ird:name.gan", "gan t \"x\"\nparam p = \"unterminated\n")
    let report = Gan.Dsl.Diagnostics.CheckReport.Render(Gan.Dsl.Diagnostics.ReportFormat.GitHub, [ result ], TestFiles.repoRoot)
    let lines = report.Split('\n')
    Assert.Contains(lines, fun l -> l.StartsWith "::error file=we%2Cird%3Aname.gan,line=2,col=")

[<Fact>]
let ``With GITHUB_STEP_SUMMARY set, --format github appends a Markdown table of every diagnostic, with | escaped`` () =
    TestFiles.withTempDir (fun dir ->
        let summary = Path.Combine(dir, "summary.md")
        File.WriteAllText(summary, "earlier step\n")
        let code, out, _ = ganWith [ "GITHUB_STEP_SUMMARY", summary ] [ "check"; "--format"; "github"; spec ]
        Assert.Equal(1, code)
        Assert.Equal(4, out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length)
        let text = File.ReadAllText summary
        Assert.StartsWith("earlier step\n### gan check: 1 spec(s), 3 error(s), 1 warning(s)\n", text)
        Assert.Contains("| file | line | col | severity | code | message |", text)
        let row = "| 16 | 26 | error | GAN0306 | bce_logits: expects one value per sample (N×1), but `D(real)` is N×10 |"
        Assert.Contains(sprintf "| %s %s" spec row, text)
        Assert.Contains("| 12 | 13 | warning | GAN0601 |", text))
    let spec = Gan.Dsl.GanSpec.Compile("a.gan", "gan t \"x\"\nlatent z = normal(2) | 3\n")
    let table = Gan.Dsl.Diagnostics.CheckReport.GitHubStepSummary([ spec ], TestFiles.repoRoot)
    for row in table.Split('\n') |> Array.filter (fun r -> r.StartsWith "| a.gan") do
        Assert.Equal(8, row.Replace("\\|", "").Split('|').Length)
