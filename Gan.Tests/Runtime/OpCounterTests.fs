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
