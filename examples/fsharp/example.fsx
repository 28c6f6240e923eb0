// GanDsl from an F# script: compile a spec, train it 50 steps in memory, draw samples into a PNG.
// Run from the repository root after building (./test or ./gan): dotnet fsi examples/fsharp/example.fsx [SPEC] [PNG]
#r "../../Gan.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../../Gan.Cli/bin/Release/net10.0/Gan.Dsl.dll"
#r "../../Gan.Cli/bin/Release/net10.0/Gan.Runtime.dll"
#r "../../Gan.Cli/bin/Release/net10.0/SkiaSharp.dll"

open System
open System.IO
open System.Runtime.InteropServices
open Gan.Dsl
open Gan.Runtime

// A script has no package references, so it loads the native libraries of the built folder itself: libtorch and
// TorchSharp's (found by name once loaded), and SkiaSharp's for the PNG writer (handed to SkiaSharp by a resolver).
let native = Path.Combine(__SOURCE_DIRECTORY__, "../../Gan.Cli/bin/Release/net10.0/runtimes/linux-x64/native")
for lib in [ "libtorch.so"; "libLibTorchSharp.so" ] do NativeLibrary.Load(Path.Combine(native, lib)) |> ignore
let skia = NativeLibrary.Load(Path.Combine(native, "libSkiaSharp.so"))
NativeLibrary.SetDllImportResolver(
    typeof<SkiaSharp.SKImageInfo>.Assembly,
    DllImportResolver(fun name _ _ -> if name = "libSkiaSharp" then skia else 0n))

let args = fsi.CommandLineArgs |> Array.skip 1
let spec = GanSpec.Load(if args.Length > 0 then args.[0] else "specs/gaussian2d.gan")
for d in spec.Diagnostics do eprintfn "%s" (d.Format())
if spec.HasErrors then exit 1

let model = GanModel.Create(spec, seed = Nullable 1)
let report =
    { new IProgress<TrainProgress> with
        member _.Report p = if p.Notice = null then printfn "step %d/%d: %A" p.Step p.TotalSteps (List.ofSeq p.Values) }
let result = model.Train(TrainOptions(Steps = Nullable 50, RunFolder = false, LogEvery = 25), report)
printfn "trained %d steps in %.1f s" result.Steps result.Seconds
printfn "samples: %s" (model.SaveSamples((if args.Length > 1 then args.[1] else "example-fsx.png"), n = 256, seed = 2))
model.Dispose()
