/// `gan check` where it runs in a build: MSBuild's Exec task parses its msbuild format as errors and warnings at the right
/// file(line,col), and the whole check runs without TorchSharp (it never loads the training runtime's native side).
module Gan.Tests.Cli.CheckIntegrationTests

open System.IO
open System.Security
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

let private spec = Path.Combine(TestFiles.repoRoot, "Gan.Tests", "Golden", "800-reports", "error-and-warning.gan")

[<Fact>]
let ``dotnet msbuild with an Exec of gan check --format msbuild reports each diagnostic as an MSBuild error or warning at its place`` () =
    TestFiles.withTempDir (fun dir ->
        let command = sprintf "dotnet \"%s\" check --format msbuild \"%s\"" cli spec
        let project = Path.Combine(dir, "check.proj")
        File.WriteAllText(
            project,
            sprintf "<Project>\n  <Target Name=\"Check\">\n    <Exec Command=\"%s\" />\n  </Target>\n</Project>\n"
                (SecurityElement.Escape command))
        let code, out, err =
            TestFiles.runProcess "dotnet"
                [ "msbuild"; project; "-nologo"; "-nodeReuse:false"; "-v:m"; "-clp:Summary;NoItemAndPropertyList" ] dir
                [ "DOTNET_CLI_TELEMETRY_OPTOUT", "1"; "DOTNET_NOLOGO", "1"; "MSBUILDDISABLENODEREUSE", "1" ] 300
        let log = out + err
        Assert.True((code = 1), sprintf "msbuild exit %d\n%s" code log)
        // At minimal verbosity MSBuild shows an Exec's output only when it parsed the line as an error or a warning,
        // and then adds the project: "path(16,26,16,33): error GAN0306: message [check.proj]".
        let at (place: string) (category: string) = sprintf "%s(%s): %s" spec place category
        Assert.Contains(at "16,26,16,33" "error GAN0306: bce_logits: expects one value per sample (N×1), but `D(real)` is N×10 [", log)
        Assert.Contains(at "16,51,16,66" "error GAN0306", log)
        Assert.Contains(at "17,26,17,33" "error GAN0306", log)
        Assert.Contains(at "12,13,12,21" "warning GAN0601: batchnorm eps 0.8 is large", log)
        // Three errors of gan check and MSBuild's own for the exit code 1; one warning.
        Assert.Contains("1 Warning(s)", log)
        Assert.Contains("4 Error(s)", log)
        Assert.Contains("error MSB3073", log))

[<Fact>]
let ``gan check runs with TorchSharp absent, every format, while a command that trains or reports versions needs it`` () =
    TestFiles.withTempDir (fun dir ->
        // The CLI's managed assemblies without TorchSharp.dll, without libtorch's native libraries and without gan.deps.json
        // (which would name TorchSharp): an assembly load of TorchSharp fails here.
        let bin = Path.GetDirectoryName cli
        for f in Directory.GetFiles bin do
            let name = Path.GetFileName f
            if (name.EndsWith ".dll" || name = "gan.runtimeconfig.json") && not (name.StartsWith "TorchSharp") then
                File.Copy(f, Path.Combine(dir, name))
        let gan = Path.Combine(dir, "gan.dll")
        for format in [ "text"; "json"; "msbuild"; "github"; "sarif" ] do
            let args = [ gan; "check"; "--format"; format; spec; "specs/gaussian2d.gan" ]
            let code, out, err = dotnetWith [ "GITHUB_STEP_SUMMARY", "" ] args 120
            Assert.True((code = 1), sprintf "--format %s: exit %d\n%s" format code err)
            Assert.Contains("GAN0306", out)
            Assert.Equal("gan check: 2 spec(s), 3 error(s), 1 warning(s)", err.Trim())
        let code, _, err = dotnetWith [ "GANDSL_LOG_DIR", Path.Combine(dir, "logs") ] [ gan; "version" ] 120
        Assert.True((code = 3), sprintf "gan version without TorchSharp: exit %d\n%s" code err)
        Assert.Contains("TorchSharp", err))
