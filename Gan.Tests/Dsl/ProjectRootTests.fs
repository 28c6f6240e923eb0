/// A spec names files only under its project root: `use` and `images(path)` refuse absolute paths, paths that climb
/// above the root and symbolic links that lead out of it, before anything is read; `--set` paths are the user's own.
module Gan.Tests.Dsl.ProjectRootTests

open System.IO
open Xunit
open Gan.Dsl
open Gan.Tests
open Gan.Tests.Cli.Process

/// A secret outside the project, with a line a leak would show.
let private secretLine = "root:SECRET-HASH-THAT-MUST-NOT-LEAK:19000:0:99999:7:::"

let private header = "gan t \"root test\"\n"

/// The golden MNIST MLP spec's body (every item but its header and its uses), to follow `use` lines.
let private body =
    File.ReadAllLines(Path.Combine(TestFiles.goldenRoot, "200-names", "use-missing-file.gan"))
    |> Array.filter (fun l -> not (l.StartsWith "use ") && not (l.StartsWith "gan "))
    |> String.concat "\n"

/// A project folder with a spec, and a secret file beside the project (outside its root).
let private project (dir: string) (uses: string) =
    let proj = Directory.CreateDirectory(Path.Combine(dir, "proj", "specs")).FullName
    File.WriteAllText(Path.Combine(dir, "secret.gan"), secretLine + "\n")
    File.WriteAllText(Path.Combine(dir, "secret.txt"), secretLine + "\n")
    let spec = Path.Combine(proj, "x.gan")
    File.WriteAllText(spec, header + uses + "\n" + body)
    spec

let private codes (s: GanSpec) = s.Diagnostics |> Seq.map (fun d -> d.Code) |> Seq.toList

[<Theory>]
[<InlineData("/etc/passwd")>]
[<InlineData("../../secret.gan")>]
[<InlineData("../../secret.txt")>]
[<InlineData("sub/../../../secret.gan")>]
[<InlineData("~/secret.gan")>]
let ``A use of an absolute path, or one leading above the root, is refused before anything is read`` (path: string) =
    TestFiles.withTempDir (fun dir ->
        let spec = project dir (sprintf "use \"%s\"" path)
        let s = GanSpec.Load spec
        Assert.Equal<string list>([ "GAN0215" ], codes s)
        let d = Seq.head s.Diagnostics
        Assert.True((d.Position = struct (2, 5)), sprintf "%A" d.Position)
        Assert.DoesNotContain("SECRET", d.Format true))

[<Fact>]
let ``A symbolic link that leads out of the root is refused, for a file and for a folder on the way`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = project dir "use \"link.gan\"\nuse \"dirlink/secret.gan\""
        let specs = Path.GetDirectoryName spec
        File.CreateSymbolicLink(Path.Combine(specs, "link.gan"), Path.Combine(dir, "secret.gan")) |> ignore
        Directory.CreateSymbolicLink(Path.Combine(specs, "dirlink"), dir) |> ignore
        let s = GanSpec.Load spec
        Assert.Equal<string list>([ "GAN0215"; "GAN0215" ], codes s)
        for d in s.Diagnostics do
            Assert.Contains("symbolic link", d.Message)
            Assert.DoesNotContain("SECRET", d.Format true))

[<Fact>]
let ``Files under the root are used, through a link that stays inside it, and --root widens the root`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = project dir "use \"blocks/b.gan\"\nuse \"inner.gan\""
        let specs = Path.GetDirectoryName spec
        Directory.CreateDirectory(Path.Combine(specs, "blocks")) |> ignore
        File.WriteAllText(Path.Combine(specs, "blocks", "b.gan"), "param width = 128\n")
        File.WriteAllText(Path.Combine(specs, "blocks", "c.gan"), "param height = 64\n")
        File.CreateSymbolicLink(Path.Combine(specs, "inner.gan"), Path.Combine(specs, "blocks", "c.gan")) |> ignore
        Assert.Empty(codes (GanSpec.Load spec))
        // A shared file one level up: outside the spec's folder, inside a wider root.
        File.WriteAllText(Path.Combine(dir, "proj", "shared.gan"), "param depth = 2\n")
        File.WriteAllText(spec, header + "use \"../shared.gan\"\n" + body)
        Assert.Equal<string list>([ "GAN0215" ], codes (GanSpec.Load spec))
        Assert.Empty(codes (GanSpec.Load(spec, root = Path.Combine(dir, "proj")))))

[<Fact>]
let ``gan check of a spec that uses /etc/passwd exits 1 and prints no line of it`` () =
    TestFiles.withTempDir (fun dir ->
        let spec = project dir "use \"../../secret.txt\"\nuse \"/etc/passwd\""
        let code, out, err = gan [ "check"; spec ]
        Assert.Equal(1, code)
        Assert.Contains("GAN0215", out)
        for text in [ out; err ] do
            Assert.DoesNotContain("SECRET", text)
            Assert.DoesNotContain("root:x:", text))

[<Fact>]
let ``An image folder named in a spec must lie under the root, and one given by --set is the user's choice`` () =
    TestFiles.withTempDir (fun dir ->
        let proj = Directory.CreateDirectory(Path.Combine(dir, "proj")).FullName
        let spec = Path.Combine(proj, "img.gan")
        let text (data: string) =
            (File.ReadAllText(TestFiles.spec "anime-dcgan.gan")).Replace("data emoji(size: 64, scale: [-1, 1])", data)
        let load data overrides =
            File.WriteAllText(spec, text data)
            GanSpec.Load(spec, readOnlyDict overrides)
        Assert.Contains("data emoji(size: 64, scale: [-1, 1])", File.ReadAllText(TestFiles.spec "anime-dcgan.gan"))
        Assert.Equal<string list>([ "GAN0215" ], codes (load "data images(\"/etc\", size: 64, scale: [-1, 1])" []))
        Assert.Equal<string list>([ "GAN0215" ], codes (load "data images(\"../..\", size: 64, scale: [-1, 1])" []))
        Assert.Empty(codes (load "data images(\"faces\", size: 64, scale: [-1, 1])" []))
        let withParam = "param data_dir = \"faces\"\ndata images(data_dir, size: 64, scale: [-1, 1])"
        Assert.Empty(codes (load withParam [ "data_dir", "/srv/faces" ])))
