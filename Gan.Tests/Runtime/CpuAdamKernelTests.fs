/// The one-pass CPU Adam (Training/Flat/CpuAdamKernel): bit for bit TorchSharp's Adam on buffers large enough to be split
/// across OpenMP threads, in blocks with a short last one, with and without weight decay.
module Gan.Tests.Runtime.CpuAdamKernelTests

open System
open global.Xunit
open TorchSharp
open Gan.Runtime.Training.Flat
open Gan.Tests.Runtime.FlatOptimizerTests

/// 25 steps of TorchSharp's Adam and the flat Adam (one-pass update) from the same parameters and random gradients, on
/// 1 and 2 threads: 150,705 parameters (a weight of 300×499, a 1,001-vector, a 3-vector and a scalar: part boundaries inside
/// a parameter, 1,024-element blocks, and a tail shorter than a vector), for three configurations (the seeds' betas, the
/// defaults with weight decay, WGAN-GP's β₁ = 0). Parameters and saved state are bit-equal after every step.
[<Fact>]
let ``The one-pass CPU Adam equals TorchSharp's Adam to the bit on one and two threads`` () =
    let threads0 = torch.get_num_threads ()
    let configs = [ 2e-4, 0.5, 0.999, 0.0; 1e-3, 0.9, 0.999, 1e-2; 1e-4, 0.0, 0.9, 1e-3 ]
    try
        for threads in [ 1; 2 ] do
            torch.set_num_threads threads
            for lr, beta1, beta2, wd in configs do
                use scope = torch.NewDisposeScope()
                torch.manual_seed 11L |> ignore
                let shapes = [ [| 300L; 499L |]; [| 1001L |]; [| 3L |]; [||] ]
                let init = [ for s in shapes -> torch.randn(s) ]
                let refPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
                let flatPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
                let refOpt = torch.optim.Adam(refPs, lr, beta1, beta2, 1e-8, wd)
                let layout = FlatLayout.TryCreate flatPs
                Assert.NotNull layout
                let flatOpt = new Adam(layout, lr, beta1, beta2, 1e-8, wd)
                Assert.True(CpuAdamKernel.Applies(layout.Values), "the one-pass update does not apply on this machine")
                for step in 1 .. 25 do
                    // Gradients over several orders of magnitude, zeros among them (v's square root of zero).
                    let ws = [ for s in shapes -> torch.randn(s) * torch.pow(10.0f, torch.randint(-6L, 2L, s).to_type(torch.float32)) ]
                    for ps, opt in [ refPs, refOpt :> Modules.OptimizerHelper; flatPs, flatOpt ] do
                        opt.zero_grad()
                        let terms = [ for p, w in List.zip ps ws -> (p * w).sum() + 0.01 * (p * p).sum() ]
                        (List.reduce (+) terms).backward()
                        if step = 7 then
                            use _ = torch.no_grad()
                            ps.[0].grad.narrow(0, 10L, 50L).zero_() |> ignore
                        opt.step() |> ignore
                    for i, (a, b) in List.indexed (List.zip refPs flatPs) do
                        if bitsOf a <> bitsOf b then
                            failwithf "threads %d, lr %g β₁ %g wd %g: parameter %d differs after step %d" threads lr beta1 wd i step
                    Assert.Equal<byte[]>(saved refOpt, saved flatOpt)
                Assert.Equal(25L, flatOpt.FusedSteps)
                Assert.Equal(threads, CpuAdamKernel.LastTeam)
    finally
        torch.set_num_threads threads0
