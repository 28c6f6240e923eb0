/// The `gan` command as a user runs it: exit codes and messages; it only parses and prints, through the public API.
module Gan.Tests.Cli.CliTests

open System.IO
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

[<Fact>]
let ``gan check exits 0 on the real specs and 1 with file:line:col and the source line on a broken one`` () =
    let code, out, _ = gan [ "check"; "specs/gaussian2d.gan"; "specs/mnist-mlp.gan" ]
    Assert.Equal(0, code)
    Assert.Contains("specs/mnist-mlp.gan: ok", out)
    // The report (diagnostics and a line per spec) goes to stdout, one summary line to stderr.
    let code, out, err = gan [ "check"; "Gan.Tests/Golden/300-shapes/linear-in-features.gan" ]
    Assert.Equal(1, code)
    Assert.Contains("linear-in-features.gan:11:3: error GAN0301: linear expects 700 input features, got 784 from `flatten` at 10:3", out)
    Assert.Contains("  linear(700, 128)", out)
    Assert.Equal("gan check: 1 spec(s), 1 error(s), 0 warning(s)", err.Trim())
    Assert.DoesNotContain("   at ", out + err)

[<Fact>]
let ``Usage errors exit 2, bad argument values exit 1 with a message naming the flag, and no stack trace is printed`` () =
    let code, _, err = gan [ "chekc"; "specs/gaussian2d.gan" ]
    Assert.Equal(2, code)
    Assert.Contains("chekc", err)
    TestFiles.withTempDir (fun dir ->
        for flag, value in [ "--batch", "0"; "--steps", "-3"; "--log-every", "0"; "--device", "tpu" ] do
            let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--out"; Path.Combine(dir, "run"); flag; value ]
            Assert.True((code = 1), sprintf "%s %s: exit %d\n%s" flag value code err)
            Assert.Contains(flag.TrimStart('-'), err)
            Assert.DoesNotContain("   at ", err)
        let code, _, err = gan [ "sample"; Path.Combine(dir, "no-such-run") ]
        Assert.Equal(1, code)
        Assert.Contains("no spec.gan", err))

[<Fact>]
let ``gan train writes a run folder that gan sample, gan eval and gan report read back`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let code, out, err = gan [ "train"; "specs/gaussian2d.gan"; "--out"; run; "--steps"; "30" ]
        Assert.True((code = 0), sprintf "exit %d\n%s" code err)
        Assert.Contains(run, out)
        Assert.Contains("done: 30 steps", err)
        for f in [ "log.csv"; "params.json"; "spec.gan"; "report.html" ] do Assert.True(File.Exists(Path.Combine(run, f)), f)
        let code, out, _ = gan [ "sample"; run; "--n"; "16"; "--out"; Path.Combine(dir, "s.png") ]
        Assert.Equal(0, code)
        Assert.True(isPng (Path.Combine(dir, "s.png")), out)
        let code, out, _ = gan [ "eval"; run; "--n"; "200" ]
        Assert.Equal(0, code)
        Assert.Contains("w2", out)
        Assert.True(File.Exists(Path.Combine(run, "metrics.json"))))

[<Fact>]
let ``gan fmt --check exits 1 on an unformatted spec and gan fmt formats it in place`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = Path.Combine(dir, "s.gan")
        File.WriteAllText(spec, (File.ReadAllText(TestFiles.spec "gaussian2d.gan")).Replace("\n  linear(5)", "\n      linear(5)"))
        let code, _, err = gan [ "fmt"; "--check"; spec ]
        Assert.Equal(1, code)
        Assert.Contains("not formatted", err)
        let code, _, _ = gan [ "fmt"; spec ]
        Assert.Equal(0, code)
        Assert.Equal(File.ReadAllText(TestFiles.spec "gaussian2d.gan"), File.ReadAllText spec))
