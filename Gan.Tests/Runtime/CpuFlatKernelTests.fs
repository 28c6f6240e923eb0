/// The one-pass CPU updates (Training/Flat/CpuAdamKernel, CpuRmsPropKernel): bit for bit TorchSharp's Adam and RMSprop on
/// buffers large enough to be split across OpenMP threads, in blocks with a short last one, with and without weight decay
/// (and RMSprop with and without momentum).
module Gan.Tests.Runtime.CpuFlatKernelTests

open global.Xunit
open TorchSharp
open Gan.Runtime.Training.Flat
open Gan.Tests.Runtime.FlatOptimizerTests

/// 25 steps of a TorchSharp optimiser and the flat one (one-pass update) from the same parameters and random gradients, on
/// 1 and 2 threads: 150,705 parameters (a weight of 300×499, a 1,001-vector, a 3-vector and a scalar: part boundaries inside
/// a parameter, 1,024-element blocks, and a tail shorter than a vector). Parameters and saved state are bit-equal after
/// every step; every step took the one-pass update, on as many threads as torch has.
let private checkOnePass name (torchOpt: Modules.Parameter list -> Modules.OptimizerHelper) (flatOpt: FlatLayout -> Modules.OptimizerHelper)
                         (fusedSteps: Modules.OptimizerHelper -> int64) =
    let threads0 = torch.get_num_threads ()
    try
        for threads in [ 1; 2 ] do
            torch.set_num_threads threads
            use scope = torch.NewDisposeScope()
            torch.manual_seed 11L |> ignore
            let shapes = [ [| 300L; 499L |]; [| 1001L |]; [| 3L |]; [||] ]
            let init = [ for s in shapes -> torch.randn(s) ]
            let refPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
            let flatPs = [ for t in init -> new Modules.Parameter(t.clone()) ]
            let refOpt = torchOpt refPs
            let layout = FlatLayout.TryCreate flatPs
            Assert.NotNull layout
            let flat = flatOpt layout
            Assert.True(CpuFlatKernel.Applies(layout.Values), "the one-pass update does not apply on this machine")
            for step in 1 .. 25 do
                // Gradients over several orders of magnitude, zeros among them (the square root of zero).
                let ws = [ for s in shapes -> torch.randn(s) * torch.pow(10.0f, torch.randint(-6L, 2L, s).to_type(torch.float32)) ]
                for ps, opt in [ refPs, refOpt; flatPs, flat ] do
                    opt.zero_grad()
                    let terms = [ for p, w in List.zip ps ws -> (p * w).sum() + 0.01 * (p * p).sum() ]
                    (List.reduce (+) terms).backward()
                    if step = 7 then
                        use _ = torch.no_grad()
                        ps.[0].grad.narrow(0, 10L, 50L).zero_() |> ignore
                    opt.step() |> ignore
                for i, (a, b) in List.indexed (List.zip refPs flatPs) do
                    if bitsOf a <> bitsOf b then failwithf "%s, threads %d: parameter %d differs after step %d" name threads i step
                Assert.Equal<byte[]>(saved refOpt, saved flat)
            Assert.Equal(25L, fusedSteps flat)
            Assert.Equal(threads, CpuFlatKernel.LastTeam)
    finally
        torch.set_num_threads threads0

/// Three configurations: the seeds' betas, the defaults with weight decay, WGAN-GP's β₁ = 0.
[<Fact>]
let ``The one-pass CPU Adam equals TorchSharp's Adam to the bit on one and two threads`` () =
    for lr, beta1, beta2, wd in [ 2e-4, 0.5, 0.999, 0.0; 1e-3, 0.9, 0.999, 1e-2; 1e-4, 0.0, 0.9, 1e-3 ] do
        checkOnePass $"adam lr {lr} β₁ {beta1} wd {wd}" (fun ps -> torch.optim.Adam(ps, lr, beta1, beta2, 1e-8, wd))
            (fun l -> new Adam(l, lr, beta1, beta2, 1e-8, wd)) (fun o -> (o :?> Adam).FusedSteps)

/// Four configurations: WGAN's (lr 5e-5, α 0.99), weight decay, momentum, and both with another α and ε.
[<Fact>]
let ``The one-pass CPU RMSprop equals TorchSharp's RMSprop to the bit on one and two threads`` () =
    for lr, alpha, eps, wd, momentum in [ 5e-5, 0.99, 1e-8, 0.0, 0.0; 1e-3, 0.99, 1e-8, 1e-2, 0.0
                                          1e-2, 0.99, 1e-8, 0.0, 0.9; 3e-3, 0.9, 1e-6, 1e-3, 0.5 ] do
        checkOnePass $"rmsprop lr {lr} α {alpha} wd {wd} momentum {momentum}"
            (fun ps -> torch.optim.RMSProp(ps, lr, alpha, eps, wd, momentum))
            (fun l -> new RMSProp(l, lr, alpha, eps, wd, momentum)) (fun o -> (o :?> RMSProp).FusedSteps)
