/// A CPU linear layer's product through oneDNN (Model/CpuLinear): the same function as nn.Linear's addmm to float32
/// rounding, forward and backward, taken only where the rule and libtorch's own choice of oneDNN allow, the same bits
/// every time; the rule itself against /proc/cpuinfo; and glibc's allocator settings (Native/MallocTuning).
module Gan.Tests.Runtime.CpuLinearTests

open System
open System.IO
open global.Xunit
open TorchSharp
open Gan.Runtime.Model

type private T = torch.Tensor

/// y, and the gradients of x, W and b for the loss Σ y ⊙ g.
let private run (x: T) (w: T) (b: T option) (g: T) (product: T -> T -> T option -> T) =
    let leaf (t: T) = t.detach().requires_grad_(true)
    let x, w, b = leaf x, leaf w, Option.map leaf b
    let y = product x w b
    (y * g).sum().backward()
    y.detach(), x.grad.clone(), w.grad.clone(), b |> Option.map (fun b -> b.grad.clone())

let private viaCpuLinear (x: T) (w: T) (b: T option) = CpuLinear.Forward(x, w, Option.toObj b)
let private viaAddmm (x: T) (w: T) (b: T option) = torch.nn.functional.linear(x, w, Option.toObj b)

let private bits (t: T) = t.contiguous().data<float32>().ToArray() |> Array.map BitConverter.SingleToInt32Bits

let private withThreads n f =
    let before = torch.get_num_threads ()
    torch.set_num_threads n
    try f () finally torch.set_num_threads before

let private withOneDnn (on: bool) f =
    CpuLinear.ThisThread <- Nullable on
    try f () finally CpuLinear.ThisThread <- Nullable()

/// The largest error of each float32 result against the float64 one, over the largest magnitude of the reference.
let private errors (results: T * T * T * T option) (reference: T * T * T * T option) =
    let (y, gx, gw, gb), (ry, rgx, rgw, rgb) = results, reference
    let relative (a: T) (r: T) = ((a.to_type(torch.float64) - r).abs().max().item<float>()) / max 1e-30 (r.abs().max().item<float>())
    [ relative y ry; relative gx rgx; relative gw rgw
      match gb, rgb with
      | Some gb, Some rgb -> relative gb rgb
      | _ -> 0.0 ]

/// Shapes (batch, in, out, whether oneDNN takes it): the mnist-mlp layers (1024 → 784 in the large-weight form), odd
/// sizes, in both forms (100 × 1024 → 513: just over 2 MiB of weights; 600 × 1024 → 520: as large, but more rows than
/// outputs), and ones the rule leaves to addmm: one output (D's last layer), 128 outputs or 64 rows
/// (where oneDNN is slower), and N × in ≤ 20,480 (where libtorch would not take oneDNN).
let private shapes = [ 128, 1024, 784, true; 128, 784, 512, true; 97, 331, 300, true; 128, 256, 1, false
                       128, 784, 128, false; 64, 784, 512, false; 128, 100, 256, false; 100, 1024, 513, true
                       600, 1024, 520, true ]

[<Fact>]
let ``A linear product through oneDNN is addmm's function to float32 rounding, forward and backward, and the same bits every time`` () =
    let forms = Collections.Generic.HashSet<string>()
    withThreads 2 (fun () ->
        use scope = torch.NewDisposeScope()
        torch.manual_seed 5L |> ignore
        for (n, i, o, large) in shapes do
            for bias in [ true; false ] do
                for transposed in [ false; true ] do
                    let x = if transposed then torch.randn(int64 i, int64 n).t() else torch.randn(int64 n, int64 i)
                    let w, g = torch.randn(int64 o, int64 i) * 0.05, torch.randn(int64 n, int64 o)
                    let b = if bias then Some(torch.randn(int64 o)) else None
                    let what = $"{n}x{i} -> {o}, bias {bias}, transposed input {transposed}"
                    let before, beforeLarge = CpuLinear.OneDnnProducts, CpuLinear.LargeWeightProducts
                    let oneDnn = withOneDnn true (fun () -> run x w b g viaCpuLinear)
                    let taken, takenLarge = CpuLinear.OneDnnProducts - before, CpuLinear.LargeWeightProducts - beforeLarge
                    Assert.True((if large then 1L else 0L) = taken, $"{what}: {taken} products through oneDNN")
                    let largeForm = large && int64 i * int64 o > CpuLinear.LargeWeights && n < o
                    Assert.True((if largeForm then 1L else 0L) = takenLarge, $"{what}: {takenLarge} in the large-weight form")
                    if large then forms.Add(if largeForm then "large" else "batch as positions") |> ignore
                    let again = withOneDnn true (fun () -> run x w b g viaCpuLinear)
                    let same (y, gx, gw, gb) (y', gx', gw', gb') =
                        bits y = bits y' && bits gx = bits gx' && bits gw = bits gw' && Option.map bits gb = Option.map bits gb'
                    Assert.True(same oneDnn again, $"{what}: two runs through oneDNN differ")
                    let f64 (t: T) = t.to_type(torch.float64)
                    let reference = run (f64 x) (f64 w) (Option.map f64 b) (f64 g) viaAddmm
                    let addmm = run x w b g viaAddmm
                    let e, eAddmm = errors oneDnn reference, errors addmm reference
                    // Both are float32 sums of up to 1,024 products: within 5e-6 of the largest value. Measured: oneDNN
                    // up to 1.4e-6, addmm up to 8.7e-7 (oneDNN sums in longer chains); a wrong layout or a lost bias term
                    // is off by the values themselves (1.07).
                    for name, err, errAddmm in List.zip3 [ "y"; "dL/dx"; "dL/dW"; "dL/db" ] e eAddmm do
                        Assert.True(err < 5e-6, $"{what}: {name} off by {err:G3} of its largest value (addmm: {errAddmm:G3})"))
    Assert.Equal(2, forms.Count)

[<Fact>]
let ``At one thread, or with oneDNN turned off, a linear product is addmm's to the bit`` () =
    use scope = torch.NewDisposeScope()
    torch.manual_seed 6L |> ignore
    let x, w, b, g = torch.randn(128L, 784L), torch.randn(512L, 784L) * 0.05, Some(torch.randn(512L)), torch.randn(128L, 512L)
    let addmm = run x w b g viaAddmm
    for threads, on in [ 1, true; 2, false ] do
        let before = CpuLinear.OneDnnProducts
        let (y, gx, gw, gb) = withThreads threads (fun () -> withOneDnn on (fun () -> run x w b g viaCpuLinear))
        let (y', gx', gw', gb') = addmm
        Assert.Equal(before, CpuLinear.OneDnnProducts)
        Assert.True(bits y = bits y' && bits gx = bits gx' && bits gw = bits gw' && bits gb.Value = bits gb'.Value,
                    $"threads {threads}, oneDNN {on}: not addmm's bits")

/// The rule against the kernel's own account of the CPU: oneDNN where the vendor is AMD and the CPU has AVX-512F.
[<Fact>]
let ``oneDNN is the default for linear products exactly on AMD CPUs with AVX-512`` () =
    if File.Exists "/proc/cpuinfo" then
        let lines = File.ReadAllLines "/proc/cpuinfo"
        let field name = lines |> Array.tryFind (fun l -> l.StartsWith(name: string)) |> Option.map (fun l -> l.Split(':').[1].Trim())
        let amd = field "vendor_id" = Some "AuthenticAMD"
        let avx512 = field "flags" |> Option.exists (fun f -> f.Split(' ') |> Array.contains "avx512f")
        Assert.Equal(amd && avx512, CpuLinear.CpuPrefersOneDnn)
        if Environment.GetEnvironmentVariable "GAN_ONEDNN_LINEAR" = null then
            Assert.Equal(amd && avx512, CpuLinear.Enabled)
            let on2 = withThreads 2 (fun () -> CpuLinear.Description)
            Assert.StartsWith((if amd && avx512 then "oneDNN" else "MKL"), on2)
            Assert.StartsWith("MKL addmm (one thread", withThreads 1 (fun () -> withOneDnn true (fun () -> CpuLinear.Description)))

[<Fact>]
let ``A training process keeps its freed memory mapped: glibc took both allocator settings`` () =
    Gan.Runtime.Native.TorchNative.Prepare()
    if Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier = "linux-x64"
       && Environment.GetEnvironmentVariable "GAN_MALLOC_TUNING" <> "0" then
        Assert.True(Gan.Runtime.Native.MallocTuning.Applied, "mallopt refused the thresholds")
