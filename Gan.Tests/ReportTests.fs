module Gan.Tests.ReportTests

open System.IO
open Xunit
open Gan.Runtime.Reports

[<Fact>]
let ``A line plot is written as a decodable PNG of the requested size`` () =
    let dir = Directory.CreateTempSubdirectory "gandsl-plot"
    try
        let path = Path.Combine(dir.FullName, "loss.png")
        let xs = Array.init 50 float
        LinePlot.Save(path, "losses", "step", "loss", xs, [ ("d", xs |> Array.map (fun x -> 1.0 / (1.0 + x))); ("g", xs |> Array.map sqrt) ], 640, 360)
        let bytes = File.ReadAllBytes path
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy |], bytes.[0..3])
        use bmp = SkiaSharp.SKBitmap.Decode path
        Assert.Equal(640, bmp.Width)
        Assert.Equal(360, bmp.Height)
        Assert.Empty(Directory.GetFiles(dir.FullName, "*.tmp*"))
    finally
        dir.Delete true
