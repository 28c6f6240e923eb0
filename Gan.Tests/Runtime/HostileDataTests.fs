/// Dataset caches and image folders are hostile input: a damaged MNIST cache file, an empty, truncated or gigantic PNG.
/// Each gives exit 1 naming the file (or, for images among usable ones, the documented skip), never a crash or an
/// allocation from a header's claims.
module Gan.Tests.Runtime.HostileDataTests

open System
open System.Buffers.Binary
open System.IO
open System.IO.Compression
open Xunit
open SkiaSharp
open Gan.Runtime.Data
open Gan.Runtime.Errors
open Gan.Tests
open Gan.Tests.Cli.Process

/// An IDX image header (magic 2051, count, rows, cols) followed by <paramref name="pixels"/> bytes.
let private idxImages (count: int) (rows: int) (cols: int) (pixels: int) =
    let b = Array.zeroCreate<byte> (16 + pixels)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 0, Idx.ImagesMagic)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 4, count)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 8, rows)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 12, cols)
    b

let private idxLabels (count: int) =
    let b = Array.zeroCreate<byte> (8 + count)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 0, Idx.LabelsMagic)
    BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 4, count)
    b

let private expectError (fragment: string) (f: unit -> unit) =
    let e = Assert.Throws<UserInputException>(f)
    Assert.Contains(fragment, e.Message)
    e.Message

[<Fact>]
let ``A damaged MNIST cache file stops gan train with exit 1 naming it and saying how to fix it, even behind a stamp`` () =
    TestFiles.withTempDir (fun cache ->
        let mnist = Directory.CreateDirectory(Path.Combine(cache, "mnist")).FullName
        for name, _ in DataCache.MnistFiles do File.WriteAllBytes(Path.Combine(mnist, name), idxLabels 3)
        // A stamp of the old kind (it recorded nothing about the files) no longer vouches for whatever is there now.
        File.WriteAllText(Path.Combine(mnist, ".verified"), "SHA-256 of the four MNIST files checked\n")
        let images = Path.Combine(mnist, "train-images-idx3-ubyte")
        let cases =
            [ "wrong magic", idxLabels 60000
              "10^9 images claimed", idxImages 1_000_000_000 28 28 784
              "truncated", idxImages 60000 28 28 1000 ]
        for what, bytes in cases do
            File.WriteAllBytes(images, bytes)
            let code, out, err =
                ganWith [ "GANDSL_DATA", cache ] [ "train"; "specs/mnist-mlp.gan"; "--steps"; "1"; "--out"; Path.Combine(cache, "run") ]
            Assert.True((code = 1), sprintf "%s: exit %d\n%s\n%s" what code out err)
            Assert.Contains(images + ": SHA-256 is", err)
            Assert.Contains("Delete it and run `gan data mnist`", err)
            Assert.DoesNotContain("   at ", err)
        Assert.False(File.Exists(Path.Combine(mnist, ".verified")) && File.ReadAllText(Path.Combine(mnist, ".verified")).Contains "bytes"))

[<Fact>]
let ``IDX headers are checked against the file's size, and raw or gunzipped sizes are capped, before anything is allocated`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "train-images-idx3-ubyte")
        File.WriteAllBytes(path, idxImages 1_000_000_000 28 28 784)
        expectError "header says 1000000000 images of 28×28" (fun () -> Idx.ReadImages path |> ignore)
        |> fun m -> Assert.Contains(path, m); Assert.Contains(Idx.Fix.Trim(), m)
        // A sparse file one byte over the cap is refused by its length, unread.
        do
            use f = File.Create path
            f.SetLength(Idx.MaxBytes + 1L)
        expectError "more than an IDX file of MNIST can be" (fun () -> Idx.ReadImages path |> ignore) |> ignore
        // A small gzip file that expands past the cap stops there.
        do
            use f = File.Create(path + ".gz")
            use gz = new GZipStream(f, CompressionLevel.Optimal)
            let zeros = Array.zeroCreate<byte> (1 <<< 20)
            for _ in 0L .. Idx.MaxBytes / int64 zeros.Length do gz.Write(zeros, 0, zeros.Length)
        Assert.True(FileInfo(path + ".gz").Length < (4L <<< 20), sprintf "%d bytes" (FileInfo(path + ".gz").Length))
        expectError "decompresses to more than" (fun () -> Idx.ReadImages(path + ".gz") |> ignore) |> ignore
        // 2.8 million 1×1 "images" fit the file size but not 28×28 floats: refused before the array is made.
        let n = 2_800_000
        File.WriteAllBytes(path, idxImages n 1 1 n)
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), idxLabels n)
        expectError "do not fit in memory" (fun () ->
            MnistData.Load(Gan.Dsl.Ir.MnistDataIr("train", -1.0, 1.0, 28, "pad"), dir) |> ignore) |> ignore)

[<Fact>]
let ``A damaged MNIST judge in the cache is refused naming it, before TorchSharp's loader reads it`` () =
    TestFiles.withTempDir (fun cache ->
        let before = Environment.GetEnvironmentVariable "GANDSL_DATA"
        Environment.SetEnvironmentVariable("GANDSL_DATA", cache)
        try
            let set = Gan.Runtime.Metrics.JudgeSet.Mnist
            let path = Gan.Runtime.Metrics.JudgeCache.PathFor set
            Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
            do
                use judge = new Gan.Runtime.Metrics.JudgeNetwork(set.Architecture)
                judge.save path |> ignore
            do
                use loaded = Gan.Runtime.Metrics.JudgeCache.Load(set, fun _ -> ())   // the file as saved passes
                ()
            let good = File.ReadAllBytes path
            for cut in [ 0; 3; good.Length / 2 ] do
                File.WriteAllBytes(path, good.[.. cut - 1])
                let m = expectError (path + ": ") (fun () -> Gan.Runtime.Metrics.JudgeCache.Load(set, fun _ -> ()) |> ignore)
                Assert.Contains("Delete it and run `gan judge train --data mnist`", m)
        finally
            Environment.SetEnvironmentVariable("GANDSL_DATA", before))

/// A valid w×h PNG.
let private png w h =
    use bmp = new SKBitmap(SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul))
    let rnd = Random 5
    for y in 0 .. h - 1 do
        for x in 0 .. w - 1 do bmp.SetPixel(x, y, SKColor(byte (rnd.Next 256), byte (rnd.Next 256), byte (rnd.Next 256), 255uy))
    use data = bmp.Encode(SKEncodedImageFormat.Png, 100)
    data.ToArray()

/// CRC-32 (PNG's chunk checksum).
let private crc32 (bytes: byte[]) =
    let mutable c = 0xffffffffu
    for b in bytes do
        c <- c ^^^ uint32 b
        for _ in 1 .. 8 do c <- if c &&& 1u <> 0u then 0xedb88320u ^^^ (c >>> 1) else c >>> 1
    c ^^^ 0xffffffffu

/// A PNG signature and an IHDR chunk (correct CRC) claiming <paramref name="w"/>×<paramref name="h"/> RGBA pixels, then an
/// IDAT chunk with one short row's worth of zlib data (a decoder reads the header up to the first IDAT) and IEND.
let private hugePng (w: int) (h: int) =
    let chunk (kind: string) (data: byte[]) =
        let body = Array.append (Text.Encoding.ASCII.GetBytes kind) data
        let b = Array.zeroCreate<byte> (4 + body.Length + 4)
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan 0, data.Length)
        body.CopyTo(b, 4)
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4 + body.Length), crc32 body)
        b
    let ihdr = Array.zeroCreate<byte> 13
    BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan 0, w)
    BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan 4, h)
    ihdr.[8] <- 8uy   // bit depth
    ihdr.[9] <- 6uy   // RGBA
    let idat =
        use ms = new MemoryStream()
        do
            use z = new ZLibStream(ms, CompressionLevel.Optimal)
            z.Write(Array.zeroCreate<byte> 64, 0, 64)
        ms.ToArray()
    Array.concat [ [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |]; chunk "IHDR" ihdr; chunk "IDAT" idat; chunk "IEND" [||] ]

/// Writes the three bad files into <paramref name="dir"/> and returns their paths.
let private writeBad (dir: string) =
    let empty, truncated, huge = Path.Combine(dir, "empty.png"), Path.Combine(dir, "truncated.png"), Path.Combine(dir, "huge.png")
    File.WriteAllBytes(empty, [||])
    let full = png 32 32
    File.WriteAllBytes(truncated, full.[.. full.Length / 2])
    File.WriteAllBytes(huge, hugePng 100_000 100_000)
    [ empty; truncated; huge ]

[<Fact>]
let ``An empty, a truncated and a 100,000×100,000 PNG are refused by name before any pixel is allocated`` () =
    TestFiles.withTempDir (fun dir ->
        let dst = Array.zeroCreate<float32> (3 * 8 * 8)
        let decode f () = ImageFolder.Decode(f, 8, 3, -1.0f, 1.0f, dst.AsSpan())
        match writeBad dir with
        | [ empty; truncated; huge ] ->
            Assert.Contains(empty + ": not a PNG or JPEG image (the file is empty)", expectError empty (decode empty))
            expectError (truncated + ": the image data ends early") (decode truncated) |> ignore
            expectError (huge + ": its header claims 100000×100000 pixels, more than the 64 Mpx") (decode huge) |> ignore
        | _ -> failwith "three files")

/// A small GAN on 3×8×8 images of <paramref name="dir"/> (a folder beside the spec: a spec names its data relatively).
let private imageSpec (dir: string) =
    String.concat "\n"
        [ "gan faces \"hostile image folder\""
          sprintf "data images(\"%s\", size: 8, channels: 3, scale: [-1, 1])" (Path.GetFileName dir)
          "latent z = normal(4)"; "network G(z: [4]) {"; "  linear(192)"; "  tanh"; "  reshape(3, 8, 8)"; "}"
          "network D(x: [3, 8, 8]) {"; "  flatten"; "  linear(1)"; "}"
          "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
          "loss g_loss = bce_logits(D(G(z)), 1)"
          "optimizer opt_d = adam(D, lr: 1e-3) minimize d_loss"; "optimizer opt_g = adam(G, lr: 1e-3) minimize g_loss"
          "schedule {"; "  batch: 4"; "  steps: 1"; "  order: [opt_d, opt_g]"; "}"; "" ]

[<Fact>]
let ``gan train skips unusable images with a notice naming them, and refuses a folder with no usable image`` () =
    TestFiles.withTempDir (fun tmp ->
        let images = Directory.CreateDirectory(Path.Combine(tmp, "images")).FullName
        let bad = writeBad images
        for i in 0 .. 7 do File.WriteAllBytes(Path.Combine(images, sprintf "good-%d.png" i), png 8 8)
        let spec = Path.Combine(tmp, "faces.gan")
        File.WriteAllText(spec, imageSpec images)
        let code, out, err = gan [ "train"; spec; "--steps"; "1"; "--out"; Path.Combine(tmp, "run") ]
        Assert.True((code = 0), sprintf "exit %d\n%s\n%s" code out err)
        Assert.Contains(images + ": skipped 3 of 11 image files that cannot be used", out + err)
        for f in bad do Assert.Contains(f + ": ", out + err)
        for i in 0 .. 7 do File.Delete(Path.Combine(images, sprintf "good-%d.png" i))
        let code, out, err = gan [ "train"; spec; "--steps"; "1"; "--out"; Path.Combine(tmp, "run2") ]
        Assert.True((code = 1), sprintf "exit %d\n%s\n%s" code out err)
        Assert.Contains(images + ": none of its 3 image files can be used", err)
        Assert.DoesNotContain("   at ", err))
