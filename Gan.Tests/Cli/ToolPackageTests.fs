/// `gan` as a dotnet tool, end to end: `dotnet pack Gan.Cli` once per test run (a class fixture: the package holds libtorch,
/// ~140 MB compressed), installed offline into a temporary tool path from that folder alone, then run as a user runs it, with
/// a fresh HOME so that the first-run patch of TorchSharp's library (where libstdc++ lacks GLIBCXX_3.4.32) starts from scratch.
module Gan.Tests.Cli.ToolPackageTests

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open global.Xunit
open global.Xunit.Abstractions
open Gan.Runtime.Native
open Gan.Tests
open Gan.Tests.Runtime

/// The public NuGet gallery refuses packages over 250 MB (the decimal reading: the stricter one).
let galleryLimit = 250_000_000L

/// Packs the tool under a version of its own (so no cached package of an earlier run can stand in) and installs it.
type ToolFixture() =
    let root = Directory.CreateTempSubdirectory "gandsl-tool-"
    let dir (name: string) = Path.Combine(root.FullName, name)
    let version = sprintf "0.1.0-test.%s.%d" (DateTime.UtcNow.ToString "yyyyMMddHHmmss") Environment.ProcessId
    let clock = Stopwatch.StartNew()
    let packed =
        Process.dotnet [ "pack"; "Gan.Cli/Gan.Cli.fsproj"; "-c"; "Release"; "-nologo"; "-o"; dir "pkgs"; "-p:PackageVersion=" + version ]
            1500
    let packSeconds = clock.Elapsed.TotalSeconds
    do
        let rc, out, err = packed
        if rc <> 0 then failwithf "dotnet pack Gan.Cli failed (%d):\n%s\n%s" rc out err
        File.WriteAllText(
            dir "nuget.config",
            sprintf "<configuration><packageSources><clear /><add key=\"local\" value=\"%s\" /></packageSources></configuration>"
                (dir "pkgs"))
    let installed =
        Process.dotnetWith [ "NUGET_PACKAGES", dir "nuget" ]
            [ "tool"; "install"; "--tool-path"; dir "tools"; "--configfile"; dir "nuget.config"; "--version"; version; "GanDsl.Cli" ] 600
    let installSeconds = clock.Elapsed.TotalSeconds - packSeconds
    do
        let rc, out, err = installed
        if rc <> 0 then failwithf "dotnet tool install GanDsl.Cli failed (%d):\n%s\n%s" rc out err

    member _.Root = root.FullName
    member _.Version = version
    member _.Packages = dir "pkgs"
    member _.Tools = dir "tools"
    member _.PackSeconds = packSeconds
    member _.InstallSeconds = installSeconds
    /// The installed command.
    member _.Gan = Path.Combine(dir "tools", "gan")

    interface IDisposable with
        member _.Dispose() = try root.Delete true with _ -> ()

type ToolPackageTests(tool: ToolFixture, output: ITestOutputHelper) =
    /// Runs the installed `gan` from the repository root with HOME at <paramref name="home"/> (no other native cache).
    let gan (home: string) (args: string list) =
        Directory.CreateDirectory home |> ignore
        TestFiles.runProcess tool.Gan args TestFiles.repoRoot [ "HOME", home; "GANDSL_NATIVE_CACHE", ""; "OMP_NUM_THREADS", "1" ] 300

    let nativeCache (home: string) = Path.Combine(home, ".cache", "gandsl", "native")

    let installedLibrary () =
        Directory.GetFiles(tool.Tools, TorchNative.LibraryFile, SearchOption.AllDirectories) |> Array.exactlyOne

    interface IClassFixture<ToolFixture>

    [<Fact>]
    member _.``The pack gives a pointer package and a linux-x64 package under the gallery's limit, with TorchSharp's library unchanged``
        () =
        let nupkg (id: string) = Path.Combine(tool.Packages, sprintf "%s.%s.nupkg" id tool.Version)
        let pointer, rid = FileInfo(nupkg "GanDsl.Cli"), FileInfo(nupkg "GanDsl.Cli.linux-x64")
        output.WriteLine(
            sprintf "pack %.0f s, install %.0f s; GanDsl.Cli %d bytes, GanDsl.Cli.linux-x64 %.1f MB" tool.PackSeconds tool.InstallSeconds
                pointer.Length (float rid.Length / 1e6))
        Assert.True(pointer.Exists && pointer.Length < 100_000L, "the pointer package holds no code")
        Assert.True(rid.Exists && rid.Length < galleryLimit, sprintf "%s: %d bytes" rid.FullName rid.Length)
        use zip = ZipFile.OpenRead rid.FullName
        let entry = zip.GetEntry("tools/net10.0/linux-x64/" + TorchNative.LibraryFile)
        Assert.NotNull entry
        use s = entry.Open()
        use m = new MemoryStream()
        s.CopyTo m
        Assert.Equal<byte[]>(File.ReadAllBytes(ElfPatchTests.shippedLibrary ()), m.ToArray())
        Assert.NotNull(zip.GetEntry "tools/net10.0/linux-x64/DotnetToolSettings.xml")
        Assert.NotNull(zip.GetEntry "tools/net10.0/linux-x64/libtorch_cpu.so")
        // libtorch's Python binding and test backends stay out (Gan.Cli.fsproj); training below runs without them
        Assert.Null(zip.GetEntry "tools/net10.0/linux-x64/libtorch_python.so")
        Assert.Null(zip.GetEntry "tools/net10.0/linux-x64/libtorchbind_test.so")

    [<Fact>]
    member _.``The installed gan prints its help, and gan check gives 0 or 1 without setting up libtorch`` () =
        TestFiles.withTempDir (fun tmp ->
            let home = Path.Combine(tmp, "home")
            let rc, out, _ = gan home [ "--help" ]
            Assert.Equal(0, rc)
            Assert.Contains("USAGE: gan", out)
            let rc, out, err = gan home [ "check"; TestFiles.spec "gaussian2d.gan" ]
            Assert.True((rc = 0), out + err)
            let broken = Path.Combine(tmp, "broken.gan")
            File.WriteAllText(broken, File.ReadAllText(TestFiles.spec "gaussian2d.gan").Replace("  linear(2)\n}", "  lineer(2)\n}"))
            let rc, out, err = gan home [ "check"; broken ]
            Assert.Equal(1, rc)
            Assert.Contains("broken.gan:11:", out + err)
            Assert.Contains("error GAN", out + err)
            Assert.DoesNotContain("   at ", out + err)
            // check never loads TorchSharp's native library, so it never prepares it
            Assert.False(Directory.Exists(nativeCache home), "gan check set up the native library")
            Assert.False(Directory.Exists(Path.Combine(home, ".cache", "gandsl", "logs")), "gan check crashed"))

    [<Fact>]
    member _.``check, shapes and fmt run without TorchSharp: with TorchSharp.dll damaged and no native library they work, version fails``
        () =
        TestFiles.withTempDir (fun tmp ->
            let app = Path.GetDirectoryName(Directory.GetFiles(tool.Tools, "gan.dll", SearchOption.AllDirectories) |> Array.exactlyOne)
            let copy = Path.Combine(tmp, "app")
            Directory.CreateDirectory copy |> ignore
            for f in Directory.GetFiles app do
                if not (Path.GetFileName(f).Contains ".so") then File.Copy(f, Path.Combine(copy, Path.GetFileName f))
            File.WriteAllBytes(Path.Combine(copy, "TorchSharp.dll"), Array.zeroCreate 64)
            let home = Directory.CreateDirectory(Path.Combine(tmp, "home")).FullName
            let run args =
                TestFiles.runProcess "dotnet" (Path.Combine(copy, "gan.dll") :: args) TestFiles.repoRoot
                    [ "HOME", home; "GANDSL_NATIVE_CACHE", ""; "GANDSL_LOG_DIR", Path.Combine(tmp, "logs") ] 120
            let rc, out, err = run [ "check"; TestFiles.spec "gaussian2d.gan"; TestFiles.spec "sngan32.gan" ]
            Assert.True((rc = 0), sprintf "gan check without TorchSharp: %d\n%s\n%s" rc out err)
            for args in [ [ "shapes"; TestFiles.spec "sngan32.gan" ]; [ "fmt"; "--check"; TestFiles.spec "gaussian2d.gan" ] ] do
                let rc, out, err = run args
                Assert.True((rc = 0), sprintf "gan %s without TorchSharp: %d\n%s\n%s" (List.head args) rc out err)
            // the control: a command that needs TorchSharp fails in this copy
            let rc, _, err = run [ "version" ]
            Assert.Equal(3, rc)
            Assert.Contains("internal error", err))

    [<Fact>]
    member _.``The installed gan trains 20 steps from a fresh HOME, patching a cached copy only where libstdc++ needs it`` () =
        TestFiles.withTempDir (fun tmp ->
            let home, run = Path.Combine(tmp, "home"), Path.Combine(tmp, "run")
            let shipped = File.ReadAllBytes(installedLibrary ())
            let rc, out, err = gan home [ "train"; TestFiles.spec "gaussian2d.gan"; "--steps"; "20"; "--out"; run ]
            Assert.True((rc = 0), sprintf "gan train: %d\n%s\n%s" rc out err)
            let log = File.ReadAllLines(Path.Combine(run, "log.csv"))
            Assert.StartsWith("20,", Array.last log)
            Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "step-0000020")))
            Assert.Equal<byte[]>(shipped, File.ReadAllBytes(installedLibrary ()))
            if SystemLibrary.HasVersion TorchNative.Glibcxx then
                Assert.False(Directory.Exists(nativeCache home), "a copy was patched although libstdc++ has GLIBCXX_3.4.32")
            else
                let copy = Directory.GetFiles(nativeCache home, "*", SearchOption.AllDirectories) |> Array.exactlyOne
                Assert.Equal(TorchNative.LibraryFile, Path.GetFileName copy)
                let expected = Array.copy shipped
                Assert.True(ElfVersionNeeds.Weaken(expected, TorchNative.Glibcxx))
                Assert.Equal<byte[]>(expected, File.ReadAllBytes copy)
                let stamp = File.GetLastWriteTimeUtc copy
                let rc, out, err = gan home [ "sample"; run; "--n"; "16"; "--out"; Path.Combine(tmp, "s.png") ]
                Assert.True((rc = 0), sprintf "gan sample: %d\n%s\n%s" rc out err)
                Assert.True(Process.isPng (Path.Combine(tmp, "s.png")))
                Assert.Equal(stamp, File.GetLastWriteTimeUtc copy))
