/// KID and precision/recall/density/coverage against hand-computed small cases, brute-force oracles written with plain
/// loops (no tensors), and their closed forms on identical and on far-apart sets.
module Gan.Tests.Runtime.KidPrdcTests

open System
open Xunit
open TorchSharp
open Gan.Runtime.Metrics
open Gan.Tests

let private close = TestFiles.close

let private rows (a: float[][]) =
    torch.tensor(Array.concat a, dtype = torch.float64).reshape(int64 a.Length, int64 a[0].Length)

let private randomRows (seed: int) (n: int) (d: int) (shift: float) =
    let r = Random(seed)
    Array.init n (fun _ -> Array.init d (fun _ -> shift + (r.NextDouble() * 2.0 - 1.0)))

// ---- KID ----

/// The unbiased MMD² with the polynomial kernel, by loops.
let private mmd2Oracle (x: float[][]) (y: float[][]) =
    let d = float x[0].Length
    let k (a: float[]) (b: float[]) = (Array.fold2 (fun s u v -> s + u * v) 0.0 a b / d + 1.0) ** 3.0
    let m = float x.Length
    let off (s: float[][]) = seq { for i in 0 .. s.Length - 1 do for j in 0 .. s.Length - 1 do if i <> j then k s[i] s[j] } |> Seq.sum
    let cross = seq { for a in x do for b in y -> k a b } |> Seq.sum
    off x / (m * (m - 1.0)) + off y / (m * (m - 1.0)) - 2.0 * cross / (m * m)

[<Fact>]
let ``KID of two 1-D samples of three points equals the hand-computed unbiased MMD²`` () =
    // x = 0, 1, 2 and y = 1, 2, 3 in one dimension: k(a, b) = (ab + 1)³.
    // K_xx off-diagonal: k(0,1) = k(0,2) = 1, k(1,2) = 27, each twice: (1 + 1 + 27) · 2 / 6 = 58 / 6.
    // K_yy off-diagonal: k(1,2) = 27, k(1,3) = 64, k(2,3) = 343: (27 + 64 + 343) · 2 / 6 = 868 / 6.
    // K_xy: x = 0 gives 1, 1, 1; x = 1 gives 8, 27, 64; x = 2 gives 27, 125, 343: 597 / 9.
    let expected = 58.0 / 6.0 + 868.0 / 6.0 - 2.0 * 597.0 / 9.0
    use x = rows [| [| 0.0 |]; [| 1.0 |]; [| 2.0 |] |]
    use y = rows [| [| 1.0 |]; [| 2.0 |]; [| 3.0 |] |]
    close 1e-12 expected (Kid.UnbiasedMmd2(x, y))
    // With one subset of the whole sets, Compute is that same number, and it has no spread.
    let r = Kid.Compute(x, y, subsets = 1, subsetSize = 3)
    close 1e-12 expected r.Mean
    Assert.Equal(0.0, r.Std)

[<Fact>]
let ``KID's unbiased MMD² equals a loop-by-loop oracle on random 3-D sets`` () =
    for seed in 1 .. 5 do
        let x, y = randomRows seed 9 3 0.0, randomRows (seed + 100) 9 3 0.3
        use tx = rows x
        use ty = rows y
        close 1e-9 (mmd2Oracle x y) (Kid.UnbiasedMmd2(tx, ty))

[<Fact>]
let ``KID is near zero within its standard error for two samples of one distribution, and clearly positive for shifted ones`` () =
    use same1 = rows (randomRows 7 600 4 0.0)
    use same2 = rows (randomRows 8 600 4 0.0)
    use shifted = rows (randomRows 9 600 4 0.5)
    let r0 = Kid.Compute(same1, same2, subsets = 50, subsetSize = 200, seed = 3L)
    let r1 = Kid.Compute(shifted, same2, subsets = 50, subsetSize = 200, seed = 3L)
    Assert.True(abs r0.Mean < 4.0 * r0.StandardError + 1e-4, sprintf "same distribution: KID %g ± %g" r0.Mean r0.StandardError)
    Assert.True(r1.Mean > 10.0 * r1.StandardError, sprintf "shifted: KID %g ± %g" r1.Mean r1.StandardError)
    Assert.Equal(200, r1.SubsetSize)
    close 1e-12 (r1.Std / sqrt 50.0) r1.StandardError

// ---- PRDC ----

let private dist (a: float[]) (b: float[]) = sqrt (Array.fold2 (fun s u v -> s + (u - v) * (u - v)) 0.0 a b)

/// The four metrics by loops, with the reference code's strict inequalities and k-th neighbour excluding the point itself.
let private prdcOracle (real: float[][]) (fake: float[][]) (k: int) =
    let radius (set: float[][]) i = (set |> Array.mapi (fun j p -> if i = j then None else Some(dist set[i] p)) |> Array.choose id
                                    |> Array.sort)[k - 1]
    let rr = Array.init real.Length (radius real)
    let rf = Array.init fake.Length (radius fake)
    let m, n = float fake.Length, float real.Length
    let precision = (fake |> Array.filter (fun y -> real |> Array.mapi (fun i x -> dist x y < rr[i]) |> Array.exists id)).Length
    let recall = (real |> Array.filter (fun x -> fake |> Array.mapi (fun j y -> dist x y < rf[j]) |> Array.exists id)).Length
    let density = seq { for y in fake do for i in 0 .. real.Length - 1 do if dist real[i] y < rr[i] then 1.0 } |> Seq.sum
    let coverage = real |> Array.mapi (fun i x -> (fake |> Array.map (dist x) |> Array.min) < rr[i]) |> Array.filter id
    float precision / m, float recall / n, density / (float k * m), float coverage.Length / n

[<Fact>]
let ``PRDC on a hand-computed 1-D case with k = 1`` () =
    // Reals 0, 1, 2, 10: radii (nearest other real) 1, 1, 1, 8. Fakes 0.5, 1.5, 20: radii 1, 1, 18.5.
    // precision: 0.5 and 1.5 lie within 1 of a real; 20 is 10 from the real 10 (radius 8): 2/3.
    // recall: 0 (0.5 away from 0.5 < 1), 1, 2 (0.5 from 1.5) and 10 (10 from 20 < 18.5): 4/4.
    // density: 0.5 lies in the balls of 0 and 1, 1.5 in those of 1 and 2, 20 in none: 4 / (1 · 3).
    // coverage: nearest fakes 0.5, 0.5, 0.5 and 8.5 (1.5 for 10) away, against radii 1, 1, 1, 8: 3/4.
    use real = rows [| [| 0.0 |]; [| 1.0 |]; [| 2.0 |]; [| 10.0 |] |]
    use fake = rows [| [| 0.5 |]; [| 1.5 |]; [| 20.0 |] |]
    let r = Prdc.Compute(real, fake, k = 1)
    close 1e-12 (2.0 / 3.0) r.Precision
    close 1e-12 1.0 r.Recall
    close 1e-12 (4.0 / 3.0) r.Density
    close 1e-12 0.75 r.Coverage

[<Fact>]
let ``PRDC equals a loop-by-loop oracle on random sets larger than one chunk`` () =
    // 600 reals and 530 fakes: more rows than the 512-row chunk on both sides.
    let real, fake = randomRows 11 600 3 0.0, randomRows 12 530 3 0.2
    use tr = rows real
    use tf = rows fake
    let p, r, d, c = prdcOracle real fake 5
    let got = Prdc.Compute(tr, tf, k = 5)
    close 1e-12 p got.Precision
    close 1e-12 r got.Recall
    close 1e-12 d got.Density
    close 1e-12 c got.Coverage

[<Fact>]
let ``PRDC of a set against itself is one for all four, and zero against a far-away set`` () =
    // Identical sets with distinct distances: each ball holds exactly k points strictly inside it (its centre and the k − 1
    // neighbours nearer than the k-th), so the balls hold N·k points in all and density is N·k / (k·N) = 1.
    let real = randomRows 21 200 2 0.0
    use a = rows real
    use b = rows real
    let same = Prdc.Compute(a, b, k = 5)
    for v in [ same.Precision; same.Recall; same.Density; same.Coverage ] do close 1e-12 1.0 v
    use far = rows (randomRows 22 200 2 100.0)
    let apart = Prdc.Compute(a, far, k = 5)
    for v in [ apart.Precision; apart.Recall; apart.Density; apart.Coverage ] do close 0.0 0.0 v

// ---- Random features (the emoji's feature space) ----

/// Smooth random images in [0, 1]: 4×4 uniform noise upsampled to 32×32, so that neighbouring pixels agree as in pictures.
let private smoothImages (seed: int) (n: int) =
    let low = torch.rand([| int64 n; 3L; 4L; 4L |], generator = new torch.Generator(uint64 seed))
    torch.nn.functional.interpolate(low, [| 32L; 32L |], mode = torch.InterpolationMode.Bilinear, align_corners = false)

[<Fact>]
let ``Random features are the same on every call and do not move the global random stream`` () =
    use images = smoothImages 1 20
    torch.manual_seed 5L |> ignore
    use expected = torch.rand(3L)
    torch.manual_seed 5L |> ignore
    use f1 = RandomFeatures.Of(images)
    use f2 = RandomFeatures.Of(images)
    use after = torch.rand(3L)
    Assert.Equal<int64[]>([| 20L; 512L |], f1.shape)
    Assert.True(f1.eq(f2).all().item<bool>(), "two calls gave different features")
    Assert.True(expected.eq(after).all().item<bool>(), "the features drew from the global random stream")

[<Fact>]
let ``Random-feature FID of two halves of one set is far below that of a pixel-shuffled copy`` () =
    use a = smoothImages 2 300
    use b = smoothImages 3 300
    use positions = torch.randperm(1024L, generator = new torch.Generator(7UL))
    use shuffled = b.flatten(2).index_select(2L, positions).reshape(b.shape)
    use fa = RandomFeatures.Of(a)
    use fb = RandomFeatures.Of(b)
    use fs = RandomFeatures.Of(shuffled)
    let same, broken = Frechet.Fid(fb, fa), Frechet.Fid(fs, fa)
    Assert.True(broken > 3.0 * same, sprintf "halves %g, shuffled %g" same broken)
