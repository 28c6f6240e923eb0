/// The examples of examples/ build (with the solution) and run as the README says.
module Gan.Tests.Cli.ExamplesTests

open System.IO
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

[<Fact>]
let ``The C# example compiles a spec, trains it 50 steps, calls G as a module and writes a sample PNG`` () =
    TestFiles.withTempDir (fun dir ->
        let png = Path.Combine(dir, "cs.png")
        let dll = Path.Combine(TestFiles.repoRoot, "examples", "csharp", "bin", "Release", "net10.0", "gan-example.dll")
        let code, out, err = dotnet [ dll; "specs/gaussian2d.gan"; png ] 300
        Assert.True((code = 0), sprintf "exit %d\n%s\n%s" code out err)
        Assert.Contains("trained 50 steps", out)
        Assert.Contains("G(4×2) from 6 parameters", out)
        Assert.True(isPng png, "no PNG written"))

[<Fact>]
let ``The F# script example compiles a spec, trains it 50 steps and writes a sample PNG`` () =
    TestFiles.withTempDir (fun dir ->
        let png = Path.Combine(dir, "fs.png")
        let code, out, err = dotnet [ "fsi"; "examples/fsharp/example.fsx"; "specs/gaussian2d.gan"; png ] 600
        Assert.True((code = 0), sprintf "exit %d\n%s\n%s" code out err)
        Assert.Contains("trained 50 steps", out)
        Assert.True(isPng png, "no PNG written"))
