module Gan.Tests.DataImageTests

open System.IO
open Xunit
open SkiaSharp
open Gan.Runtime.Data
open Gan.Runtime.Errors

let private withDir f =
    let dir = Directory.CreateTempSubdirectory "gandsl-images"
    try f dir.FullName finally dir.Delete true

/// Writes a w×h image filled with one colour (unpremultiplied RGBA) as PNG or JPEG.
let private write (path: string) w h (color: SKColor) (format: SKEncodedImageFormat) =
    use bmp = new SKBitmap(SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul))
    bmp.Erase color
    use data = bmp.Encode(format, 95)
    File.WriteAllBytes(path, data.ToArray())

let private near (expected: float32) (actual: float32) =
    Assert.True(abs (expected - actual) < 0.03f, sprintf "expected %f, got %f" expected actual)

[<Fact>]
let ``PNG and JPEG files load in name order, stretched to size, as RGB in [-1,1] with transparency over white`` () =
    withDir (fun dir ->
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
let ``An image folder that is missing, empty or holds an undecodable file fails with the folder or file named`` () =
    withDir (fun dir ->
        let missing = Path.Combine(dir, "nope")
        let e1 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(missing, 4, 3) |> ignore)
        Assert.Contains(missing + ": no such folder", e1.Message)
        let e2 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(dir, 4, 3) |> ignore)
        Assert.Contains("holds no .png, .jpg or .jpeg files", e2.Message)
        write (Path.Combine(dir, "good.png")) 4 4 SKColors.Black SKEncodedImageFormat.Png
        let bad = Path.Combine(dir, "broken.PNG")
        File.WriteAllText(bad, "this is text, not a PNG")
        let e3 = Assert.Throws<UserInputException>(fun () -> ImageFolder.Load(dir, 4, 3) |> ignore)
        Assert.Contains(bad + ": not a decodable PNG or JPEG image", e3.Message))
