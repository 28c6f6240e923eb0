module Gan.Tests.Runtime.DataFlipFashionTests

open Gan.Tests

open System
open System.IO
open Xunit
open TorchSharp
open Gan.Dsl
open Gan.Dsl.Ir
open Gan.Runtime.Data
open Gan.Runtime.Errors

/// count images of C×H×W; image i holds i*1000 + k at offset k (every value distinct); label i is i % 10.
let private images count c h w =
    let size = c * h * w
    Array.init (count * size) (fun j -> float32 ((j / size) * 1000 + j % size)), Array.init count (fun i -> int64 (i % 10))

/// The sample an image row came from, and whether it was mirrored (each row of W reversed), or a failure.
let private classify (b: HostBatch) r size w =
    let first = int b.X.[r * size] / 1000
    let original k = float32 (first * 1000 + k)
    let mirrored k = original ((k / w) * w + (w - 1 - k % w))
    let row = b.X.[r * size .. r * size + size - 1]
    if row |> Array.mapi (fun k v -> v = original k) |> Array.forall id then first, false
    else
        // A mirrored row starts with the sample's value at W − 1: the same sample number.
        let isMirror = row |> Array.mapi (fun k v -> v = mirrored k) |> Array.forall id
        Assert.True(isMirror, "a served image is neither the sample nor its mirror")
        first, true

[<Fact>]
let ``flip serves each image or its left-right mirror with p = 1/2 on every draw, the same under a seed and after a restore`` () =
    let c, h, w = 2, 3, 4
    let size = c * h * w
    let x, y = images 40 c h w
    let draws (b: Batcher) n =
        [ for _ in 1 .. n do
            let batch = b.Next()
            for r in 0 .. batch.Count - 1 do
                let sample, flipped = classify batch r size w
                Assert.Equal(int64 (sample % 10), batch.Y.[r])      // labels travel with their (mirrored) image
                yield sample, flipped ]
    use a = new Batcher(x, size, y, 8, 3, true, false, flipWidth = w)
    let served = draws a 250                                       // 2,000 draws, 50 epochs
    let share = float (served |> List.filter snd |> List.length) / float served.Length
    Assert.True(abs (share - 0.5) < 0.05, sprintf "%.3f of the draws were mirrored" share)
    // Every sample is mirrored on some draws and not on others: a fresh coin per draw, not per sample.
    for s in 0 .. 39 do
        let mine = served |> List.filter (fun (i, _) -> i = s) |> List.map snd |> List.distinct
        Assert.Equal(2, mine.Length)
    use same = new Batcher(x, size, y, 8, 3, true, true, flipWidth = w)
    Assert.Equal<(int * bool) list>(served, draws same 250)
    use other = new Batcher(x, size, y, 8, 4, true, false, flipWidth = w)
    Assert.NotEqual<(int * bool) list>(served, draws other 250)
    // Resuming from a saved position flips exactly as the uninterrupted stream.
    use first = new Batcher(x, size, y, 8, 3, true, false, flipWidth = w)
    draws first 37 |> ignore
    use resumed = new Batcher(x, size, y, 8, 3, true, false, flipWidth = w)
    resumed.Restore first.Position
    Assert.Equal<(int * bool) list>(draws first 20, draws resumed 20)
    // Without flip nothing is mirrored.
    use plain = new Batcher(x, size, y, 8, 3, true, false)
    Assert.DoesNotContain(true, draws plain 50 |> List.map snd)

let private compile (data: string) =
    Compilation.Compile(
        "data.gan",
        String.concat "\n" [
            "gan t \"data\""
            data
            "latent z = normal(16)"
            "network G(z: [16]) {"
            "  linear(1024)"
            "  reshape(1, 32, 32)"
            "}"
            "network D(x: [1, 32, 32]) {"
            "  flatten"
            "  linear(1)"
            "}"
            "loss d_loss = hinge_d(D(real), D(detach(G(z))))"
            "loss g_loss = hinge_g(D(G(z)))"
            "optimizer opt_d = adam(D, lr: 2e-4) minimize d_loss"
            "optimizer opt_g = adam(G, lr: 2e-4) minimize g_loss"
            "schedule {"
            "  batch: 8"
            "  steps: 1"
            "  order: [opt_d, opt_g]"
            "}" ])

[<Fact>]
let ``fashion_mnist takes mnist's options and labels; flip is an option of the image sources and off by default`` () =
    let r = compile "data fashion_mnist(split: test, scale: [0, 1], size: 32, resize: pad, flip: true)"
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n")
    let f = Assert.IsType<FashionMnistDataIr>(r.Ir.Data)
    Assert.Equal<int list>([ 1; 32; 32 ], List.ofSeq f.Shape)
    Assert.Equal(10, f.Classes)
    Assert.Equal(("test", 0.0, 1.0, 32, "pad"), (f.Split, f.Low, f.High, f.Size, f.Resize))
    Assert.True(f.Flip)
    Assert.False((compile "data mnist(scale: [-1, 1], size: 32)").Ir.Data.Flip)
    Assert.True((compile "data mnist(scale: [-1, 1], size: 32, flip: true)").Ir.Data.Flip)
    let small = compile "data fashion_mnist(scale: [-1, 1], size: 20, resize: pad)"
    let d = Assert.Single(small.Diagnostics)
    Assert.Equal("GAN0213", d.Code)
    Assert.Contains("fashion_mnist: 'size' must be at least 28 to pad", d.Message)
    let noFlip = compile "data gaussian2d(mean: [0, 0], transform: [[1, 0], [0, 1]], flip: true)"
    Assert.Contains(noFlip.Diagnostics, fun d -> d.Code = "GAN0205")

let private be (n: int) = [| byte (n >>> 24); byte (n >>> 16); byte (n >>> 8); byte n |]

[<Fact>]
let ``Fashion-MNIST loads from an IDX folder as MNIST does, and its cache files are checked against their own SHA-256`` () =
    TestFiles.withTempDir (fun dir ->
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"),
                           Array.concat [ be 2051; be 2; be 28; be 28; Array.init (2 * 784) (fun i -> byte (i % 256)) ])
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Array.concat [ be 2049; be 2; [| 9uy; 3uy |] ])
        use scope = torch.NewDisposeScope()
        use set = FashionMnistData.Load(FashionMnistDataIr("test", -1.0, 1.0, 32, "pad"), dir)
        Assert.Equal<int64[]>([| 2L; 1L; 32L; 32L |], set.X.shape)
        Assert.Equal<int64[]>([| 9L; 3L |], set.HostY)
        Assert.Equal(-1.0f, set.X.[0L, 0L, 0L, 0L].item<float32>())                         // the zero padding is black
        Assert.Equal(-1.0 + 2.0 * 5.0 / 255.0, float (set.X.[0L, 0L, 2L, 7L].item<float32>()), 6)   // pixel (0, 5)
        let e = Assert.Throws<UserInputException>(fun () -> FashionMnistCache.Verify dir)
        Assert.Contains("train-images-idx3-ubyte: missing; run `gan data fashion-mnist`", e.Message)
        for name, _ in FashionMnistCache.Files do File.WriteAllBytes(Path.Combine(dir, name), [| 1uy |])
        let e = Assert.Throws<UserInputException>(fun () -> FashionMnistCache.Verify dir)
        Assert.Contains("expected c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", e.Message)
        Assert.Contains("not the uncompressed Fashion-MNIST file", e.Message))

let private perClass (labels: int64[]) = Array.init 10 (fun k -> labels |> Array.filter ((=) (int64 k)) |> Array.length |> int64)

[<Fact>]
let ``Fashion-MNIST from the cache (fetched once): 60,000 and 10,000 balanced 28×28 images, zero-padded to 32`` () =
    let dir = FashionMnistCache.Ensure ignore
    use scope = torch.NewDisposeScope()
    use train = FashionMnistData.Load(FashionMnistDataIr("train", -1.0, 1.0, 32, "pad"), dir)
    Assert.Equal<int64[]>([| 60000L; 1L; 32L; 32L |], train.X.shape)
    Assert.Equal<int64[]>(Array.create 10 6000L, perClass train.HostY)
    Assert.True(train.X.narrow(2L, 0L, 2L).eq(torch.tensor -1.0f).all().item<bool>(), "the padding rows are not black")
    Assert.True(train.X.min().item<float32>() >= -1.0f && train.X.max().item<float32>() <= 1.0f)
    Assert.True(train.X.max().item<float32>() = 1.0f, "no pixel is white")
    use test = FashionMnistData.Load(FashionMnistDataIr("test", 0.0, 1.0, 28, "pad"), dir)
    Assert.Equal<int64[]>([| 10000L; 1L; 28L; 28L |], test.X.shape)
    Assert.Equal<int64[]>(Array.create 10 1000L, perClass test.HostY)
