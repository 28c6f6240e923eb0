module Gan.Tests.Runtime.MetricsTests

open Gan.Tests

open System
open Xunit
open TorchSharp
open Gan.Runtime.Metrics

let private close = TestFiles.close

[<Fact>]
let ``Frechet distance of diagonal Gaussians matches the closed form`` () =
    // d² = |μ1-μ2|² + Σ (√a_i − √b_i)² for diagonal covariances a, b.
    let mu1 = [| 0.0; 1.0; -2.0 |]
    let mu2 = [| 1.0; 1.0; 0.0 |]
    let a = [| 4.0; 1.0; 0.25 |]
    let b = [| 1.0; 9.0; 0.25 |]
    let diag (v: float[]) = Array2D.init 3 3 (fun i j -> if i = j then v.[i] else 0.0)
    let expected = 1.0 + 0.0 + 4.0 + (2.0 - 1.0) ** 2.0 + (1.0 - 3.0) ** 2.0 + 0.0
    close 1e-9 expected (Frechet.DistanceSquared(mu1, diag a, mu2, diag b))

[<Fact>]
let ``Frechet distance of a full covariance with itself is zero and it is symmetric`` () =
    let s1 = array2D [ [ 2.0; 0.7 ]; [ 0.7; 1.0 ] ]
    let s2 = array2D [ [ 1.0; -0.3 ]; [ -0.3; 0.5 ] ]
    close 1e-9 0.0 (Frechet.DistanceSquared([| 1.0; 2.0 |], s1, [| 1.0; 2.0 |], s1))
    close 1e-9 (Frechet.DistanceSquared([| 0.0; 0.0 |], s1, [| 1.0; 0.0 |], s2))
               (Frechet.DistanceSquared([| 1.0; 0.0 |], s2, [| 0.0; 0.0 |], s1))

[<Fact>]
let ``2-Wasserstein between a cloud and its shifted copy equals the shift`` () =
    use scope = torch.NewDisposeScope()
    torch.manual_seed 1L |> ignore
    let real = torch.randn(2000L, 2L, dtype = torch.float64)
    let fake = real + torch.tensor([| 3.0; 4.0 |], dtype = torch.float64)
    let r = Gaussian2dMetrics.Compare(real, fake)
    close 1e-6 5.0 r.Wasserstein2
    close 1e-6 5.0 r.MeanError
    close 1e-9 0.0 r.CovarianceError

[<Fact>]
let ``Inception score is K for confident, balanced predictions and 1 for a collapsed generator`` () =
    use scope = torch.NewDisposeScope()
    let balanced = torch.eye(10L).repeat(5L, 1L)           // 50×10, each class 5 times, fully confident
    close 1e-6 10.0 (ClassifierScores.InceptionScore balanced)
    let collapsed = torch.zeros(50L, 10L).index_fill_(1L, torch.tensor([| 3L |]), 1.0)
    close 1e-6 1.0 (ClassifierScores.InceptionScore collapsed)
    Assert.Equal(10, ClassifierScores.ClassCoverage balanced)
    Assert.Equal(1, ClassifierScores.ClassCoverage collapsed)
    close 1e-12 1.0 (ClassifierScores.ConfidentFraction balanced)
    close 1e-12 0.0 (ClassifierScores.ConfidentFraction(torch.full(4L, 10L, 0.1)))

[<Fact>]
let ``Class shares count top-1 predictions and coverage needs at least 5 percent of them`` () =
    use scope = torch.NewDisposeScope()
    // 100 samples: class 0 gets 50, class 1 gets 45, class 2 exactly 5 (covered), class 3 gets 0; class 4 is
    // second-best everywhere and must not count.
    let top = Array.concat [ Array.create 50 0L; Array.create 45 1L; Array.create 5 2L ]
    let probs = torch.nn.functional.one_hot(torch.tensor(top), 5L).to_type(torch.float32) * 0.6f
    probs.index_fill_(1L, torch.tensor([| 4L |]), 0.4) |> ignore
    let shares = ClassifierScores.ClassShares probs
    Assert.Equal<float[]>([| 0.5; 0.45; 0.05; 0.0; 0.0 |], shares |> Array.map (fun v -> System.Math.Round(v, 12)))
    Assert.Equal(3, ClassifierScores.ClassCoverage probs)
    Assert.Equal(2, ClassifierScores.ClassCoverage(probs, 0.06))

[<Fact>]
let ``The matched conditional accuracy finds the best one-to-one code-to-class map`` () =
    use scope = TorchSharp.torch.NewDisposeScope()
    // Codes 0,1,2 came out as classes 2,0,1 (always), except one sample of code 0 judged class 0.
    let asked = TorchSharp.torch.tensor([| 0L; 0L; 0L; 1L; 1L; 2L; 2L; 2L |])
    let judged = [| 2; 2; 0; 0; 0; 1; 1; 1 |]
    let probs =
        TorchSharp.torch.nn.functional.one_hot(TorchSharp.torch.tensor(judged |> Array.map int64), 3L)
            .to_type(TorchSharp.torch.float32)
    Assert.Equal(1.0 / 8.0, Gan.Runtime.Metrics.ClassifierScores.Accuracy(probs, asked), 9)
    Assert.Equal(7.0 / 8.0, Gan.Runtime.Metrics.ClassifierScores.MatchedAccuracy(probs, asked, 3), 9)

/// A judge's training shifts (1,600 images, each one bright pixel at the centre, so its position shows where the image
/// went): each group of 16 images moves by one offset, never more than the shift in either direction, and over the 100
/// groups every offset from -shift to +shift occurs in both directions.
[<Fact>]
let ``A judge's training shifts move each group of 16 images by one offset within the shift, and reach every offset`` () =
    let n, side = 1600, 28
    let pixels = Array.zeroCreate<float32> (n * side * side)
    for i in 0 .. n - 1 do pixels.[i * side * side + 14 * side + 14] <- 1.0f
    use x = torch.tensor(pixels).reshape(int64 n, 1L, int64 side, int64 side)
    for shift in [ 0; 1; 2 ] do
        use gen = new torch.Generator(7UL)
        use y = JudgeNetwork.Augment(x, shift, false, gen)
        use at = y.reshape(int64 n, -1L).argmax(1L)
        let offsets = [ for p in at.data<int64>().ToArray() -> int p / side - 14, int p % side - 14 ]
        for g in 0 .. n / 16 - 1 do
            Assert.Single(offsets.[g * 16 .. g * 16 + 15] |> List.distinct) |> ignore
        let all = [ -shift .. shift ]
        Assert.Equal<int list>(all, offsets |> List.map fst |> List.distinct |> List.sort)
        Assert.Equal<int list>(all, offsets |> List.map snd |> List.distinct |> List.sort)

/// The judges' architectures: judge-v3 (MNIST) keeps the parameter names its cached files were saved with; judge-v4 has a
/// third stage, and judge-v5 (Fashion-MNIST) is judge-v4's network trained without shifts; all give 128 features and
/// 10 logits for N×1×28×28.
[<Fact>]
let ``Each judge architecture has its own version, and judge-v3 keeps its saved names`` () =
    let open' arch = new Gan.Runtime.Metrics.JudgeNetwork(arch)
    use v3 = open' Gan.Runtime.Metrics.JudgeArchitecture.V3
    use v4 = open' Gan.Runtime.Metrics.JudgeArchitecture.V4
    use v5 = open' Gan.Runtime.Metrics.JudgeArchitecture.V5
    let names (m: Gan.Runtime.Metrics.JudgeNetwork) = [ for kv in m.state_dict() -> kv.Key ]
    for n in [ "conv1.weight"; "conv1.bias"; "bn1.running_mean"; "conv2.weight"; "bn2.weight"; "fc.weight" ] do
        Assert.Contains("features." + n, names v3)
    let convsAndNorms m =
        names m |> List.map (fun n -> n.Split('.').[1]) |> List.filter (fun n -> n.StartsWith "conv" || n.StartsWith "bn")
        |> List.distinct
    Assert.Equal<string list>([ "conv1"; "bn1"; "conv2"; "bn2" ], convsAndNorms v3)
    Assert.Equal<string list>([ "conv1"; "bn1"; "conv2"; "bn2"; "conv3"; "bn3" ], convsAndNorms v4)
    Assert.Contains("features.fc.weight", names v3)
    Assert.Contains("features.conv3.weight", names v4)
    Assert.DoesNotContain("features.conv3.weight", names v3)
    Assert.Equal(Gan.Runtime.Metrics.JudgeSet.Mnist.Version, "judge-v3")
    Assert.Equal<string list>(names v4, names v5)
    Assert.Equal(Gan.Runtime.Metrics.JudgeSet.FashionMnist.Version, "judge-v5")
    Assert.Equal<int list>([ 2; 2; 0 ], [ for a in [ JudgeArchitecture.V3; JudgeArchitecture.V4; JudgeArchitecture.V5 ] -> a.Shift ])
    use x = TorchSharp.torch.rand(3L, 1L, 28L, 28L)
    for j in [ v3; v4; v5 ] do
        j.eval()
        let struct (p, f) = j.Judge x
        use p = p
        use f = f
        Assert.Equal<int64 array>([| 3L; 10L |], p.shape)
        Assert.Equal<int64 array>([| 3L; 128L |], f.shape)

/// judge-v5 judges an image and its mirror image alike (the mean of both features), so its features and class
/// probabilities are the same for both; judge-v4, the same network without it, tells them apart.
[<Fact>]
let ``Judge-v5 gives an image and its mirror image the same features and probabilities, and judge-v4 does not`` () =
    use gen = new TorchSharp.torch.Generator(3UL)
    use x = TorchSharp.torch.rand(4L, 1L, 28L, 28L, generator = gen)
    use mirrored = x.flip(3L)
    let gap arch =
        use j = new JudgeNetwork(arch)
        let struct (p, f) = j.Judge x
        let struct (pm, fm) = j.Judge mirrored
        use d = (f - fm).abs().max()
        use dp = (p - pm).abs().max()
        let r = d.item<float32>(), dp.item<float32>()
        for t in [ p; f; pm; fm ] do t.Dispose()
        r
    let f5, p5 = gap JudgeArchitecture.V5
    Assert.True(f5 < 1e-6f && p5 < 1e-6f, sprintf "judge-v5: features differ by %g, probabilities by %g" f5 p5)
    let f4, p4 = gap JudgeArchitecture.V4
    Assert.True(f4 > 1e-3f, sprintf "judge-v4: features differ by only %g" f4)
