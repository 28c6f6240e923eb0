module Gan.Tests.Runtime.DataBatchTests

open Gan.Tests

open System
open System.Collections.Immutable
open System.Threading
open Xunit
open TorchSharp
open Gan.Dsl.Ir
open Gan.Runtime.Data
open Gan.Runtime.Errors

/// count samples of sampleSize floats; sample i holds i*100 + k at offset k; label i is i % 10.
let private dataset count sampleSize =
    Array.init (count * sampleSize) (fun j -> float32 ((j / sampleSize) * 100 + j % sampleSize)),
    Array.init count (fun i -> int64 (i % 10))

let private take (order: BatchOrder) n = List.init n (fun _ -> order.Next().ToArray())

[<Fact>]
let ``Batch order: the same seed gives the same order, another seed another, and each epoch is a new permutation`` () =
    let a = take (BatchOrder(100, 10, 7, true)) 30
    let b = take (BatchOrder(100, 10, 7, true)) 30
    let c = take (BatchOrder(100, 10, 8, true)) 30
    Assert.Equal<int[] list>(a, b)
    Assert.NotEqual<int[] list>(a, c)
    let epochs = a |> List.chunkBySize 10 |> List.map Array.concat
    for e in epochs do Assert.Equal<int[]>([| 0 .. 99 |], Array.sort e)
    Assert.NotEqual<int[]>(epochs.[0], epochs.[1])
    Assert.NotEqual<int[]>(epochs.[0], [| 0 .. 99 |])

[<Fact>]
let ``Drop-last serves only full batches and moves to the next epoch; keep-last serves the remainder as a smaller batch`` () =
    let drop = BatchOrder(10, 4, 1, true)
    Assert.Equal(2L, drop.BatchesPerEpoch)
    let d = take drop 3
    Assert.Equal<int list>([ 4; 4; 4 ], d |> List.map Array.length)
    Assert.Equal(8, d |> List.take 2 |> Array.concat |> Array.distinct |> Array.length)
    Assert.Equal(BatchPosition(1, 4L), drop.Position)
    let keep = BatchOrder(10, 4, 1, false)
    Assert.Equal(3L, keep.BatchesPerEpoch)
    let k = take keep 4
    Assert.Equal<int list>([ 4; 4; 2; 4 ], k |> List.map Array.length)
    Assert.Equal<int[]>([| 0 .. 9 |], k |> List.take 3 |> Array.concat |> Array.sort)
    Assert.Equal(BatchPosition(1, 4L), keep.Position)
    // Both policies shuffle epoch 0 identically (the policy decides only where an epoch ends).
    Assert.Equal<int[]>(d.[0], k.[0])
    Assert.Throws<UserInputException>(fun () -> BatchOrder(3, 4, 1, true) |> ignore) |> ignore

[<Fact>]
let ``Batches left in an epoch count down to zero under both last-batch policies`` () =
    let left (order: BatchOrder) n =
        List.init n (fun _ ->
            let l = order.BatchesLeftInEpoch order.Position
            order.Next().Length |> ignore
            l)
    // 10 samples at batch 4: drop-last serves 2 full batches an epoch, keep-last 3 (the last of 2 samples).
    // At an exhausted position the epoch has none left; the next batch opens the next epoch.
    Assert.Equal<int64 list>([ 2L; 1L; 0L; 1L ], left (BatchOrder(10, 4, 1, true)) 4)
    Assert.Equal<int64 list>([ 3L; 2L; 1L; 0L; 2L ], left (BatchOrder(10, 4, 1, false)) 5)

[<Fact>]
let ``Batcher rows and labels belong together, and prefetching changes nothing but timing`` () =
    let x, y = dataset 50 6
    use pre = new Batcher(x, 6, y, 8, 3, false, true)
    use plain = new Batcher(x, 6, y, 8, 3, false, false)
    let clock = Diagnostics.Stopwatch.StartNew()
    for _ in 1 .. 20 do
        let a = pre.Next()
        let b = plain.Next()
        Assert.Equal<float32[]>(a.X, b.X)
        Assert.Equal<int64[]>(a.Y, b.Y)
        Assert.Equal(pre.Position, plain.Position)
        for r in 0 .. a.Count - 1 do
            let sample = int a.X.[r * 6] / 100
            Assert.Equal(int64 (sample % 10), a.Y.[r])
            for k in 0 .. 5 do Assert.Equal(float32 (sample * 100 + k), a.X.[r * 6 + k])
    // Waiting is the consumer's time: gathering in place takes some, and neither count can exceed the loop's own time.
    let elapsed = clock.Elapsed
    Assert.True(plain.Waited > TimeSpan.Zero, "gathering in place took no time")
    Assert.True(
        plain.Waited <= elapsed && pre.Waited <= elapsed,
        sprintf "waited %A and %A in a loop of %A" plain.Waited pre.Waited elapsed)

[<Fact>]
let ``A recycling batcher's batches, copied as taken, equal fresh arrays' over epochs, partial batches and a restore`` () =
    let x, y = dataset 37 3
    let copies (b: Batcher) n = List.init n (fun _ -> let h = b.Next() in Array.copy h.X, Array.copy h.Y)
    for prefetch in [ true; false ] do
        use fresh = new Batcher(x, 3, y, 5, 11, false, prefetch)
        use recycled = new Batcher(x, 3, y, 5, 11, false, prefetch, recycle = true)
        // 37 samples at 5: 7 whole batches and a partial one of 2 per epoch, over 3 epochs.
        Assert.Equal<(float32[] * int64[]) list>(copies fresh 24, copies recycled 24)
        let saved = recycled.Position
        let after = copies recycled 5
        recycled.Restore saved
        Assert.Equal<(float32[] * int64[]) list>(after, copies recycled 5)
        // Its buffers are reused: 20 whole batches are gathered into 3 arrays.
        let whole = List.init 24 (fun _ -> recycled.Next()) |> List.filter (fun b -> b.Count = 5) |> List.map (fun b -> b.X)
        Assert.True(whole.Length >= 20)
        Assert.Equal(3, whole |> List.distinctBy Runtime.CompilerServices.RuntimeHelpers.GetHashCode |> List.length)

[<Fact>]
let ``A saved (epoch, index) resumes the stream exactly, in a new batcher or the same one mid-prefetch`` () =
    let x, y = dataset 37 3
    let run (b: Batcher) n = List.init n (fun _ -> let h = b.Next() in h.X, h.Y)
    use whole = new Batcher(x, 3, y, 5, 11, true)
    let first = run whole 9
    let saved = whole.Position
    let rest = run whole 12
    use resumed = new Batcher(x, 3, y, 5, 11, true)
    resumed.Restore saved
    Assert.Equal<(float32[] * int64[]) list>(rest, run resumed 12)
    // Rewinding the same batcher while it has a batch in flight.
    whole.Restore saved
    Assert.Equal<(float32[] * int64[]) list>(rest, run whole 12)
    whole.Restore(BatchPosition(0, 0L))
    Assert.Equal<(float32[] * int64[]) list>(first, run whole 9)
    Assert.Throws<UserInputException>(fun () -> whole.Restore(BatchPosition(0, 38L))) |> ignore

[<Fact>]
let ``Batches turns host batches into NCHW float32 and int64 tensors, from arrays or from plain tensors`` () =
    use scope = torch.NewDisposeScope()
    let x, y = dataset 12 (2 * 3 * 3)
    use host = TensorDataset.FromHost(x, ReadOnlySpan<int64>([| 2L; 3L; 3L |]), y)
    use plain = new TensorDataset(torch.tensor(x).reshape(12L, 2L, 3L, 3L), torch.tensor(y))
    use a = new Batches(host, 4, 5, true, Nullable true)
    use b = new Batches(plain, 4, 5, true)
    for _ in 1 .. 5 do
        let struct (xa, ya) = a.Next()
        let struct (xb, yb) = b.Next()
        Assert.Equal<int64[]>([| 4L; 2L; 3L; 3L |], xa.shape)
        Assert.Equal(torch.ScalarType.Float32, xa.dtype)
        Assert.Equal(torch.ScalarType.Int64, ya.dtype)
        Assert.True(xa.eq(xb).all().item<bool>())
        Assert.True(ya.eq(yb).all().item<bool>())
        // Each row is the dataset row its label and first value name.
        let first = int (xa.reshape(-1L).[0L].item<float32>()) / 100
        Assert.True(xa.[0L].eq(host.X.[int64 first]).all().item<bool>())
    Assert.Equal(1, a.Epoch)
    Assert.Equal(8L, a.Index)

[<Fact>]
let ``Prefetcher hands items over in order, one ahead, counts the consumer's waiting and passes errors on`` () =
    let n = ref 0
    use p = new Prefetcher<int>(fun () -> Thread.Sleep 20; n.Value <- n.Value + 1; n.Value)
    let items = List.init 5 (fun _ -> p.Take())
    Assert.Equal<int list>([ 1 .. 5 ], items)
    Assert.True(p.Waited.TotalMilliseconds >= 50.0, sprintf "waited %A" p.Waited)
    // A consumer slower than the producer finds the next item ready.
    let before = p.Waited
    for _ in 1 .. 3 do
        Thread.Sleep 100
        p.Take() |> ignore
    Assert.True((p.Waited - before).TotalMilliseconds < 60.0, sprintf "waited %A while the batch was ready" (p.Waited - before))
    use failing = new Prefetcher<int>(fun () -> raise (InvalidOperationException "boom"))
    Assert.Throws<InvalidOperationException>(fun () -> failing.Take() |> ignore) |> ignore

[<Fact>]
let ``An idle prefetcher lets its worker thread go and starts a new one when asked again`` () =
    let n = ref 0
    use p = new Prefetcher<int>((fun () -> n.Value <- n.Value + 1; n.Value), TimeSpan.FromMilliseconds 30.0)
    Assert.Equal(1, p.Take())
    Assert.True(p.WorkerRunning)
    let deadline = DateTime.UtcNow.AddSeconds 3.0
    while p.WorkerRunning && DateTime.UtcNow < deadline do Thread.Sleep 10
    Assert.False(p.WorkerRunning, "the worker should exit after 30 ms without a request")
    Assert.Equal<int list>([ 2; 3; 4 ], List.init 3 (fun _ -> p.Take()))

let private seed000 count =
    Gaussian2dDataIr(
        ImmutableArray.Create(1.0, 2.0),
        ImmutableArray.Create(ImmutableArray.Create(1.0, 2.0), ImmutableArray.Create(-0.1, 0.5)),
        count)

[<Fact>]
let ``Seed 000's Gaussian: 1,000 points with mean b and covariance AᵀA, identical for a seed and different across seeds`` () =
    use d = Gaussian2dData.Points(seed000 1000, 0)
    let p = d.HostX
    Assert.Equal(2000, p.Length)
    let xs = Array.init 1000 (fun i -> float p.[2 * i])
    let ys = Array.init 1000 (fun i -> float p.[2 * i + 1])
    let mx, my = Array.average xs, Array.average ys
    let cov (a: float[]) ma (b: float[]) mb = Array.fold2 (fun s u v -> s + (u - ma) * (v - mb)) 0.0 a b / 999.0
    // AᵀA = [[1.01, 1.95], [1.95, 4.25]]; tolerances are four standard errors for n = 1,000.
    Assert.InRange(mx, 1.0 - 0.13, 1.0 + 0.13)
    Assert.InRange(my, 2.0 - 0.26, 2.0 + 0.26)
    Assert.InRange(cov xs mx xs mx, 1.01 - 0.18, 1.01 + 0.18)
    Assert.InRange(cov xs mx ys my, 1.95 - 0.36, 1.95 + 0.36)
    Assert.InRange(cov ys my ys my, 4.25 - 0.76, 4.25 + 0.76)
    use again = Gaussian2dData.Points(seed000 1000, 0)
    use other = Gaussian2dData.Points(seed000 1000, 1)
    Assert.Equal<float32[]>(p, again.HostX)
    Assert.NotEqual<float32[]>(p, other.HostX)
