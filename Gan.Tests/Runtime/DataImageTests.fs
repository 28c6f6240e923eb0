module Gan.Tests.Runtime.DataImageTests

open System.IO
open Xunit
open SkiaSharp
open Gan.Runtime.Data
open Gan.Runtime.Errors
open Gan.Tests

/// Writes a w×h image filled with one colour (unpremultiplied RGBA) as PNG or JPEG.
let private write (path: string) w h (color: SKColor) (format: SKEncodedImageFormat) =
    use bmp = new SKBitmap(SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul))
    bmp.Erase color
    use data = bmp.Encode(format, 95)
    File.WriteAllBytes(path, data.ToArray())

/// A small GAN on 3×8×8 images from the given data source, trained for the given batch size and steps.
let private imageSpec (data: string) (batch: int) (steps: int) =
    String.concat "\n"
        [ "gan faces \"image folder test\""; "data " + data; "latent z = normal(4)"
          "network G(z: [4]) {"; "  linear(192)"; "  tanh"; "  reshape(3, 8, 8)"; "}"
          "network D(x: [3, 8, 8]) {"; "  flatten"; "  linear(1)"; "}"
          "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
          "loss g_loss = bce_logits(D(G(z)), 1)"
          "optimizer opt_d = adam(D, lr: 1e-3) minimize d_loss"
          "optimizer opt_g = adam(G, lr: 1e-3) minimize g_loss"
          "schedule {"; sprintf "  batch: %d" batch; sprintf "  steps: %d" steps; "  order: [opt_d, opt_g]"; "}"; "" ]

let private near (expected: float32) (actual: float32) =
    Assert.True(abs (expected - actual) < 0.03f, sprintf "expected %f, got %f" expected actual)

[<Fact>]
let ``PNG and JPEG files load in name order, stretched to size, as RGB in [-1,1] with transparency over white`` () =
    TestFiles.withTempDir (fun dir ->
        write (Path.Combine(dir, "a-red.png")) 8 8 (SKColor(255uy, 0uy, 0uy, 255uy)) SKEncodedImageFormat.Png
        write (Path.Combine(dir, "b-clear.png")) 5 7 (SKColor(0uy, 0uy, 255uy, 0uy)) SKEncodedImageFormat.Png
        write (Path.Combine(dir, "c-green.jpg")) 16 4 (SKColor(0uy, 255uy, 0uy, 255uy)) SKEncodedImageFormat.Jpeg
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not an image, and not picked up")
        let set = ImageFolder.Load(dir, 4, 3, -1.0, 1.0)
        Assert.Equal(3, set.Count)
        Assert.Equal<string list>([ "a-red.png"; "b-clear.png"; "c-green.jpg" ], set.Files |> Seq.map Path.GetFileName |> List.ofSeq)
        Assert.Equal(3 * 3 * 16, set.Pixels.Length)
        let pixel img c p = set.Pixels.[img * 48 + c * 16 + p]
        for p in 0 .. 15 do
            near 1.0f (pixel 0 0 p); near -1.0f (pixel 0 1 p); near -1.0f (pixel 0 2 p)    // red
            near 1.0f (pixel 1 0 p); near 1.0f (pixel 1 1 p); near 1.0f (pixel 1 2 p)      // fully transparent: white
            Assert.True(pixel 2 1 p > 0.9f && pixel 2 0 p < -0.9f, "JPEG green")
        // One channel: Rec. 601 grey in [0, 1]; pure red is 0.299.
        let grey = ImageFolder.Load(dir, 2, 1, 0.0, 1.0)
        Assert.Equal(3 * 4, grey.Pixels.Length)
        near 0.299f grey.Pixels.[0]
        near 1.0f grey.Pixels.[4])

[<Fact>]
let ``An image folder that is missing, empty or without a usable image fails naming it; an undecodable file is skipped`` () =
    TestFiles.withTempDir (fun dir ->
        let missing = Path.Combine(dir, "nope")
        let e1 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(missing, 4, 3) |> ignore)
        Assert.Contains(missing + ": no such folder", e1.Message)
        let e2 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(dir, 4, 3) |> ignore)
        Assert.Contains("holds no .png, .jpg or .jpeg files", e2.Message)
        let bad = Path.Combine(dir, "broken.PNG")
        File.WriteAllText(bad, "this is text, not a PNG")
        let e3 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(dir, 4, 3) |> ignore)
        Assert.Contains(dir + ": none of its 1 image files can be used; the first: " + bad + ": not a PNG or JPEG image", e3.Message)
        write (Path.Combine(dir, "good.png")) 4 4 SKColors.Black SKEncodedImageFormat.Png
        let notices = ResizeArray<string>()
        let set = ImageFolder.Load(dir, 4, 3, notice = System.Action<string>(notices.Add))
        Assert.Equal(1, set.Count)
        Assert.Equal(3 * 16, set.Pixels.Length)
        Assert.Equal<string list>([ "good.png" ], set.Files |> Seq.map Path.GetFileName |> List.ofSeq)
        Assert.Contains(dir + ": skipped 1 of 2 image files that cannot be used", Assert.Single(notices))
        Assert.Contains(bad + ": not a PNG or JPEG image", notices.[0]))

[<Fact>]
let ``gan eval on an image-folder run gives a pixel Fréchet distance, its real half-vs-half floor and D accuracy`` () =
    TestFiles.withTempDir (fun dir ->
        let rnd = System.Random 3
        for i in 0 .. 39 do
            write (Path.Combine(dir, sprintf "img-%02d.png" i)) 8 8
                (SKColor(byte (rnd.Next 256), byte (rnd.Next 256), byte (rnd.Next 256), 255uy)) SKEncodedImageFormat.Png
        let spec =
            imageSpec "images(\".\", size: 8, channels: 3, scale: [-1, 1])" 8 3     // the spec's own folder
        let r = Gan.Dsl.Compilation.Compile(Path.Combine(dir, "faces.gan"), spec)
        Assert.False(r.HasErrors, r.Diagnostics |> Seq.map string |> String.concat "\n")
        let out = Path.Combine(dir, "run")
        do
            use t = new Gan.Runtime.Training.Trainer(r.Ir, Gan.Runtime.TrainOptions(OutDir = out))
            t.Run() |> ignore
        let m = Gan.Runtime.Metrics.RunEvaluator.Evaluate(out, 30, System.Nullable(), 0, System.Action<string> ignore)
        let fid, floor, acc =
            m.["pixel_fid_8x8"] :?> float, m.["baseline_pixel_fid_8x8_real_half_vs_half"] :?> float, m.["d_accuracy"] :?> float
        Assert.True(fid > floor && floor >= 0.0, sprintf "fid %f, floor %f" fid floor)
        Assert.InRange(acc, 0.0, 1.0)
        Assert.True(File.Exists(Path.Combine(out, "metrics.json"))))

[<Fact>]
let ``A conditional D is not scored by the pixel metrics: the protocol says so and metrics.json can hold the result`` () =
    // D(real, labels) leaves the IR without a real critic: DAccuracy gives NaN, which System.Text.Json refuses to write.
    let spec =
        String.concat "\n"
            [ "gan c \"conditional D\""; "data fashion_mnist(split: train, scale: [-1, 1])"; "latent z = normal(4)"
              "latent yf = label(10)"
              "network G(z: [4], y: label(10)) {"; "  from y"; "  embedding(10, 4)"; "  concat(z)"; "  linear(784)"; "  tanh"
              "  reshape(1, 28, 28)"; "}"
              "network D(x: [1, 28, 28], y: label(10)) {"; "  flatten"; "  linear(1)"; "  let adv"; "  from y"
              "  embedding(10, 1)"; "  add(adv)"; "}"
              "loss d_loss = hinge_d(D(real, labels), D(detach(G(z, yf)), yf))"; "loss g_loss = hinge_g(D(G(z, yf), yf))"
              "optimizer opt_d = adam(D, lr: 1e-3) minimize d_loss"; "optimizer opt_g = adam(G, lr: 1e-3) minimize g_loss"
              "schedule {"; "  batch: 4"; "  steps: 1"; "  order: [opt_d, opt_g]"; "}"; "" ]
    let r = Gan.Dsl.Compilation.Compile("c.gan", spec)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map string |> String.concat "\n")
    Assert.Null(r.Ir.RealCritic)
    use scope = TorchSharp.torch.NewDisposeScope()
    let nets = readOnlyDict [ for n in r.Ir.Networks -> n.Name, new Gan.Runtime.Model.NetworkModule(n) ]
    let x = TorchSharp.torch.rand([| 40L; 1L; 28L; 28L |]) * 2.0f - 1.0f
    use data = new Gan.Runtime.Data.TensorDataset(x, TorchSharp.torch.randint(0L, 10L, [| 40L |]))
    let e = Gan.Runtime.Data.Evaluation(r.Ir, nets, 20, 0, System.Action<string> ignore)
    Gan.Runtime.Data.ImageData.PixelMetrics(e, data, -1.0, 1.0, "random")
    Assert.False(e.Metrics.ContainsKey "d_accuracy")
    Assert.Contains("not measured", e.Protocol.["d_accuracy"] :?> string)
    Assert.True((e.Metrics.["pixel_fid_8x8"] :?> float) >= 0.0)
    let json = System.Text.Json.JsonSerializer.Serialize(e.Metrics)
    Assert.Contains("pixel_fid_8x8", json)

[<Fact>]
let ``images("emoji") reads the user's folder named emoji, and only emoji(...) is the built-in set`` () =
    TestFiles.withTempDir (fun dir ->
        let folder = Path.Combine(dir, "emoji")
        Directory.CreateDirectory folder |> ignore
        for i in 0 .. 2 do write (Path.Combine(folder, sprintf "%d.png" i)) 8 8 SKColors.Red SKEncodedImageFormat.Png
        let spec (data: string) = imageSpec data 2 1
        let ir (data: string) = (Gan.Dsl.Compilation.Compile(Path.Combine(dir, "x.gan"), spec data)).Ir
        let folderData = (ir "images(\"emoji\", size: 8, channels: 3, scale: [-1, 1])").Data
        Assert.IsType<Gan.Dsl.Ir.ImageFolderDataIr>(folderData) |> ignore
        Assert.IsType<Gan.Dsl.Ir.EmojiDataIr>((ir "emoji(size: 8, scale: [-1, 1])").Data) |> ignore
        let cwd = System.Environment.CurrentDirectory
        try
            System.Environment.CurrentDirectory <- dir
            use data = ImageData.Instance.Load(folderData, 0, ignore)
            Assert.Equal(3L, data.Count)
        finally
            System.Environment.CurrentDirectory <- cwd)
