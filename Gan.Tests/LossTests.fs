module Gan.Tests.LossTests

open System
open Xunit
open TorchSharp
open Gan.Runtime.Training

let private t (xs: float[]) = torch.tensor(xs, dtype = torch.float64).reshape(int64 xs.Length, 1L)
let private v (x: torch.Tensor) = x.item<float>()
let private close tol (e: float) (a: float) = Assert.True(abs (e - a) <= tol, sprintf "expected %.12g, got %.12g" e a)
let private sigmoid x = 1.0 / (1.0 + exp (-x))

[<Fact>]
let ``Each loss matches its formula computed by hand on small tensors`` () =
    use scope = torch.NewDisposeScope()
    let real = [| 0.5; -1.0; 2.0 |]
    let fake = [| -0.25; 1.5; 0.0 |]
    let mean (xs: float[]) = Array.average xs
    close 1e-12 (mean fake - mean real) (v (Losses.WassersteinD(t real, t fake)))
    close 1e-12 (-(mean fake)) (v (Losses.WassersteinG(t fake)))
    close 1e-12 (mean (real |> Array.map (fun r -> max 0.0 (1.0 - r))) + mean (fake |> Array.map (fun f -> max 0.0 (1.0 + f)))) (v (Losses.HingeD(t real, t fake)))
    close 1e-12 (0.5 * mean (real |> Array.map (fun r -> (r - 1.0) ** 2.0)) + 0.5 * mean (fake |> Array.map (fun f -> f * f))) (v (Losses.LeastSquaresD(t real, t fake)))
    close 1e-12 (0.5 * mean (fake |> Array.map (fun f -> (f - 1.0) ** 2.0))) (v (Losses.LeastSquaresG(t fake)))
    let bce (x: float) (target: float) = -(target * log (sigmoid x) + (1.0 - target) * log (1.0 - sigmoid x))
    close 1e-12 (mean (real |> Array.map (fun x -> bce x 1.0))) (v (Losses.BceLogits(t real, torch.tensor(1.0, dtype = torch.float64))))
    let probs = [| 0.9; 0.2; 0.5 |]
    close 1e-12 (mean (probs |> Array.map (fun p -> -log p))) (v (Losses.Bce(t probs, torch.tensor(1.0, dtype = torch.float64))))
    let mf, mr = mean fake, mean real
    let ragan = 0.5 * (mean (real |> Array.map (fun r -> bce (r - mf) 1.0)) + mean (fake |> Array.map (fun f -> bce (f - mr) 0.0)))
    close 1e-12 ragan (v (Losses.RelativisticD(t real, t fake)))

[<Fact>]
let ``The Wasserstein critic loss is antisymmetric when real and fake swap, and the non-saturating G loss falls as D(G(z)) rises`` () =
    use scope = torch.NewDisposeScope()
    let a, b = t [| 0.3; -2.0 |], t [| 1.0; 0.7 |]
    close 1e-12 (-(v (Losses.WassersteinD(a, b)))) (v (Losses.WassersteinD(b, a)))
    let one = torch.tensor(1.0, dtype = torch.float64)
    let gLoss logit = v (Losses.BceLogits(t [| logit |], one))
    let values = [ -3.0; -1.0; 0.0; 1.0; 3.0 ] |> List.map gLoss
    Assert.True(values |> List.pairwise |> List.forall (fun (x, y) -> y < x), sprintf "%A" values)

/// Central finite differences in float64 (DiffSharp is not available): the gradient oracle.
let private finiteDifference (f: torch.Tensor -> float) (x: torch.Tensor) (h: float) =
    let flat = x.clone().flatten()
    Array.init (int flat.shape.[0]) (fun i ->
        let plus = flat.clone()
        plus.[int64 i] <- plus.[int64 i] + h
        let minus = flat.clone()
        minus.[int64 i] <- minus.[int64 i] - h
        (f (plus.reshape x.shape) - f (minus.reshape x.shape)) / (2.0 * h))

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
        Losses.GradientPenalty((fun x -> critic w x), real, fake, 1.0, 10.0, gen)
    let w = w1.clone().requires_grad_(true)
    (penalty w).backward()
    let autograd = w.grad.flatten().data<float>().ToArray()
    let numeric = finiteDifference (fun wv -> (penalty wv).item<float>()) w1 1e-6
    for i in 0 .. autograd.Length - 1 do
        close 1e-6 numeric.[i] autograd.[i]
