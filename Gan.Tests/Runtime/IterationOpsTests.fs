/// The per-iteration savings of the trainer: real batches taken from the resident dataset tensor by index_select (the same
/// batches as the host gather, bit for bit), labels not served to specs that never read them, only the outputs a later step
/// reads under detach kept for the iteration, constants allocated once and never changed by training, and no tensor leaked.
module Gan.Tests.Runtime.IterationOpsTests

open Gan.Tests

open System
open Xunit
open TorchSharp
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Data
open Gan.Runtime.Model
open Gan.Runtime.Training

let private compile name =
    let r = Compilation.CompileFile(TestFiles.spec name)
    Assert.False(r.HasErrors)
    r.Ir

/// count samples of sampleSize floats: sample i holds i*100 + k at offset k (every row distinct); label i is i % 10.
let private dataset count sampleSize =
    Array.init (count * sampleSize) (fun j -> float32 ((j / sampleSize) * 100 + j % sampleSize)),
    Array.init count (fun i -> int64 (i % 10))

/// The next batch, copied, with the stream's position after it.
let private next (b: Batches) =
    let struct (x, y) = b.Next()
    x.clone(), (if isNull y then null else y.clone()), (b.Epoch, b.Index, b.EpochExhausted, b.BatchesLeftInEpoch)

let private same (x1: torch.Tensor, y1: torch.Tensor, p1: int * int64 * bool * int64) (x2: torch.Tensor, y2: torch.Tensor, p2) =
    Assert.Equal<int64[]>(x1.shape, x2.shape)
    Assert.Equal(x1.dtype, x2.dtype)
    Assert.True(x1.eq(x2).all().item<bool>(), "the batches' samples differ")
    Assert.Equal(isNull y1, isNull y2)
    if not (isNull y1) then Assert.True(y1.eq(y2).all().item<bool>(), "the batches' labels differ")
    Assert.Equal<int * int64 * bool * int64>(p1, p2)

[<Fact>]
let ``Resident batches (index_select) equal the host gather's bit for bit: over epochs, a partial last batch and a restore`` () =
    use scope = torch.NewDisposeScope()
    let x, y = dataset 23 6
    use host = TensorDataset.FromHost(x, ReadOnlySpan<int64>([| 1L; 2L; 3L |]), y)
    for dropLast in [ true; false ] do
        use gathered = new Batches(host, 5, 9, dropLast, Nullable true)
        use resident = new Batches(host, 5, 9, dropLast, Nullable false)
        Assert.False(gathered.Resident)
        Assert.True(resident.Resident)
        for _ in 1 .. 17 do same (next gathered) (next resident)
        gathered.Restore(2, 10L)
        resident.Restore(2, 10L)
        for _ in 1 .. 6 do same (next gathered) (next resident)
    // The default is resident; mirrored data (flip) is gathered on the host; labels can be left out either way.
    use plain = new Batches(host, 5, 9, true)
    Assert.True(plain.Resident)
    use flipped = new Batches(host, 5, 9, true, flip = true)
    Assert.False(flipped.Resident)
    for prefetch in [ true; false ] do
        use unlabelled = new Batches(host, 5, 9, true, Nullable prefetch, labels = false)
        let struct (ux, uy) = unlabelled.Next()
        Assert.Null(uy)
        Assert.Equal<int64[]>([| 5L; 1L; 2L; 3L |], ux.shape)
    // The host dataset keeps its labels (the view without them shares X and is not disposed).
    Assert.NotNull(host.Y)

[<Fact>]
let ``A drop_last-off stream's last batch of an epoch is the partial one, the same in both ways`` () =
    use scope = torch.NewDisposeScope()
    let x, y = dataset 12 2
    use host = TensorDataset.FromHost(x, ReadOnlySpan<int64>([| 2L |]), y)
    use gathered = new Batches(host, 5, 3, false, Nullable true)
    use resident = new Batches(host, 5, 3, false, Nullable false)
    let sizes = List.init 6 (fun _ -> let a = next gathered in same a (next resident); let (bx, _, _) = a in bx.shape.[0])
    Assert.Equal<int64 list>([ 5L; 5L; 2L; 5L; 5L; 2L ], sizes)

[<Fact>]
let ``A spec reads labels only when a loss or a from-labels latent does; per_iteration keeps only the outputs read detached`` () =
    Assert.False(LossUses.ReadsLabels(compile "mnist-mlp.gan"))
    Assert.False(LossUses.ReadsLabels(compile "tf-basic.gan"))
    Assert.True(LossUses.ReadsLabels(compile "cgan.gan"))
    let ir = compile "mnist-mlp.gan"
    use scope = torch.NewDisposeScope()
    torch.manual_seed 5L |> ignore
    let nets = Collections.Generic.Dictionary<string, NetworkModule>()
    for n in ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    let real = torch.rand(8L, 1L, 28L, 28L) * 2.0f - 1.0f
    use gen = new torch.Generator(1UL)
    let share = IterationShare.For ir
    StepContext(ir, nets, real, null, gen, share).Evaluate(ir.Loss("g_loss").Expr) |> ignore
    StepContext(ir, nets, real, null, gen, share).Evaluate(ir.Loss("d_loss").Expr) |> ignore
    // G(z) is read as detach(G(z)) by the D step; D's outputs are never read detached.
    Assert.Equal<string list>([ "G" ], share.Detached.Keys |> Seq.map (fun k -> k.Network) |> List.ofSeq)
    // Without the model's uses every output is kept (the share a test builds by hand).
    let all = IterationShare()
    StepContext(ir, nets, real, null, gen, all).Evaluate(ir.Loss("g_loss").Expr) |> ignore
    Assert.Equal(2, all.Detached.Count)
    for n in nets.Values do n.Dispose()

/// The spec on random data of its shape (and classes) in managed arrays, as loaded datasets are held, at batch 8.
let private trainer name =
    let ir = compile name
    let shape = ir.Data.Shape |> Seq.map int64 |> Array.ofSeq
    let size = Array.fold (*) 1L shape
    let rng = Random 3
    let x = Array.init (int (64L * size)) (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
    let y = if ir.Data.Classes > 0 then Array.init 64 (fun i -> int64 (i % ir.Data.Classes)) else null
    let data = TensorDataset.FromHost(x, ReadOnlySpan<int64>(shape), y)
    new Trainer(ir, TrainOptions(RunFolder = false, Batch = Nullable 8), data)

[<Theory>]
[<InlineData("mnist-mlp.gan")>]
[<InlineData("cgan.gan")>]
let ``The live-tensor count stays flat over 60 iterations with resident batches, shared fakes and labels`` (spec: string) =
    use t = trainer spec
    let stats = DisposeScopeManager.Statistics
    t.RunSteps 5                                    // warm-up: optimiser state is allocated lazily
    let before = stats.ThreadTotalLiveCount
    t.RunSteps 60
    let after = stats.ThreadTotalLiveCount
    Assert.True((after - before) <= 0L, sprintf "live tensors grew from %d to %d over 60 iterations" before after)

[<Fact>]
let ``The run's constants are allocated once and training never changes them`` () =
    let ir = compile "tf-basic.gan"
    use constants = new RunConstants()
    use scope = torch.NewDisposeScope()
    torch.manual_seed 2L |> ignore
    let nets = Collections.Generic.Dictionary<string, NetworkModule>()
    for n in ir.Networks do nets.[n.Name] <- new NetworkModule(n)
    use opt = torch.optim.Adam(nets.["D"].parameters(), 1e-3)
    use gen = new torch.Generator(1UL)
    let real = torch.rand(8L, 1L, 28L, 28L)
    let seen = Collections.Generic.List<torch.Tensor>()
    for _ in 1 .. 3 do
        use step = torch.NewDisposeScope()
        opt.zero_grad()
        let loss = StepContext(ir, nets, real, null, gen, constants = constants).Evaluate(ir.Loss("d_loss").Expr)
        loss.backward()
        opt.step() |> ignore
        let probe = torch.zeros(8L, 1L)
        seen.Add(constants.Like(1.0, probe))
        seen.Add(constants.Like(0.0, probe))
    // The same two tensors every step (no allocation), alive after the steps' scopes, holding their values.
    Assert.Equal(2, seen |> Seq.distinctBy Runtime.CompilerServices.RuntimeHelpers.GetHashCode |> Seq.length)
    Assert.True(seen.[0].eq(torch.tensor 1.0f).all().item<bool>())
    Assert.True(seen.[1].eq(torch.tensor 0.0f).all().item<bool>())
    Assert.False(seen.[0].requires_grad)
    for n in nets.Values do n.Dispose()

[<Fact>]
let ``One-hot codes from the run's cached identity equal one_hot's exactly, in float32 and float64, allocated once`` () =
    use constants = new RunConstants()
    use scope = torch.NewDisposeScope()
    let part = Gan.Dsl.Ir.LatentIr("c", Gan.Dsl.Ir.LatentKind.OneHot, 7, 0.0, 0.0, 7, false)
    let idx = torch.randint(0L, 7L, [| 50L |], dtype = torch.ScalarType.Int64)
    let cached = Gan.Runtime.Sampling.LatentDraws.Encode(part, idx, constants)
    let plain = Gan.Runtime.Sampling.LatentDraws.Encode(part, idx)
    Assert.Equal<int64[]>([| 50L; 7L |], cached.shape)
    Assert.Equal(torch.ScalarType.Float32, cached.dtype)
    Assert.True(cached.eq(plain).all().item<bool>())
    Assert.Same(constants.Identity(7, torch.ScalarType.Float32, torch.CPU), constants.Identity(7, torch.ScalarType.Float32, torch.CPU))
    let wide = constants.Identity(7, torch.ScalarType.Float64, torch.CPU).index_select(0L, idx)
    Assert.True(wide.eq(plain.to_type torch.ScalarType.Float64).all().item<bool>())
    // A label part stays indices.
    let label = Gan.Dsl.Ir.LatentIr("y", Gan.Dsl.Ir.LatentKind.Label, 1, 0.0, 0.0, 7, true)
    Assert.Same(idx, Gan.Runtime.Sampling.LatentDraws.Encode(label, idx, constants))
