module Gan.Tests.Runtime.ReportTests

open Gan.Tests

open System.IO
open Xunit
open Gan.Runtime.Imaging
open Gan.Runtime.Reports

[<Fact>]
let ``A line plot is written as a decodable PNG of the requested size`` () =
    let dir = Directory.CreateTempSubdirectory "gandsl-plot"
    try
        let path = Path.Combine(dir.FullName, "loss.png")
        let xs = Array.init 50 float
        LinePlot.Save(
            path, "losses", "step", "loss", xs,
            [ ("d", xs |> Array.map (fun x -> 1.0 / (1.0 + x))); ("g", xs |> Array.map sqrt) ], 640, 360)
        let bytes = File.ReadAllBytes path
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy |], bytes.[0..3])
        use bmp = SkiaSharp.SKBitmap.Decode path
        Assert.Equal(640, bmp.Width)
        Assert.Equal(360, bmp.Height)
        Assert.Empty(Directory.GetFiles(dir.FullName, "*.tmp*"))
    finally
        dir.Delete true

let private writePng (path: string) =
    use bmp = new SkiaSharp.SKBitmap(20, 20)
    bmp.Erase(SkiaSharp.SKColors.Gray)
    use data = bmp.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100)
    File.WriteAllBytes(path, data.ToArray())

[<Fact>]
let ``A run report embeds the curves, samples, metrics and spec and needs no network`` () =
    let dir = Directory.CreateTempSubdirectory "gandsl-report"
    try
        let run = dir.FullName
        File.WriteAllLines(Path.Combine(run, "log.csv"),
            [ yield "step,epoch,d,g,d_real,d_fake,images_per_s,elapsed_s"
              for s in 1..30 do yield sprintf "%d,0,%g,%g,0.6,0.4,1000,%d" s (1.0 / float s) (float s / 30.0) s
              yield "31,0,0.5" ])                                     // a torn last line from a killed run is skipped
        Directory.CreateDirectory(Path.Combine(run, "samples")) |> ignore
        for s in [ 1; 10; 30 ] do writePng (Path.Combine(run, "samples", sprintf "step-%07d.png" s))
        File.WriteAllText(Path.Combine(run, "spec.gan"), "gan demo \"a <demo>\"")
        File.WriteAllText(
            Path.Combine(run, "metrics.json"),
            """{"w2": 0.312345678, "class_shares": [0.5, 0.25, 0.25], "protocol": {"n": 1000, "checkpoint_step": 123456}}""")
        let html = File.ReadAllText(RunReport.Write run)
        Assert.Contains("<h2>Losses</h2>", html)
        Assert.Contains("D(x) and D(G(z))", html)
        Assert.Contains("step-0000030", html)
        Assert.Contains("protocol.n", html)
        Assert.Contains("<td>0.31235</td>", html)
        Assert.Contains("<td>123456</td>", html)
        Assert.Contains("<td>0: 0.5, 1: 0.25, 2: 0.25</td>", html)
        Assert.Contains("a &lt;demo&gt;", html)
        Assert.DoesNotContain("http", html)
        Assert.Equal(3 + 2, (html.Split "data:image/png;base64,").Length - 1)
        Assert.True(File.Exists(Path.Combine(run, "plots", "losses.png")))
    finally
        dir.Delete true

[<Fact>]
let ``A log with a malformed middle row is rejected with its line number`` () =
    let dir = Directory.CreateTempSubdirectory "gandsl-log"
    try
        let path = Path.Combine(dir.FullName, "log.csv")
        File.WriteAllLines(path, [ "step,epoch,d"; "1,0,0.5"; "2,0"; "3,0,0.4" ])
        let e = Assert.Throws<Gan.Runtime.Errors.UserInputException>(fun () -> LogCsv.Read path |> ignore)
        Assert.Contains("log.csv:3:1", e.Message)
    finally
        dir.Delete true
