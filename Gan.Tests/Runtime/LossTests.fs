module Gan.Tests.Runtime.LossTests

open Gan.Tests

open System
open Xunit
open TorchSharp
open Gan.Runtime.Losses
open FsCheck
open FsCheck.FSharp

let private t (xs: float[]) = torch.tensor(xs, dtype = torch.float64).reshape(int64 xs.Length, 1L)
let private v (x: torch.Tensor) = x.item<float>()
let private close tol (e: float) (a: float) = Assert.True(abs (e - a) <= tol, sprintf "expected %.12g, got %.12g" e a)
let private sigmoid x = 1.0 / (1.0 + exp (-x))

[<Fact>]
let ``Each loss matches its formula computed by hand on small random tensors`` () =
    let prop (real: float[], fake: float[], probs: int[]) =
        use scope = torch.NewDisposeScope()
        let mean (xs: float[]) = Array.average xs
        let bce (x: float) (target: float) = -(target * log (sigmoid x) + (1.0 - target) * log (1.0 - sigmoid x))
        let tol = 1e-9
        close tol (mean fake - mean real) (v (LossFunctions.WassersteinD(t real, t fake)))
        close tol (-(mean fake)) (v (LossFunctions.WassersteinG(t fake)))
        close tol (mean (real |> Array.map (fun r -> max 0.0 (1.0 - r))) + mean (fake |> Array.map (fun f -> max 0.0 (1.0 + f))))
            (v (LossFunctions.HingeD(t real, t fake)))
        close tol (-(mean fake)) (v (LossFunctions.HingeG(t fake)))
        close tol (0.5 * mean (real |> Array.map (fun r -> (r - 1.0) ** 2.0)) + 0.5 * mean (fake |> Array.map (fun f -> f * f)))
            (v (LossFunctions.LeastSquaresD(t real, t fake)))
        close tol (0.5 * mean (fake |> Array.map (fun f -> (f - 1.0) ** 2.0))) (v (LossFunctions.LeastSquaresG(t fake)))
        close tol (mean (real |> Array.map (fun x -> bce x 1.0)))
            (v (LossFunctions.BceLogits(t real, torch.tensor(1.0, dtype = torch.float64))))
        close tol (mean (fake |> Array.map (fun x -> bce x 0.0)))
            (v (LossFunctions.BceLogits(t fake, torch.tensor(0.0, dtype = torch.float64))))
        let p = probs |> Array.map (fun i -> float i / 1000.0)
        close tol (mean (p |> Array.map (fun p -> -log p))) (v (LossFunctions.Bce(t p, torch.tensor(1.0, dtype = torch.float64))))
        let mf, mr = mean fake, mean real
        let raganD = 0.5 * (mean (real |> Array.map (fun r -> bce (r - mf) 1.0)) + mean (fake |> Array.map (fun f -> bce (f - mr) 0.0)))
        close tol raganD (v (LossFunctions.RelativisticD(t real, t fake)))
        let raganG = 0.5 * (mean (fake |> Array.map (fun f -> bce (f - mr) 1.0)) + mean (real |> Array.map (fun r -> bce (r - mf) 0.0)))
        close tol raganG (v (LossFunctions.RelativisticG(t real, t fake)))
        // cross_entropy: the real batch as the logits of one sample over classes, labelled with class 0.
        let lse = log (real |> Array.sumBy exp)
        close tol (lse - real.[0])
            (v (LossFunctions.CrossEntropy(torch.tensor(real, dtype = torch.float64).reshape(1L, -1L), torch.tensor([| 0L |]))))
        close tol (mean (Array.map2 (fun a b -> (a - b) ** 2.0) real fake)) (v (LossFunctions.Mse(t real, t fake)))
        close tol (mean (Array.map2 (fun a b -> abs (a - b)) real fake)) (v (LossFunctions.L1(t real, t fake)))
        true
    let g = gen {
        let! real, fake = Generators.scorePairs 5.0
        let! probs = Gen.arrayOfLength real.Length (Gen.choose (1, 999))
        return real, fake, probs }
    Check.One(Generators.config, Prop.forAll (Arb.fromGen g) prop)

[<Fact>]
let ``Each loss has its sign and monotonic properties: Wasserstein antisymmetric, D losses fall as real scores rise and fake scores fall, G losses fall as D(G(z)) rises`` () =
    let prop (real: float[], fake: float[], delta: int) =
        use scope = torch.NewDisposeScope()
        let d = float delta / 100.0                       // > 0
        let up (xs: float[]) = xs |> Array.map ((+) d)
        let one, zero = torch.tensor(1.0, dtype = torch.float64), torch.tensor(0.0, dtype = torch.float64)
        close 1e-12 (-(v (LossFunctions.WassersteinD(t real, t fake)))) (v (LossFunctions.WassersteinD(t fake, t real)))
        let dLosses : (string * (float[] -> float[] -> float)) list =
            [ "bce", (fun r f -> v (LossFunctions.BceLogits(t r, one)) + v (LossFunctions.BceLogits(t f, zero)))
              "wasserstein", (fun r f -> v (LossFunctions.WassersteinD(t r, t f)))
              // LSGAN's squares fall only on their own side of the target: real scores in [−1, 0], fake in [1, 2].
              "lsgan", (fun r f ->
                v (LossFunctions.LeastSquaresD(t (Array.map (fun x -> x / 8.0 - 0.5) r), t (Array.map (fun x -> x / 8.0 + 1.5) f))))
              "ragan", (fun r f -> v (LossFunctions.RelativisticD(t r, t f))) ]
        for name, loss in dLosses do
            let l0 = loss real fake
            if not (loss (up real) fake < l0) then failwithf "D loss %s did not fall when real scores rose" name
            if not (loss real (fake |> Array.map (fun x -> x - d)) < l0) then failwithf "D loss %s did not fall when fake scores fell" name
        let hinge r f = v (LossFunctions.HingeD(t r, t f))
        if hinge real fake < 0.0 then failwith "hinge D loss negative"
        if hinge (up real) fake > hinge real fake then failwith "hinge D loss rose when real scores rose"
        let gLosses : (string * (float[] -> float)) list =
            [ "non-saturating", (fun f -> v (LossFunctions.BceLogits(t f, one)))
              "wasserstein", (fun f -> v (LossFunctions.WassersteinG(t f)))
              "hinge", (fun f -> v (LossFunctions.HingeG(t f)))
              "lsgan", (fun f -> v (LossFunctions.LeastSquaresG(t (Array.map (fun x -> x / 8.0 - 0.5) f))))
              "ragan", (fun f -> v (LossFunctions.RelativisticG(t real, t f))) ]
        for name, loss in gLosses do
            if not (loss (up fake) < loss fake) then failwithf "G loss %s did not fall as D(G(z)) rose" name
        true
    let g = gen {
        let! real, fake = Generators.scorePairs 4.0
        let! delta = Gen.choose (1, 100)
        return real, fake, delta }
    Check.One(Generators.config, Prop.forAll (Arb.fromGen g) prop)

[<Fact>]
let ``The gradient penalty's gradient (a double backward) equals central finite differences in float64`` () =
    use scope = torch.NewDisposeScope()
    torch.manual_seed 3L |> ignore
    let w1 = torch.randn([| 3L; 2L |], dtype = torch.float64)
    let real = torch.randn([| 4L; 2L |], dtype = torch.float64)
    let fake = torch.randn([| 4L; 2L |], dtype = torch.float64)
    // A small critic with a nonlinearity, so the penalty depends on the weights non-trivially.
    let critic (w: torch.Tensor) (x: torch.Tensor) = x.matmul(w.t()).tanh().sum(1L, keepdim = true)
    let penalty (w: torch.Tensor) =
        use gen = new torch.Generator(7UL)
        LossFunctions.GradientPenalty((fun x -> critic w x), real, fake, 1.0, 10.0, gen)
    let w = w1.clone().requires_grad_(true)
    (penalty w).backward()
    let autograd = w.grad.flatten().data<float>().ToArray()
    let numeric = FiniteDifferences.finiteDifferences (fun () -> (penalty w1).item<float>()) w1
    for i in 0 .. autograd.Length - 1 do
        close 1e-6 numeric.[i] autograd.[i]

[<Fact>]
let ``A critic whose output ignores its input gets a zero input gradient in the gradient penalty and R1, not an aborted process`` () =
    use scope = torch.NewDisposeScope()
    let real = torch.randn(4L, 3L, dtype = torch.float64)
    let fake = torch.randn(4L, 3L, dtype = torch.float64)
    let w = torch.ones(1L, dtype = torch.float64).requires_grad_(true)
    // Depends on a parameter only: libtorch's autograd.grad would raise "not used in the graph" without allow_unused.
    let onParameter = Func<torch.Tensor, torch.Tensor>(fun x -> (w * 2.0).expand(x.shape.[0], 1L))
    // No graph at all: "does not require grad".
    let constant = Func<torch.Tensor, torch.Tensor>(fun x -> torch.zeros(x.shape.[0], 1L, dtype = torch.float64))
    for critic in [ onParameter; constant ] do
        close 1e-12 0.0 (v (LossFunctions.R1(critic, real, 10.0)))
        // ‖0‖ is sqrt(1e-12) = 1e-6: the penalty is weight · (1e-6 − 1)².
        close 1e-9 (10.0 * (1e-6 - 1.0) ** 2.0) (v (LossFunctions.GradientPenalty(critic, real, fake, 1.0, 10.0, null)))
