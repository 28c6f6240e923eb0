module Gan.Tests.Runtime.DataTests

open Gan.Tests

open System
open System.IO
open System.IO.Compression
open Xunit
open Gan.Runtime.Data
open Gan.Runtime.Errors

let private be (n: int) = [| byte (n >>> 24); byte (n >>> 16); byte (n >>> 8); byte n |]

let private images count rows cols =
    Array.concat [ be 2051; be count; be rows; be cols; Array.init (count * rows * cols) (fun i -> byte (i % 251)) ]

let private labels (ls: byte[]) = Array.concat [ be 2049; be ls.Length; ls ]

let private withDir f =
    let dir = Directory.CreateTempSubdirectory "gandsl-data"
    try f dir.FullName finally dir.Delete true

let private gzip (bytes: byte[]) =
    use ms = new MemoryStream()
    (use gz = new GZipStream(ms, CompressionLevel.Fastest, true) in gz.Write(bytes, 0, bytes.Length))
    ms.ToArray()

[<Fact>]
let ``IDX images and labels round-trip, raw and gzipped`` () =
    withDir (fun dir ->
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), images 3 4 5)
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), gzip (labels [| 7uy; 0uy; 9uy |]))
        let set = Idx.ReadSplit(dir, "train")
        Assert.Equal(3, set.Count)
        Assert.Equal(4, set.Rows)
        Assert.Equal(5, set.Cols)
        Assert.Equal<byte[]>([| 7uy; 0uy; 9uy |], set.Labels)
        Assert.Equal(byte (59 % 251), set.Pixels.[59]))

let private expectError (fragment: string) (f: unit -> unit) =
    let e = Assert.Throws<UserInputException>(fun () -> f ())
    Assert.Contains(fragment, e.Message)

[<Fact>]
let ``IDX reader names the file and the problem for bad magic, truncation and disagreeing counts`` () =
    withDir (fun dir ->
        let p name (bytes: byte[]) = let path = Path.Combine(dir, name) in File.WriteAllBytes(path, bytes); path
        let good = p "imgs" (images 2 2 2)
        let swapped = p "lbl-as-img" (labels (Array.zeroCreate 20))
        expectError "magic number 2049, expected 2051" (fun () -> Idx.ReadImages swapped |> ignore)
        let truncated = p "short" (images 2 2 2).[.. 20]
        expectError "it is truncated or corrupt" (fun () -> Idx.ReadImages truncated |> ignore)
        let three = p "three-labels" (labels [| 1uy; 2uy; 3uy |])
        expectError "has 2 images but" (fun () -> Idx.Read(good, three) |> ignore)
        let badLabel = p "bad-label" (labels [| 1uy; 12uy |])
        expectError "label 12 at index 1" (fun () -> Idx.Read(good, badLabel) |> ignore)
        let badGz = p "bad.gz" [| 0x1fuy; 0x8buy; 1uy; 2uy; 3uy |]
        expectError "gzip stream is corrupt" (fun () -> Idx.ReadImages badGz |> ignore)
        expectError "no such file" (fun () -> Idx.ReadImages(Path.Combine(dir, "missing")) |> ignore))

[<Fact>]
let ``A file whose SHA-256 does not match never lands in the cache`` () =
    withDir (fun dir ->
        let target = Path.Combine(dir, "file.bin")
        let content = "hello"B
        use s = new MemoryStream(content)
        expectError "SHA-256 is" (fun () -> Downloads.InstallVerified(s, target, String('0', 64)))
        Assert.False(File.Exists target)
        Assert.Empty(Directory.GetFiles dir)
        // The right hash installs it.
        use s2 = new MemoryStream(content)
        Downloads.InstallVerified(s2, target, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        Assert.Equal<byte[]>(content, File.ReadAllBytes target))

[<Fact>]
let ``MNIST files put into a cache folder by hand are checked against their SHA-256 before use`` () =
    withDir (fun dir ->
        for (name, _) in DataCache.MnistFiles do File.WriteAllBytes(Path.Combine(dir, name), images 1 2 2)
        let e = Assert.Throws<UserInputException>(fun () -> DataCache.VerifyMnist dir)
        Assert.Contains(Path.Combine(dir, "train-images-idx3-ubyte") + ": SHA-256 is", e.Message)
        Assert.Contains("expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", e.Message)
        Assert.False(File.Exists(Path.Combine(dir, ".verified"))))

[<Fact>]
let ``MNIST loads as N×1×S×S in the spec's range, zero-padding centred like torch's pad and labels as int64`` () =
    withDir (fun dir ->
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), images 3 28 28)
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), labels [| 4uy; 0uy; 9uy |])
        use scope = TorchSharp.torch.NewDisposeScope()
        use plain = MnistData.Load(Gan.Dsl.Ir.MnistDataIr("test", -1.0, 1.0, 28, "pad"), dir)
        use padded = MnistData.Load(Gan.Dsl.Ir.MnistDataIr("test", 0.0, 1.0, 32, "pad"), dir)
        Assert.Equal<int64[]>([| 3L; 1L; 28L; 28L |], plain.X.shape)
        Assert.Equal(-1.0 + 2.0 * float (59 % 251) / 255.0, float plain.HostX.[59], 6)
        Assert.Equal<int64[]>([| 4L; 0L; 9L |], plain.HostY)
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, plain.Y.dtype)
        let raw =
            TorchSharp.torch.tensor(images 3 28 28 |> Array.skip 16).reshape(3L, 1L, 28L, 28L).to_type(TorchSharp.torch.ScalarType.Float32)
            / 255.0f
        let expected = TorchSharp.torch.nn.functional.pad(raw, [| 2L; 2L; 2L; 2L |])
        Assert.True(padded.X.allclose(expected, 1e-6, 1e-6)))
