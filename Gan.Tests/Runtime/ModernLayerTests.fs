/// The new layers' formulas against values worked out independently of their modules, and the batch checks of
/// minibatch_stddev at run time.
module Gan.Tests.Runtime.ModernLayerTests

open System
open global.Xunit
open TorchSharp
open Gan.Dsl
open Gan.Runtime.Model
open Gan.Tests.NetworkGenerators

let private network (inputs: string) (lines: string list) =
    let text, _ = specOf { Header = sprintf "network N(%s)" inputs; Lines = lines; Outputs = [] }
    let r = Compilation.Compile("modern.gan", text)
    if r.HasErrors then failwithf "does not compile: %s" (r.Errors |> Seq.map string |> String.concat "\n")
    r.Ir, r.Ir.Networks |> Seq.find (fun n -> n.Name = "N")

let private close (expected: float) (actual: float) what =
    if abs (expected - actual) > 1e-9 * max 1.0 (abs expected) then failwithf "%s: expected %g, got %g" what expected actual

[<Fact>]
let ``minibatch_stddev appends, for each sample, the mean over its part of the biased standard deviation across its group`` () =
    use scope = torch.NewDisposeScope()
    let _, ir = network "x: [4, 2, 3]" [ "minibatch_stddev(group: 2, channels: 2)" ]
    use m = new NetworkModule(ir)
    m.``to``(torch.float64) |> ignore
    torch.manual_seed 5L |> ignore
    let n = 6                                     // groups of 2: sample i is grouped with i ± 3 (column i mod 3)
    let x = torch.randn([| int64 n; 4L; 2L; 3L |], dtype = torch.float64)
    let y = m.Output([| x |], ir.DefaultOutput)
    Assert.Equal<int64[]>([| int64 n; 6L; 2L; 3L |], y.shape)
    let v (i: int) (c: int) (h: int) (w: int) = x.[int64 i, int64 c, int64 h, int64 w].item<float>()
    for i in 0 .. n - 1 do
        let partner = (i + 3) % n
        for part in 0 .. 1 do
            // The part's channels 2·part, 2·part + 1; a group of two values a, b has biased variance ((a − b)/2)².
            let sigmas =
                [ for c in 2 * part .. 2 * part + 1 do
                      for h in 0 .. 1 do
                          for w in 0 .. 2 -> sqrt ((((v i c h w) - (v partner c h w)) / 2.0) ** 2.0 + 1e-8) ]
            let expected = List.average sigmas
            for h in 0 .. 1 do
                for w in 0 .. 2 do
                    close expected (y.[int64 i, int64 (4 + part), int64 h, int64 w].item<float>()) (sprintf "sample %d part %d" i part)
    // The input passes through unchanged.
    Assert.True(y.narrow(1L, 0L, 4L).allclose(x, 0.0, 0.0))

[<Fact>]
let ``minibatch_stddev on a batch its group does not divide uses the largest group size below it that does`` () =
    use scope = torch.NewDisposeScope()
    let _, ir = network "x: [1, 1, 1]" [ "minibatch_stddev(group: 4)" ]
    use m = new NetworkModule(ir)
    m.``to``(torch.float64) |> ignore
    // Batch 6, group 4: groups of 3 (columns i mod 2).
    let x = torch.tensor([| 0.0; 10.0; 3.0; 20.0; 6.0; 30.0 |], dtype = torch.float64).view(6L, 1L, 1L, 1L)
    let y = m.Output([| x |], ir.DefaultOutput)
    let sd (xs: float list) = let mu = List.average xs in sqrt (List.averageBy (fun a -> (a - mu) ** 2.0) xs + 1e-8)
    for i in 0 .. 5 do
        let expected = if i % 2 = 0 then sd [ 0.0; 3.0; 6.0 ] else sd [ 10.0; 20.0; 30.0 ]
        close expected (y.[int64 i, 1L, 0L, 0L].item<float>()) (sprintf "sample %d" i)

[<Fact>]
let ``An equalized linear uses its stored weight times lr_mul over the square root of fan-in, and its bias times lr_mul`` () =
    use scope = torch.NewDisposeScope()
    let _, ir = network "x: [4]" [ "linear(3, equalized: true, lr_mul: 0.5, bias_init: 2)" ]
    torch.manual_seed 3L |> ignore
    use m = new NetworkModule(ir)
    m.``to``(torch.float64) |> ignore
    let ps = m.named_parameters() |> Seq.map (fun struct (k, p) -> k, p) |> Map.ofSeq
    let w, b = ps.["0_linear.weight"], ps.["0_linear.bias"]
    // Stored: bias at bias_init, weight N(0, 1/lr_mul²) (std 2: the sample std of 12 draws is well above 1).
    Assert.True(b.eq(torch.tensor(2.0, dtype = torch.float64)).all().item<bool>())
    Assert.True(w.std().item<float>() > 1.0, sprintf "std %g" (w.std().item<float>()))
    let x = torch.randn([| 5L; 4L |], dtype = torch.float64)
    let expected = x.matmul((w * (0.5 / 2.0)).t()) + b * 0.5
    Assert.True(m.Output([| x |], ir.DefaultOutput).allclose(expected, 1e-12, 1e-12))

[<Fact>]
let ``self_attention starts as the identity (gamma 0) and names its parameters after mimicry's`` () =
    use scope = torch.NewDisposeScope()
    let _, ir = network "x: [16, 4, 6]" [ "self_attention(spectral_norm: true)" ]
    use m = new NetworkModule(ir)
    let names = m.named_parameters() |> Seq.map (fun struct (k, _) -> k) |> Set.ofSeq
    Assert.Equal<Set<string>>(
        set [ "0_self_attention.theta.weight"; "0_self_attention.phi.weight"; "0_self_attention.g.weight"
              "0_self_attention.o.weight"; "0_self_attention.gamma" ], names)
    Assert.Equal(5L * 16L * 16L / 4L + 1L, m.TrainableCount)
    let x = torch.randn([| 2L; 16L; 4L; 6L |])
    Assert.True(m.Output([| x |], ir.DefaultOutput).allclose(x, 0.0, 0.0))

[<Fact>]
let ``Training refuses a --batch that a minibatch_stddev group does not divide, naming the layer and a batch that would do`` () =
    let text, _ = specOf { Header = "network N(x: [2, 4, 4])"; Lines = [ "minibatch_stddev(group: 4)" ]; Outputs = [] }
    let r = Compilation.Compile("modern.gan", text)
    Assert.False(r.HasErrors)
    let e = Assert.Throws<Gan.Runtime.Errors.UserInputException>(fun () ->
        use _t = new Gan.Runtime.Training.Trainer(r.Ir, Gan.Runtime.TrainOptions(RunFolder = false, Batch = 6))
        ())
    Assert.Contains("batch 6", e.Message)
    Assert.Contains("minibatch_stddev(group: 4)", e.Message)
    Assert.Contains("--batch 4", e.Message)
    // A batch the group divides, or one smaller than the group, trains.
    for ok in [ 8; 3 ] do
        use t = new Gan.Runtime.Training.Trainer(r.Ir, Gan.Runtime.TrainOptions(RunFolder = false, Batch = ok))
        Assert.NotNull t
