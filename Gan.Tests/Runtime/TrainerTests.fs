module Gan.Tests.Runtime.TrainerTests

open Gan.Tests

open System
open System.IO
open Xunit
open TorchSharp
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors
open Gan.Runtime.Model
open Gan.Runtime.Training

let private specPath = TestFiles.spec

let private compile name =
    let r = Compilation.CompileFile(specPath name)
    Assert.False(r.HasErrors)
    r.Ir

[<Fact>]
let ``The built modules have exactly the trainable parameter count the checker reports, for every spec`` () =
    for f in TestFiles.specs () do
        let ir = Compilation.CompileFile(f).Ir
        for n in ir.Networks do
            use m = new NetworkModule(n)
            Assert.True((m.TrainableCount = n.Parameters), sprintf "%s %s: built %d, checker %d" f n.Name m.TrainableCount n.Parameters)

[<Fact>]
let ``Every node's output shape in TorchSharp equals the checker's, for every spec and every layer kind at batch 3`` () =
    for f in TestFiles.validSpecs () do
        let ir = Compilation.CompileFile(f).Ir
        for n in ir.Networks do
            use scope = torch.NewDisposeScope()
            use m = new NetworkModule(n)
            m.eval()
            let inputs =
                [| for i in n.Inputs ->
                     if i.Kind = Gan.Dsl.Ir.InputKind.Label then torch.randint(0L, int64 i.Classes, [| 3L |])
                     else torch.randn(Array.append [| 3L |] (i.Shape |> Seq.map int64 |> Seq.toArray)) |]
            let values = m.Forward inputs
            for node in n.Nodes do
                let actual = values.[node.Id].shape |> Array.skip 1 |> Array.map int
                Assert.True(
                    (actual = Seq.toArray node.Shape),
                    sprintf "%s %s %s: torch %A, checker %A" f n.Name node.Name actual (Seq.toArray node.Shape))

let private gaussianSpec steps =
    (File.ReadAllText(specPath "gaussian2d.gan"))
        .Replace("  epochs: 10", sprintf "  steps: %d" steps)
        .Replace("checkpoint_every: 500", "checkpoint_every: 40")

let private compileText text =
    let r = Compilation.Compile("test.gan", text)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n")
    r.Ir

let private train ir out resume =
    use t = new Trainer(ir, TrainOptions(OutDir = out, Resume = resume))
    t.Run() |> ignore

let private logRows = TestFiles.logWithoutTiming

[<Fact>]
let ``The same seed on CPU gives an identical log, apart from timing columns`` () =
    let ir = compileText (gaussianSpec 60)
    TestFiles.withTempDir (fun dir ->
        let a, b = Path.Combine(dir, "a"), Path.Combine(dir, "b")
        train ir a false
        train ir b false
        Assert.Equal<string[]>(logRows a, logRows b)
        Assert.Equal(61, (logRows a).Length))

[<Fact>]
let ``A run interrupted after a checkpoint and resumed gives the same log rows as an uninterrupted one`` () =
    let full = compileText (gaussianSpec 100)
    TestFiles.withTempDir (fun dir ->
        let a, b = Path.Combine(dir, "a"), Path.Combine(dir, "b")
        train full a false
        // Interrupted: the same run stopped at step 60 (its last checkpoint is step 40), then resumed with its own settings:
        // it ends where it was started to end (60), and only a longer --steps (an extension) takes it to 100.
        (use t = new Trainer(full, TrainOptions(OutDir = b, Steps = 60))
         t.Run() |> ignore)
        train full b true
        Assert.Equal(61, (logRows b).Length)
        (use t = new Trainer(full, TrainOptions(OutDir = b, Resume = true, Steps = 100))
         t.Run() |> ignore)
        Assert.Equal<string[]>(logRows a, logRows b)
        let extension = (Gan.Runtime.Runs.RunParams.Read b).Extensions |> Seq.exactlyOne
        Assert.Equal((60L, 100L, 60L), (extension.FromSteps, extension.ToSteps, extension.AtStep)))

[<Fact>]
let ``With --log-every N the log has the first step, every Nth and the run's last, by steps and by epochs`` () =
    let loggedSteps dir = logRows dir |> Array.skip 1 |> Array.map (fun r -> int (r.Split(',').[0]))
    TestFiles.withTempDir (fun dir ->
        let a, b = Path.Combine(dir, "a"), Path.Combine(dir, "b")
        use t = new Trainer(compileText (gaussianSpec 25), TrainOptions(OutDir = a, LogEvery = 10))
        t.Run() |> ignore
        Assert.Equal<int[]>([| 1; 10; 20; 25 |], loggedSteps a)
        // One epoch of gaussian2d: 1,000 points at batch 4 = 250 iterations.
        use t = new Trainer(compileText (gaussianSpec 25), TrainOptions(OutDir = b, Epochs = 1, LogEvery = 100))
        t.Run() |> ignore
        Assert.Equal<int[]>([| 1; 100; 200; 250 |], loggedSteps b))

[<Theory>]
[<InlineData("gaussian2d.gan")>]
[<InlineData("gaussian2d-wgan-gp.gan")>]
let ``The live-tensor count stays flat over 200 training steps, gradient penalty included`` (spec: string) =
    let text =
        (File.ReadAllText(specPath spec)).Replace("  epochs: 10", "  steps: 250").Replace("  steps: 6000", "  steps: 250")
    let ir = compileText text
    use t = new Trainer(ir, TrainOptions(RunFolder = false))
    let stats = TorchSharp.DisposeScopeManager.Statistics
    t.RunSteps 50                                   // warm-up: optimiser state is allocated lazily
    let before = stats.ThreadTotalLiveCount
    t.RunSteps 200
    let after = stats.ThreadTotalLiveCount
    Assert.True((after - before) <= 0L, sprintf "live tensors grew from %d to %d over 200 steps" before after)

[<Fact>]
let ``The live-tensor count stays flat over repeated GanModel.Sample calls, with and without a class`` () =
    use model = GanModel.Compile(specPath "cgan.gan")
    let stats = TorchSharp.DisposeScopeManager.Statistics
    let sample () =
        use plain = model.Sample 8
        use byClass = model.Sample(8, Nullable 3)
        ()
    sample ()
    let before = stats.ThreadTotalLiveCount
    for _ in 1 .. 20 do sample ()
    let after = stats.ThreadTotalLiveCount
    Assert.True((after - before) <= 0L, sprintf "live tensors grew from %d to %d over 20 rounds of sampling" before after)

[<Fact>]
let ``A NaN loss stops training with a message naming the loss and the step`` () =
    let text = (gaussianSpec 50).Replace("loss g_loss = bce_logits(D(G(z)), 1)", "loss g_loss = bce_logits(D(G(z)), 1) / 0")
    TestFiles.withTempDir (fun dir ->
        let e = Assert.Throws<UserInputException>(fun () -> train (compileText text) (Path.Combine(dir, "run")) false)
        Assert.Contains("loss 'g_loss' became ∞ at step 1", e.Message.Replace("Infinity", "∞")))

[<Fact>]
let ``Every spec trains for a few steps on random data of its shape, and its losses stay finite`` () =
    for f in TestFiles.validSpecs () do
        // The reference specs at narrow widths (ReferenceSpecTests trains them at full width through the CLI).
        let ir = Compilation.CompileFile(f, TestFiles.narrowWidths f).Ir
        let batch = min ir.Schedule.Batch 8
        let shape = Array.append [| int64 (4 * batch) |] (ir.Data.Shape |> Seq.map int64 |> Seq.toArray)
        let x = torch.rand(shape) * 2.0f - 1.0f
        let y = if ir.Data.Classes > 0 then torch.randint(0L, int64 ir.Data.Classes, [| int64 (4 * batch) |]) else null
        TestFiles.withTempDir (fun dir ->
            let out = Path.Combine(dir, "run")
            use t = new Trainer(ir, TrainOptions(OutDir = out, Steps = 3, Batch = batch), new Gan.Runtime.Data.TensorDataset(x, y))
            t.Run() |> ignore
            let rows = File.ReadAllLines(Path.Combine(out, "log.csv"))
            Assert.True(rows.Length = 4, sprintf "%s: %d log rows" f rows.Length)
            Assert.True(Directory.GetFiles(Path.Combine(out, "samples")).Length > 0, f)
            // The run folder's copy of the spec compiles on its own (used files are copied beside it).
            Assert.False(Compilation.CompileFile(Path.Combine(out, "spec.gan")).HasErrors, f))

[<Theory>]
[<InlineData(0.0)>]
[<InlineData(0.5)>]
[<InlineData(1.0)>]
let ``elu's alpha is the one written, zero included: x if x > 0 else alpha·(e^x − 1)`` (alpha: float) =
    let spec =
        String.concat "\n"
            [ "gan t \"elu alpha\""; "data mnist(split: train, scale: [-1, 1])"; "latent z = normal(784)"
              "network G(z: [784]) {"; sprintf "  elu(%g)" alpha; "  reshape(1, 28, 28)"; "}"
              "network D(x: [1, 28, 28]) {"; "  flatten"; "  linear(1)"; "}"
              "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
              "loss g_loss = bce_logits(D(G(z)), 1)"
              "optimizer opt_d = adam(D, lr: 2e-4) minimize d_loss"
              "optimizer opt_g = adam(G, lr: 2e-4) minimize g_loss"
              "schedule {"; "  batch: 4"; "  steps: 1"; "  order: [opt_d, opt_g]"; "}"; "" ]
    let r = Compilation.Compile("elu.gan", spec)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map string |> String.concat "\n")
    use scope = torch.NewDisposeScope()
    use m = new NetworkModule(r.Ir.Networks |> Seq.find (fun n -> n.Name = "G"))
    let x = torch.linspace(-3.0, 3.0, 784L).reshape(1L, 784L)
    let y = (m.Forward [| x |]).[0]
    let expected = torch.where(x.gt(torch.tensor 0.0f), x, (x.exp() - 1.0f) * float32 alpha)
    Assert.True(y.allclose(expected, 1e-6, 1e-6), sprintf "elu(%g) differs from its formula" alpha)

[<Fact>]
let ``A discriminator step computes no gradient for the generator, and a generator step leaves every discriminator parameter bit-identical`` () =
    use scope = torch.NewDisposeScope()
    let ir = compile "mnist-mlp.gan"
    torch.manual_seed 5L |> ignore
    let nets = System.Collections.Generic.Dictionary<string, NetworkModule>()
    for n in ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    let real = torch.rand(8L, 1L, 28L, 28L) * 2.0f - 1.0f
    use gen = new torch.Generator(1UL)
    // D step: its loss detaches G(z), so no gradient may reach G.
    let ctx = StepContext(ir, nets, real, null, gen)
    ctx.Evaluate(ir.Loss("d_loss").Expr).backward()
    for p in nets.["G"].parameters() do
        Assert.True(isNull p.grad || p.grad.abs().sum().item<float32>() = 0.0f, "the D step backpropagated into G")
    // G step with an optimiser over G only: D's parameters must not change at all.
    for n in nets.Values do n.zero_grad()
    let before = [ for p in nets.["D"].parameters() -> p.clone() ]
    let opt = torch.optim.Adam(nets.["G"].parameters(), 1e-3)
    let ctx2 = StepContext(ir, nets, real, null, gen)
    ctx2.Evaluate(ir.Loss("g_loss").Expr).backward()
    opt.step() |> ignore
    for (b, p) in List.zip before (List.ofSeq (nets.["D"].parameters())) do
        Assert.True((b.data<float32>().ToArray() = p.detach().data<float32>().ToArray()), "the G step changed a D parameter")

[<Fact>]
let ``Under fakes per_iteration the D step trains on the G step's fakes, detached, with the same latent sample`` () =
    use scope = torch.NewDisposeScope()
    let ir = compile "mnist-mlp.gan"
    Assert.True(ir.Schedule.FakesPerIteration)
    torch.manual_seed 5L |> ignore
    let nets = System.Collections.Generic.Dictionary<string, NetworkModule>()
    for n in ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    let real = torch.rand(8L, 1L, 28L, 28L) * 2.0f - 1.0f
    use gen = new torch.Generator(1UL)
    let share = IterationShare()
    // G step first (the seed's order), then the D step with the same share.
    let gStep = StepContext(ir, nets, real, null, gen, share)
    gStep.Evaluate(ir.Loss("g_loss").Expr) |> ignore
    let z = share.Latents.["z"]
    let fakes = share.Detached |> Seq.find (fun kv -> kv.Key.Network = "G") |> fun kv -> kv.Value
    let dStep = StepContext(ir, nets, real, null, gen, share)
    dStep.Evaluate(ir.Loss("d_loss").Expr) |> ignore
    Assert.Same(z, dStep.Latent "z")
    let detachedG = Gan.Dsl.Ir.DetachIr(share.Detached.Keys |> Seq.find (fun k -> k.Network = "G"))
    Assert.Same(fakes, dStep.Evaluate detachedG)
    Assert.False(fakes.requires_grad)
    // Without a share, each step draws its own latent sample.
    let a = StepContext(ir, nets, real, null, gen)
    let b = StepContext(ir, nets, real, null, gen)
    Assert.False(a.Latent("z").allclose(b.Latent "z"))

/// A one-layer network N(x: [3]) and an optimiser over it, as a spec declares them.
let private optimiserSpec (optimizer: string) =
    compileText (String.concat "\n" [
        "gan opt \"optimiser construction\""
        "data gaussian2d(mean: [0, 0], transform: [[1, 0], [0, 1]], count: 16)"
        "latent z = normal(2)"
        "network G(z: [2]) { linear(2) }"
        "network D(x: [2]) { linear(1) }"
        "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)"
        "loss g_loss = bce_logits(D(G(z)), 1)"
        sprintf "optimizer opt_d = %s minimize d_loss" optimizer
        "optimizer opt_g = adam(G, lr: 0.01) minimize g_loss"
        "schedule { batch: 4  steps: 1  order: [opt_d, opt_g] }"; "" ])

/// Runs three steps of the optimiser the trainer builds for opt_d on D's weight with given gradients; returns its values.
let private threeSteps (ir: Gan.Dsl.Ir.ModelIr) (grads: float[] list) =
    use scope = torch.NewDisposeScope()
    let nets = Devices.Build(ir, 0, torch.CPU)
    let d = nets.["D"]
    d.``to``(torch.float64) |> ignore
    let opt = Optimizers.Make(ir.Optimizers |> Seq.find (fun o -> o.Name = "opt_d"), nets)
    let weight = d.parameters() |> Seq.head                       // 1×2
    let start = weight.detach().clone().flatten().data<float>().ToArray()
    let values =
        [ for g in grads do
            opt.zero_grad()
            for p in d.parameters() do p.grad <- torch.zeros_like(p)
            weight.grad <- torch.tensor(g, dtype = torch.float64).reshape(1L, 2L)
            opt.step() |> ignore
            yield weight.detach().flatten().data<float>().ToArray() ]
    for n in nets.Values do n.Dispose()
    start, values

let private grads = [ [| 0.5; -0.1 |]; [| -0.3; 0.4 |]; [| 0.05; -2.0 |] ]

let private near (expected: float[]) (actual: float[]) what =
    for i in 0 .. expected.Length - 1 do
        Assert.True(
            abs (actual.[i] - expected.[i]) < 1e-12,
            sprintf "%s, element %d: trainer's optimiser %.15g, formula %.15g" what i actual.[i] expected.[i])

[<Fact>]
let ``The optimiser the trainer builds from adam(betas), rmsprop(alpha, momentum) and sgd(momentum) follows each update formula`` () =
    // Adam with the GAN seeds' betas.
    let lr, b1, b2, eps = 2e-4, 0.5, 0.999, 1e-8
    let start, actual = threeSteps (optimiserSpec "adam(D, lr: 2e-4, betas: [0.5, 0.999])") grads
    let p, m, v = Array.copy start, Array.zeroCreate 2, Array.zeroCreate 2
    grads |> List.iteri (fun k g ->
        let t = float (k + 1)
        for i in 0 .. 1 do
            m.[i] <- b1 * m.[i] + (1.0 - b1) * g.[i]
            v.[i] <- b2 * v.[i] + (1.0 - b2) * g.[i] * g.[i]
            p.[i] <- p.[i] - lr * (m.[i] / (1.0 - b1 ** t)) / (sqrt (v.[i] / (1.0 - b2 ** t)) + eps)
        near p actual.[k] (sprintf "adam step %d" (k + 1)))
    // RMSprop: v = αv + (1−α)g², buffer = μ·buffer + g/(√v + ε), p −= lr·buffer.
    let lr, alpha, mu = 5e-5, 0.9, 0.5
    let start, actual = threeSteps (optimiserSpec "rmsprop(D, lr: 5e-5, alpha: 0.9, momentum: 0.5)") grads
    let p, v, buf = Array.copy start, Array.zeroCreate 2, Array.zeroCreate 2
    grads |> List.iteri (fun k g ->
        for i in 0 .. 1 do
            v.[i] <- alpha * v.[i] + (1.0 - alpha) * g.[i] * g.[i]
            buf.[i] <- mu * buf.[i] + g.[i] / (sqrt v.[i] + 1e-8)
            p.[i] <- p.[i] - lr * buf.[i]
        near p actual.[k] (sprintf "rmsprop step %d" (k + 1)))
    // SGD with momentum: buffer = μ·buffer + g (the first buffer is g), p −= lr·buffer.
    let lr, mu = 0.1, 0.9
    let start, actual = threeSteps (optimiserSpec "sgd(D, lr: 0.1, momentum: 0.9)") grads
    let p, buf = Array.copy start, Array.zeroCreate 2
    grads |> List.iteri (fun k g ->
        for i in 0 .. 1 do
            buf.[i] <- (if k = 0 then g.[i] else mu * buf.[i] + g.[i])
            p.[i] <- p.[i] - lr * buf.[i]
        near p actual.[k] (sprintf "sgd step %d" (k + 1)))
