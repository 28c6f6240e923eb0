/// Random specs for the flat-optimiser property: a generated G and D (Generators.StepCase) trained by one of the DSL's
/// optimiser configurations, with or without weight clipping, an EMA copy of G, lr_decay and lazy regularisation.
module Gan.Tests.OptimizerGenerators

open FsCheck.FSharp
open Gan.Tests.NetworkGenerators
open Gan.Tests.Generators

/// The optimiser configurations (NETS: the network): Adam default, the seeds' betas with weight decay, GAN betas;
/// RMSprop without and with momentum; SGD without and with momentum.
let optimizerTexts =
    [| "adam(NETS, lr: 1e-3)"
       "adam(NETS, lr: 2e-4, betas: [0, 0.9], weight_decay: 1e-3)"
       "adam(NETS, lr: 2e-3, betas: [0.5, 0.999])"
       "rmsprop(NETS, lr: 1e-3)"
       "rmsprop(NETS, lr: 5e-4, momentum: 0.9, weight_decay: 1e-4)"
       "sgd(NETS, lr: 1e-2)"
       "sgd(NETS, lr: 1e-2, momentum: 0.9, weight_decay: 1e-3)" |]

/// Opt indexes optimizerTexts (the property cycles it, so each configuration is trained).
type OptCase = { Nets: StepCase; Opt: int; Clip: bool; Ema: bool; Decay: bool; LazyReg: bool }

/// The spec of a case, trained for <c>steps</c> iterations (lr_decay reaches 0 at the end).
let optSpec (c: OptCase) (steps: int) =
    let opt net =
        let t = optimizerTexts.[abs c.Opt % optimizerTexts.Length].Replace("NETS", net)
        if c.Decay then t.TrimEnd(')') + sprintf ", lr_decay: linear(to: 0, end: %d))" steps else t
    let lines = (stepSpec c.Nets).Split '\n' |> List.ofArray
    [ for l in lines do
        if l.StartsWith "optimizer opt_d =" then
            yield sprintf "optimizer opt_d = %s minimize d_loss" (opt "D")
            if c.LazyReg then yield "optimizer opt_dreg = opt_d minimize r1_reg"
        elif l.StartsWith "optimizer opt_g =" then yield sprintf "optimizer opt_g = %s minimize g_loss" (opt "G")
        elif l.StartsWith "loss g_loss" then
            yield l
            // Not r1: a random D may not depend on its input, and r1's gradient of it would abort the process.
            if c.LazyReg then yield "loss r1_reg = 4 * bce_logits(D(real), 1)"
        elif l = "  steps: 1" then yield sprintf "  steps: %d" steps
        elif l = "  order: [opt_d, opt_g]" then
            yield if c.LazyReg then "  order: [opt_d, opt_dreg every 4, opt_g]" else l
            if c.Clip then yield "  clip: [D, 0.05]"
            if c.Ema then yield "  ema: [G, half_life: 200]"
        else yield l ]
    |> String.concat "\n"

let optCaseGen =
    gen {
        let! nets = stepCaseGen
        let! o = Gen.choose (0, optimizerTexts.Length - 1)
        let! flags = Gen.choose (0, 15)
        return { Nets = nets; Opt = o; Clip = flags &&& 1 <> 0; Ema = flags &&& 2 <> 0; Decay = flags &&& 4 <> 0
                 LazyReg = flags &&& 8 <> 0 }
    }

let shrinkOpt (c: OptCase) =
    seq {
        for n in shrinkStep c.Nets do yield { c with Nets = n }
        if c.Clip then yield { c with Clip = false }
        if c.Ema then yield { c with Ema = false }
        if c.Decay then yield { c with Decay = false }
        if c.LazyReg then yield { c with LazyReg = false }
    }
