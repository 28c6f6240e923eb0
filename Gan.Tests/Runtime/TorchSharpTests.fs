module Gan.Tests.Runtime.TorchSharpTests

open Gan.Tests

open Xunit
open TorchSharp

[<Fact>]
let ``TorchSharp loads libtorch and computes a matmul with its gradient`` () =
    use scope = torch.NewDisposeScope()
    let a = torch.tensor([| 1.0; 2.0; 3.0; 4.0 |], dtype = torch.float64).reshape(2L, 2L).requires_grad_(true)
    let b = torch.tensor([| 5.0; 6.0; 7.0; 8.0 |], dtype = torch.float64).reshape(2L, 2L)
    let c = a.matmul(b)                    // [[19, 22], [43, 50]]
    Assert.Equal(19.0, c.[0L, 0L].item<float>())
    Assert.Equal(50.0, c.[1L, 1L].item<float>())
    c.sum().backward()
    // d(sum(a@b))/da[i,k] = sum_j b[k,j]  ->  [[11, 15], [11, 15]]
    let g = a.grad
    Assert.Equal(11.0, g.[0L, 0L].item<float>())
    Assert.Equal(15.0, g.[1L, 1L].item<float>())
