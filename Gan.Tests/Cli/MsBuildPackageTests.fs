/// End to end: the GanDsl.Build package, packed from the built GanDsl.Build project, checks a tiny C# project's .gan files
/// during `dotnet build` (errors, warnings, -warnaserror, the incremental skip, library files). Offline: the package comes
/// from a local folder, restored into a NUGET_PACKAGES folder of the fixture's own, and the project needs nothing else.
module Gan.Tests.Cli.MsBuildPackageTests

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open Gan.Tests

/// A valid spec (the 2-D Gaussian GAN); lines are counted from 1 in the cases below.
let validSpec =
    String.concat "\n"
        [ "gan tiny \"a 2-D Gaussian\""                                          // 1
          "data gaussian2d(mean: [1, 2], transform: [[1, 2], [-0.1, 0.5]], count: 100)"
          "latent z = normal(2)"
          "network G(z: [2]) {"
          "  linear(2)"                                                          // 5
          "}"
          "network D(x: [2]) {"
          "  linear(5)"                                                          // 8
          "  tanh"
          "  linear(1)"
          "}"
          "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
          "loss g_loss = bce_logits(D(G(z)), 1)"
          "optimizer opt_d = adam(D, lr: 0.05) minimize d_loss"
          "optimizer opt_g = adam(G, lr: 0.01) minimize g_loss"
          "schedule {"
          "  batch: 4"
          "  epochs: 1"
          "  order: [opt_d, opt_g]"
          "}"
          "" ]

/// The valid spec with an unknown argument on line 8: GAN0205 at 8:13 ("nonsense" starts in column 13).
let brokenSpec = validSpec.Replace("  linear(5)\n", "  linear(5, nonsense: 3)\n")

/// The valid spec plus a network no loss uses: warning GAN0602 on its name, line 22 column 9.
let warningSpec = validSpec + "\nnetwork E(x: [2]) {\n  linear(1)\n}\n"

/// One MSBuild diagnostic line: `FILE(line,col,endLine,endCol): error CODE: message [project]`.
type Logged = { File: string; Line: int; Col: int; EndLine: int; EndCol: int; Severity: string; Code: string; Message: string }

let private canonical =
    Regex(@"^\s*(?<file>\S.*?)\((?<l>\d+),(?<c>\d+),(?<el>\d+),(?<ec>\d+)\): (?<sev>error|warning) (?<code>GAN[B0-9]\d{3}): "
          + @"(?<msg>.*?)(?: \[[^\]]*\])?$", RegexOptions.Multiline)

/// The GanDsl diagnostics in a build's output, each once.
let logged (output: string) =
    [ for m in canonical.Matches output ->
        { File = m.Groups.["file"].Value; Line = int m.Groups.["l"].Value; Col = int m.Groups.["c"].Value
          EndLine = int m.Groups.["el"].Value; EndCol = int m.Groups.["ec"].Value; Severity = m.Groups.["sev"].Value
          Code = m.Groups.["code"].Value; Message = m.Groups.["msg"].Value.TrimEnd() } ]
    |> List.distinct

/// The rule the task uses to tell a library from a spec: only `use`, `block` and `param` items.
[<Fact>]
let ``GanSpec.IsLibrary holds for a file of blocks and params only`` () =
    let library (text: string) = Gan.Dsl.GanSpec.Compile("x.gan", text).IsLibrary
    Assert.True(Gan.Dsl.GanSpec.Load(TestFiles.spec "blocks/tf-slim-mnist.gan").IsLibrary)
    Assert.True(library "param n = 3\nblock b(k: int) {\n  linear(k)\n}\n")
    Assert.False(library validSpec)
    Assert.False(library "block b(k: int) {\n  linear(k)\n}\nnetwork G(z: [2]) {\n  b(2)\n}\n")
    Assert.False(library "# only a comment\n")

/// A nuget.config whose only source is the local feed.
let nugetConfig (feed: string) =
    String.concat "\n"
        [ "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
          "<configuration>"
          "  <packageSources>"
          "    <clear />"
          $"    <add key=\"local\" value=\"{feed}\" />"
          "  </packageSources>"
          "</configuration>"
          "" ]

/// A C# class library that references GanDsl.Build.
let projectFile (version: string) =
    String.concat "\n"
        [ "<Project Sdk=\"Microsoft.NET.Sdk\">"
          "  <PropertyGroup>"
          "    <TargetFramework>net10.0</TargetFramework>"
          "  </PropertyGroup>"
          "  <ItemGroup>"
          $"    <PackageReference Include=\"GanDsl.Build\" Version=\"{version}\" PrivateAssets=\"all\" />"
          "  </ItemGroup>"
          "</Project>"
          "" ]

/// Packs GanDsl.Build once (from the build ./test made) into a local feed; every test restores it into one
/// NUGET_PACKAGES folder of this fixture, so no global cache can serve another copy.
type PackedPackage() =
    let root = Directory.CreateTempSubdirectory "gandsl-msbuild-"
    let feed = Path.Combine(root.FullName, "feed")
    let packages = Path.Combine(root.FullName, "packages")
    let version = "0.1.0"
    let project = Path.Combine(TestFiles.repoRoot, "GanDsl.Build", "GanDsl.Build.csproj")
    let code, out, err =
        Process.dotnet [ "pack"; project; "-c"; "Release"; "--no-build"; "-nologo"; "-tl:off"; "-o"; feed
                         "-p:PackageVersion=" + version ] 300
    do
        if code <> 0 then
            try root.Delete true with :? IOException | :? UnauthorizedAccessException -> ()
            failwithf "dotnet pack GanDsl.Build failed (%d); build the solution first (./test does)\n%s\n%s" code out err
    member _.Root = root.FullName
    member _.Feed = feed
    member _.Packages = packages
    member _.Version = version
    interface IDisposable with
        member _.Dispose() = try root.Delete true with :? IOException | :? UnauthorizedAccessException -> ()

type MsBuildPackageTests(package: PackedPackage) =
    /// A new C# class library referencing GanDsl.Build from the local feed only, with the given .gan files.
    let newProject (name: string) (files: (string * string) list) =
        let dir = Path.Combine(package.Root, name)
        Directory.CreateDirectory dir |> ignore
        File.WriteAllText(Path.Combine(dir, "nuget.config"), nugetConfig package.Feed)
        File.WriteAllText(Path.Combine(dir, "Tiny.csproj"), projectFile package.Version)
        File.WriteAllText(Path.Combine(dir, "Tiny.cs"), "public static class Tiny { }\n")
        for path, text in files do
            let full = Path.Combine(dir, path)
            Directory.CreateDirectory(Path.GetDirectoryName full) |> ignore
            File.WriteAllText(full, text)
        dir

    /// `dotnet build` in DIR with extra arguments: exit code and stdout + stderr. No build servers stay behind.
    let build (dir: string) (args: string list) =
        let code, out, err =
            TestFiles.runProcess "dotnet" ([ "build"; "-nologo"; "-tl:off"; "--disable-build-servers"; "-nodeReuse:false" ] @ args) dir
                [ "NUGET_PACKAGES", package.Packages; "DOTNET_CLI_TELEMETRY_OPTOUT", "1"; "DOTNET_NOLOGO", "1" ] 300
        code, out + err

    let stamp dir = Path.Combine(dir, "obj", "Debug", "net10.0", "gan-check.stamp")

    interface IClassFixture<PackedPackage>

    [<Fact>]
    member _.``an error fails the build at its file, line and column; the fixed spec builds, then the check is skipped``() =
        let dir = newProject "error" [ "specs/tiny.gan", brokenSpec ]
        let spec = Path.Combine(dir, "specs", "tiny.gan")
        let code, out = build dir []
        Assert.True(code <> 0, $"a broken spec must fail the build\n{out}")
        match logged out with
        | [ d ] ->
            Assert.Equal({ File = spec; Line = 8; Col = 13; EndLine = 8; EndCol = 24; Severity = "error"; Code = "GAN0205"
                           Message = d.Message }, d)
            Assert.Contains("nonsense", d.Message)
        | ds -> failwithf "expected one GanDsl error, got %A\n%s" ds out
        Assert.False(File.Exists(stamp dir), "a failed check leaves no stamp")
        File.WriteAllText(spec, validSpec)
        let code, out = build dir []
        Assert.True((code = 0), $"the fixed spec must build\n{out}")
        Assert.Empty(logged out)
        Assert.True(File.Exists(stamp dir), "a clean check writes the stamp")
        let written = File.GetLastWriteTimeUtc(stamp dir)
        let code, out = build dir [ "-v:d" ]
        Assert.True((code = 0), out)
        Assert.Contains("Skipping target \"GanCheck\" because all output files are up-to-date", out)
        Assert.Equal(written, File.GetLastWriteTimeUtc(stamp dir))
        // New options check again, though no file changed: GanSpecSet reaches the spec.
        let code, out = build dir [ "-p:GanSpecSet=nosuch=3" ]
        Assert.True(code <> 0, $"an override of a param the spec lacks must fail\n{out}")
        Assert.Equal<string list>([ "GAN0207" ], [ for d in logged out -> d.Code ])

    [<Fact>]
    member _.``a warning is a build warning, and -warnaserror makes it an error on every build``() =
        let dir = newProject "warning" [ "tiny.gan", warningSpec ]
        let spec = Path.Combine(dir, "tiny.gan")
        let code, out = build dir []
        Assert.True((code = 0), $"a warning must not fail the build\n{out}")
        match logged out with
        | [ d ] ->
            Assert.Equal({ File = spec; Line = 22; Col = 9; EndLine = 22; EndCol = 10; Severity = "warning"; Code = "GAN0602"
                           Message = d.Message }, d)
        | ds -> failwithf "expected one GanDsl warning, got %A\n%s" ds out
        Assert.False(File.Exists(stamp dir), "a check with warnings is not skipped next time")
        // Nothing changed since the last build: the check runs again and -warnaserror fails it.
        let code, out = build dir [ "-warnaserror" ]
        Assert.True(code <> 0, $"-warnaserror must fail the build\n{out}")
        Assert.Equal<string list>([ "error GAN0602" ], [ for d in logged out -> $"{d.Severity} {d.Code}" ])

    [<Fact>]
    member _.``a library is checked through the spec that uses it, under GanSpecRoot; the default items can be turned off``() =
        let blocks = "# shared blocks\nblock mlp(n: int) {\n  linear(n, nonsense: 1)\n  tanh\n}\n"
        let user =
            validSpec.Replace("data gaussian2d", "use \"../common/shared.gan\"\ndata gaussian2d").Replace("  linear(5)\n", "  mlp(5)\n")
        let dir = newProject "library" [ "specs/tiny.gan", user; "common/shared.gan", blocks ]
        // The spec's folder is the root by default: the library lies outside it.
        let code, out = build dir []
        Assert.True(code <> 0, out)
        Assert.Equal<string list>([ "GAN0215" ], [ for d in logged out -> d.Code ])
        // The project folder as root: the block's error points into the library, reported once (through its user);
        // the library alone has no header, data or network and no error for that (GAN0209).
        let code, out = build dir [ "-p:GanSpecRoot=." ]
        Assert.True(code <> 0, out)
        match logged out with
        | [ d ] -> Assert.Equal((Path.Combine(dir, "common", "shared.gan"), 3, 13, "GAN0205"), (d.File, d.Line, d.Col, d.Code))
        | ds -> failwithf "expected one GanDsl error, got %A\n%s" ds out
        let code, out = build dir [ "-p:EnableDefaultGanSpecItems=false" ]
        Assert.True((code = 0), $"without GanSpec items nothing is checked\n{out}")
        Assert.Empty(logged out)

    [<Fact>]
    member _.``the packages hold what they promise: the task and Gan.Dsl under tasks, props and targets, no dependency``() =
        let entries (nupkg: string) =
            use zip = System.IO.Compression.ZipFile.OpenRead nupkg
            let nuspec = zip.Entries |> Seq.find (fun e -> e.FullName.EndsWith ".nuspec")
            use reader = new StreamReader(nuspec.Open())
            [ for e in zip.Entries -> e.FullName ] |> List.filter (fun n -> not (n.StartsWith "package/")), reader.ReadToEnd()
        let files, nuspec = entries (Path.Combine(package.Feed, $"GanDsl.Build.{package.Version}.nupkg"))
        for f in [ "build/GanDsl.Build.props"; "build/GanDsl.Build.targets"; "tasks/net10.0/GanDsl.Build.dll"
                   "tasks/net10.0/Gan.Dsl.dll"; "README.md" ] do
            Assert.Contains(f, files)
        Assert.DoesNotContain(files, fun f -> f.StartsWith "lib/" || f.Contains "Microsoft.Build" || f.Contains "TorchSharp")
        Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec)
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec)
        Assert.DoesNotContain("<dependencies", nuspec)
        Assert.True(File.Exists(Path.Combine(package.Feed, $"GanDsl.Build.{package.Version}.snupkg")))
        // Gan.Dsl alone, as a library: lib/net10.0, its README, its symbols.
        let project = Path.Combine(TestFiles.repoRoot, "Gan.Dsl", "Gan.Dsl.csproj")
        let code, out, err =
            Process.dotnet [ "pack"; project; "-c"; "Release"; "--no-build"; "-nologo"; "-tl:off"; "-o"; package.Feed
                             "-p:PackageVersion=" + package.Version ] 300
        Assert.True((code = 0), out + err)
        let files, nuspec = entries (Path.Combine(package.Feed, $"Gan.Dsl.{package.Version}.nupkg"))
        Assert.Contains("lib/net10.0/Gan.Dsl.dll", files)
        Assert.Contains("README.md", files)
        Assert.Contains("<readme>README.md</readme>", nuspec)
        Assert.DoesNotContain("<dependency ", nuspec)
        Assert.True(File.Exists(Path.Combine(package.Feed, $"Gan.Dsl.{package.Version}.snupkg")))
