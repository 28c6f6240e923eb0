/// The ATen operator counter (Profiling/OpCounter.cs): a libtorch RecordFunction callback, checked on operations whose
/// dispatcher calls are known.
module Gan.Tests.Runtime.OpCounterTests

open Xunit
open TorchSharp
open Gan.Runtime.Profiling

[<Fact>]
let ``The operator counter counts one call for an addition and an in-place multiply, per operator name, and nothing after it stops`` () =
    use a = torch.ones(4L)
    use b = torch.ones(4L)
    let n, names =
        use c = new OpCounter(byOperator = true)
        use s = a.add(b)
        s.mul_(torch.tensor(2.0f)) |> ignore
        c.Count, c.ByOperator()
    // add, the 0-dim tensor's creation (lift_fresh / scalar_tensor etc.) and mul_: at least the two named ones.
    Assert.Equal(1L, names.["aten::add"])
    Assert.Equal(1L, names.["aten::mul_"])
    Assert.True(n >= 2L, $"counted {n}")
    use c2 = new OpCounter()
    c2.Dispose()
    use _ = a.add(b)
    Assert.Equal(0L, c2.Count)

[<Fact>]
let ``The operator counter sees the backward pass's operators too`` () =
    use x = torch.ones(3L, requires_grad = true)
    use c = new OpCounter(byOperator = true)
    use y = x.mul(x).sum()
    let forward = c.Count
    y.backward()
    let names = c.ByOperator().Keys
    Assert.True(c.Count > forward, $"forward {forward}, with backward {c.Count}")
    Assert.Contains("aten::sum", names)
    Assert.Contains("aten::mul", names)

/// The profiler's records in one snapshot, by name.
let private profiled (work: unit -> unit) =
    use p = new OpProfiler()
    work ()
    p.Snapshot()

[<Fact>]
let ``The operator profiler's self times and the time outside every record add up to the wall time, nested records apart`` () =
    use a = torch.randn(384L, 384L)
    use b = torch.randn(384L, 384L)
    let spin ms =
        let sw = System.Diagnostics.Stopwatch.StartNew()
        while sw.Elapsed.TotalMilliseconds < ms do ()
    let struct (seconds, outside, byName, byPath) =
        profiled (fun () ->
            for _ in 1..5 do
                use c = a.matmul(b)      // aten::matmul, and the aten::mm nested in it
                spin 4.0)                // managed time: outside every record
    let t name = byName.[name]
    Assert.Equal(5L, (t "aten::matmul").Calls)
    Assert.Equal(5L, (t "aten::mm").Calls)
    // By path: the products ran inside matmul, which ran from .NET (no enclosing record); each name's paths split its totals.
    Assert.Equal(5L, byPath.[struct ("aten::mm", "aten::matmul")].Calls)
    Assert.Equal(5L, byPath.[struct ("aten::matmul", "")].Calls)
    for kv in byName do
        let parts = byPath |> Seq.filter (fun p -> (let struct (n, _) = p.Key in n) = kv.Key) |> Seq.map (fun p -> p.Value) |> List.ofSeq
        Assert.Equal(kv.Value.Calls, parts |> List.sumBy (fun v -> v.Calls))
        Assert.Equal(kv.Value.SelfTicks, parts |> List.sumBy (fun v -> v.SelfTicks))
    for kv in byName do
        Assert.True(kv.Value.SelfTicks >= 0L && kv.Value.SelfTicks <= kv.Value.TotalTicks, sprintf "%s: %A" kv.Key kv.Value)
    // matmul's own time excludes the product nested in it.
    Assert.True((t "aten::matmul").TotalTicks >= (t "aten::mm").TotalTicks)
    Assert.True((t "aten::matmul").SelfTicks <= (t "aten::matmul").TotalTicks - (t "aten::mm").TotalTicks)
    let ticks = float System.Diagnostics.Stopwatch.Frequency
    let selfSum = byName.Values |> Seq.sumBy (fun v -> float v.SelfTicks) |> fun s -> s / ticks
    Assert.True(outside >= 0.020, sprintf "outside %g s, five 4 ms spins" outside)
    Assert.True(abs (selfSum + outside - seconds) <= 1e-9 + 1e-9 * seconds,
                sprintf "self %g s + outside %g s <> wall %g s" selfSum outside seconds)

[<Fact>]
let ``The operator profiler times the backward's autograd nodes and stops with its owner`` () =
    use x = torch.randn([| 64L; 64L |], requires_grad = true)
    let struct (_, _, byName, _) =
        profiled (fun () ->
            use y = x.matmul(x).sum()
            y.backward())
    Assert.Contains("MmBackward0", byName.Keys)
    Assert.Contains("aten::mm", byName.Keys)
    Assert.True(byName.["aten::mm"].Calls >= 3L, sprintf "%A" byName.["aten::mm"])   // forward, and two in the backward
    let p = new OpProfiler()
    Assert.Throws<System.InvalidOperationException>(fun () -> new OpProfiler() |> ignore) |> ignore
    p.Dispose()
    use _ = x.add(x)
    let struct (_, _, after, _) = p.Snapshot()
    Assert.DoesNotContain("aten::add", after.Keys)
