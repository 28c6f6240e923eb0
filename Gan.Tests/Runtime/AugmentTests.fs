module Gan.Tests.Runtime.AugmentTests

open Gan.Tests

open System
open Xunit
open TorchSharp
open Gan.Dsl
open Gan.Dsl.Ir
open Gan.Runtime.Losses
open Gan.Runtime.Model
open Gan.Runtime.Training

let private f64 (xs: float[]) (shape: int64[]) = torch.tensor(xs, dtype = torch.float64).reshape(shape)
let private values (t: torch.Tensor) = t.contiguous().data<float>().ToArray()
let private ints (xs: int64[]) = torch.tensor(xs).reshape(int64 xs.Length, 1L, 1L)

/// x[n, c, i, j] = 100n + 10c + ... : every element distinct, N×C×H×W.
let private grid n c h w =
    f64 (Array.init (n * c * h * w) (fun k -> float k * 0.37 - 3.0)) [| int64 n; int64 c; int64 h; int64 w |]

let private at (x: float[]) (c: int) (h: int) (w: int) n ch i j = x.[((n * c + ch) * h + i) * w + j]

let private near (expected: float[]) (actual: float[]) =
    Assert.Equal(expected.Length, actual.Length)
    for k in 0 .. expected.Length - 1 do
        Assert.True(abs (expected.[k] - actual.[k]) < 1e-12, sprintf "element %d: expected %.15g, got %.15g" k expected.[k] actual.[k])

[<Fact>]
let ``DiffAugment's sizes round as int(side·ratio + 0.5), and cr.py's reflect shift floors`` () =
    Assert.Equal(4L, DiffAugment.RoundedSize(32L, 0.125))     // translation at 32: 4
    Assert.Equal(16L, DiffAugment.RoundedSize(32L, 0.5))      // cutout at 32: 16
    Assert.Equal(4L, DiffAugment.RoundedSize(28L, 0.125))     // 3.5 + 0.5
    Assert.Equal(14L, DiffAugment.RoundedSize(28L, 0.5))
    Assert.Equal(3L, DiffAugment.RoundedSize(5L, 0.5))        // 2.5 + 0.5
    Assert.Equal(4L, DiffAugment.FlooredSize(32L, 0.125))
    Assert.Equal(3L, DiffAugment.FlooredSize(28L, 0.125))

[<Fact>]
let ``color's brightness, saturation and contrast match their formulas computed by hand for fixed draws`` () =
    use scope = torch.NewDisposeScope()
    let n, c, h, w = 2, 3, 2, 2
    let x = grid n c h w
    let xs = values x
    let u = [| 0.1; 0.8 |]
    let ut = f64 u [| 2L; 1L; 1L; 1L |]
    let idx = [ for s in 0 .. n - 1 do for ch in 0 .. c - 1 do for i in 0 .. h - 1 do for j in 0 .. w - 1 -> s, ch, i, j ]
    let v = at xs c h w
    near [| for s, ch, i, j in idx -> v s ch i j + (u.[s] - 0.5) |] (values (DiffAugment.Brightness(x, ut)))
    let chanMean s i j = List.average [ for ch in 0 .. c - 1 -> v s ch i j ]
    near [| for s, ch, i, j in idx -> (v s ch i j - chanMean s i j) * (2.0 * u.[s]) + chanMean s i j |]
         (values (DiffAugment.Saturation(x, ut)))
    let mean s = List.average [ for ch in 0 .. c - 1 do for i in 0 .. h - 1 do for j in 0 .. w - 1 -> v s ch i j ]
    near [| for s, ch, i, j in idx -> (v s ch i j - mean s) * (u.[s] + 0.5) + mean s |] (values (DiffAugment.Contrast(x, ut)))

[<Fact>]
let ``translation shifts each sample by its draw with zero fill, cutout zeroes the clamped square, as DiffAugment indexes`` () =
    use scope = torch.NewDisposeScope()
    let n, c, h, w = 3, 2, 5, 4
    let x = grid n c h w
    let xs = values x
    let v = at xs c h w
    let tx, ty = [| 1L; -2L; 0L |], [| -1L; 3L; 0L |]
    let shifted = values (DiffAugment.Translation(x, ints tx, ints ty))
    let expected =
        [| for s in 0 .. n - 1 do
             for ch in 0 .. c - 1 do
               for i in 0 .. h - 1 do
                 for j in 0 .. w - 1 ->
                   let r, q = i + int tx.[s], j + int ty.[s]
                   if r >= 0 && r < h && q >= 0 && q < w then v s ch r q else 0.0 |]
    near expected shifted
    // Cutout at ratio 0.5 on 5×4: a 3×2 square (int(2.5 + 0.5), int(2 + 0.5)); rows clamp(ox − 1 + k, 0, 4), columns
    // clamp(oy − 1 + k, 0, 3): offsets at the edges give a clipped square.
    let ox, oy = [| 0L; 5L; 2L |], [| 4L; 0L; 1L |]
    let cut = values (DiffAugment.Cutout(x, 0.5, ints ox, ints oy))
    let zeroed s i j =
        let rows = [ for k in 0 .. 2 -> min (h - 1) (max 0 (int ox.[s] - 1 + k)) ]
        let cols = [ for k in 0 .. 1 -> min (w - 1) (max 0 (int oy.[s] - 1 + k)) ]
        List.contains i rows && List.contains j cols
    near [| for s in 0 .. n - 1 do
              for ch in 0 .. c - 1 do
                for i in 0 .. h - 1 do
                  for j in 0 .. w - 1 -> if zeroed s i j then 0.0 else v s ch i j |] cut
    // Zeroed per channel: rows {0, 1} × column {3}; row {4} × column {0}; rows {1, 2, 3} × columns {0, 1}.
    Assert.Equal((2 * 1 + 1 * 1 + 3 * 2) * c, cut |> Array.filter (fun a -> a = 0.0) |> Array.length)

[<Fact>]
let ``flip mirrors exactly the samples whose draw is below one half, translation_reflect shifts with the image mirrored in`` () =
    use scope = torch.NewDisposeScope()
    let n, c, h, w = 2, 2, 4, 4
    let x = grid n c h w
    let xs = values x
    let v = at xs c h w
    let flipped = values (DiffAugment.Flip(x, torch.tensor([| 0.2; 0.7 |], dtype = torch.float64)))
    near [| for s in 0 .. n - 1 do
              for ch in 0 .. c - 1 do
                for i in 0 .. h - 1 do
                  for j in 0 .. w - 1 -> if s = 0 then v s ch i (w - 1 - j) else v s ch i j |] flipped
    // ratio 0.25 on 4×4: shifts within ±1, reflect padding (PyTorch's: the border pixel is not repeated).
    let reflect k size = if k < 0 then -k elif k >= size then 2 * (size - 1) - k else k
    let tx, ty = [| 1L; -1L |], [| -1L; 0L |]
    let moved = values (DiffAugment.TranslationReflect(x, 0.25, ints tx, ints ty))
    near [| for s in 0 .. n - 1 do
              for ch in 0 .. c - 1 do
                for i in 0 .. h - 1 do
                  for j in 0 .. w - 1 -> v s ch (reflect (i + int tx.[s]) h) (reflect (j + int ty.[s]) w) |] moved

/// Every policy's function of x for fixed draws, in float64.
let private fixedDraws : (string * (torch.Tensor -> torch.Tensor)) list =
    let u () = torch.tensor([| 0.3; 0.9 |], dtype = torch.float64).reshape(2L, 1L, 1L, 1L)
    [ "brightness", (fun x -> DiffAugment.Brightness(x, u ()))
      "saturation", (fun x -> DiffAugment.Saturation(x, u ()))
      "contrast", (fun x -> DiffAugment.Contrast(x, u ()))
      "translation", (fun x -> DiffAugment.Translation(x, ints [| 1L; -2L |], ints [| 0L; 1L |]))
      "cutout", (fun x -> DiffAugment.Cutout(x, 0.5, ints [| 1L; 4L |], ints [| 2L; 0L |]))
      "flip", (fun x -> DiffAugment.Flip(x, torch.tensor([| 0.1; 0.6 |], dtype = torch.float64)))
      "translation_reflect", (fun x -> DiffAugment.TranslationReflect(x, 0.25, ints [| -1L; 1L |], ints [| 1L; 0L |])) ]

[<Fact>]
let ``every policy's gradient for fixed draws matches central finite differences in float64`` () =
    for name, f in fixedDraws do
        use scope = torch.NewDisposeScope()
        let x = (torch.randn([| 2L; 3L; 4L; 4L |], dtype = torch.float64, generator = new torch.Generator(7UL))).requires_grad_(true)
        let weights = torch.randn([| 2L; 3L; 4L; 4L |], dtype = torch.float64, generator = new torch.Generator(8UL))
        let loss () = (f x * weights).sum()
        let autograd = torch.autograd.grad([| loss () |], [| x |]).[0]
        Assert.Equal<int64[]>(x.shape, (f x).shape)
        let numeric = FiniteDifferences.finiteDifferences (fun () -> (use _ = torch.no_grad() in loss().item<float>())) x
        FiniteDifferences.compareGradients name (values autograd) numeric

let private policies =
    [ AugmentPolicyIr(AugmentKind.Color, 0.0); AugmentPolicyIr(AugmentKind.Translation, 0.125)
      AugmentPolicyIr(AugmentKind.Cutout, 0.5); AugmentPolicyIr(AugmentKind.Flip, 0.0)
      AugmentPolicyIr(AugmentKind.TranslationReflect, 0.125) ]

[<Fact>]
let ``augmentation keeps the shape, draws per sample, differs between draws, and a seed reproduces it`` () =
    use scope = torch.NewDisposeScope()
    let x = torch.randn([| 8L; 3L; 32L; 32L |], generator = new torch.Generator(3UL))
    use gen = new torch.Generator(11UL)
    let a = DiffAugment.Apply(x, policies, gen)
    let b = DiffAugment.Apply(x, policies, gen)
    Assert.Equal<int64[]>(x.shape, a.shape)
    Assert.False(a.allclose(b), "two draws from one generator gave the same augmentation")
    use again = new torch.Generator(11UL)
    Assert.True(a.allclose(DiffAugment.Apply(x, policies, again), 0.0, 0.0), "the same seed did not reproduce the augmentation")
    // Per sample: the same image eight times comes out eight different ways.
    let same = x.narrow(0L, 0L, 1L).expand(8L, -1L, -1L, -1L).contiguous()
    let out = DiffAugment.Apply(same, [ AugmentPolicyIr(AugmentKind.Color, 0.0) ], gen)
    let distinct = [ for i in 0L .. 7L -> out.[i].sum().item<float32>() ] |> List.distinct
    Assert.Equal(8, distinct.Length)

let private spec =
    String.concat "\n" [
        "gan t \"augment\""
        "data mnist(split: train, scale: [-1, 1], size: 32, resize: pad)"
        "latent z = normal(16)"
        "network G(z: [16]) {"
        "  linear(1024)"
        "  tanh"
        "  reshape(1, 32, 32)"
        "}"
        "network D(x: [1, 32, 32]) {"
        "  flatten"
        "  linear(1)"
        "}"
        "loss cr = 10 * mse(D(real), D(augment(real, flip, translation_reflect)))"
        "loss d_loss = hinge_d(D(real), D(detach(G(z)))) + cr + r1(D, real: real, gamma: 1)"
        "      + gradient_penalty(D, real: real, fake: detach(G(z)), weight: 1)"
        "loss g_loss = hinge_g(D(G(z)))"
        "optimizer opt_d = adam(D, lr: 2e-4) minimize d_loss"
        "optimizer opt_g = adam(G, lr: 2e-4) minimize g_loss"
        "schedule {"
        "  batch: 8"
        "  steps: 2"
        "  order: [opt_d, opt_g]"
        "  SCHEDULE"
        "}" ]

let private lower (schedule: string) =
    let r = Compilation.Compile("augment.gan", spec.Replace("SCHEDULE", schedule))
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n")
    r.Ir

[<Fact>]
let ``the schedule's augment wraps every input of every application of D, in D's and G's losses, and no penalty's`` () =
    let ir = lower "augment: [D, color, translation(ratio: 0.25), cutout]"
    let shorthand = [ AugmentPolicyIr(AugmentKind.Color, 0.0); AugmentPolicyIr(AugmentKind.Translation, 0.25)
                      AugmentPolicyIr(AugmentKind.Cutout, 0.5) ]
    let nodes = ir.Losses |> Seq.collect (fun l -> LossExpr.PreOrder l.Expr) |> List.ofSeq
    let ofD = nodes |> List.choose (function :? ApplyIr as a when a.Network = "D" -> Some a | _ -> None)
    Assert.Equal(5, ofD.Length)      // cr: 2, d_loss: 2 (cr is a reference), g_loss: 1
    for a in ofD do
        match a.Args |> List.ofSeq with
        | [ :? AugmentIr as g ] -> Assert.Equal<AugmentPolicyIr list>(shorthand, List.ofSeq g.Policies)
        | args -> failwithf "D applied to %A without the schedule's augmentation" args
    // The explicit CR augmentation stays inside the schedule's: D(augment(augment(real, flip, translation_reflect), ...)).
    Assert.Contains(ofD, fun a ->
        match a.Args.[0] with
        | :? AugmentIr as outer -> (match outer.Operand with :? AugmentIr as inner -> inner.Policies.Length = 2 | _ -> false)
        | _ -> false)
    // Penalties keep their inputs as written; G is not augmented.
    let r1 = nodes |> List.pick (function :? R1Ir as r -> Some r | _ -> None)
    Assert.IsType<RealIr>(r1.Real) |> ignore
    let gp = nodes |> List.pick (function :? GradientPenaltyIr as g -> Some g | _ -> None)
    Assert.IsType<RealIr>(gp.Real) |> ignore
    Assert.IsType<DetachIr>(gp.Fake) |> ignore
    for a in nodes |> List.choose (function :? ApplyIr as a when a.Network = "G" -> Some a | _ -> None) do
        Assert.IsType<LatentRefIr>(a.Args.[0]) |> ignore
    // The log columns and the real-data critic still see D on real and on generated data.
    Assert.Contains(ofD, fun a -> a.Log = LogColumn.DReal)
    Assert.Contains(ofD, fun a -> a.Log = LogColumn.DFake)
    Assert.NotNull(ir.RealCritic)
    // Without the shorthand only the explicit augmentation is there.
    let plain = lower ""
    let augments = plain.Losses |> Seq.collect (fun l -> LossExpr.PreOrder l.Expr) |> Seq.filter (fun e -> e :? AugmentIr)
    Assert.Equal(1, Seq.length augments)

[<Fact>]
let ``in training steps an augmentation draws afresh each step, once per step for equal expressions, and a seed reproduces it`` () =
    use scope = torch.NewDisposeScope()
    let ir = lower "augment: [D, color, translation, cutout]"
    let nets = System.Collections.Generic.Dictionary<string, NetworkModule>()
    torch.manual_seed 5L |> ignore
    for n in ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    let real = torch.rand(8L, 1L, 32L, 32L) * 2.0f - 1.0f
    let node =
        ir.Losses |> Seq.collect (fun l -> LossExpr.PreOrder l.Expr)
        |> Seq.pick (function :? AugmentIr as g when (g.Operand :? RealIr) -> Some g | _ -> None)
    use gen = new torch.Generator(9UL)
    let step1 = StepContext(ir, nets, real, null, gen)
    let a = step1.Evaluate node
    Assert.Same(a, step1.Evaluate(AugmentIr(RealIr(), node.Policies)))    // structurally equal: one draw in a step
    let step2 = StepContext(ir, nets, real, null, gen)
    Assert.False(a.allclose(step2.Evaluate node), "two steps drew the same augmentation")
    use again = new torch.Generator(9UL)
    let replayed = StepContext(ir, nets, real, null, again).Evaluate node
    Assert.True(a.allclose(replayed, 0.0, 0.0), "the same seed did not reproduce the step's augmentation")
    // The D loss runs forward and backward through the augmentation.
    let loss = StepContext(ir, nets, real, null, gen).Evaluate(ir.Loss("d_loss").Expr)
    loss.backward()
    Assert.True(Double.IsFinite(loss.item<float32>() |> float))
