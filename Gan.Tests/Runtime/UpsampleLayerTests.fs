/// The upsample layer's CPU path through a channels-last view (Layers/UpsampleLayer.cs) against libtorch's own
/// F.interpolate on the NCHW image: the same values and gradients, to the bit.
module Gan.Tests.Runtime.UpsampleLayerTests

open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Runtime.Model.Layers
open Gan.Tests
open Gan.Tests.Generators
open Gan.Tests.Runtime.FlatOptimizerTests

let private coverage = Coverage()

[<Fact>]
let ``Upsampling through a channels-last view gives libtorch's own values and gradients, to the bit, for every image shape`` () =
    coverage.Clear()
    let prop (c: UpsampleCase) =
        use scope = torch.NewDisposeScope()
        let mode = if c.Bilinear then "bilinear" else "nearest"
        coverage.Note(if c.Channels > 1 then "channels-last path" else "one channel")
        coverage.Note("1×1 image", c.H = 1 && c.W = 1)
        coverage.Note mode
        let x = torch.randn([| int64 c.Batch; int64 c.Channels; int64 c.H; int64 c.W |])
        let a = x.clone().requires_grad_(true)
        let b = x.clone().requires_grad_(true)
        let ya = UpsampleBuilder.Upsample(a, c.Scale, mode)
        let yb =
            torch.nn.functional.interpolate(b, scale_factor = [| float c.Scale; float c.Scale |],
                                            mode = (if c.Bilinear then torch.InterpolationMode.Bilinear else torch.InterpolationMode.Nearest),
                                            align_corners = (if c.Bilinear then System.Nullable false else System.Nullable()))
        Assert.Equal<int64[]>(yb.shape, ya.shape)
        Assert.True(ya.is_contiguous(), "the layer's output is NCHW-contiguous, as libtorch's")
        if bitsOf ya <> bitsOf yb then failwithf "%A: the values differ" c
        let g = torch.randn(yb.shape)
        (ya * g).sum().backward()      // the gradient reaching each output is g
        (yb * g).sum().backward()
        if bitsOf a.grad <> bitsOf b.grad then failwithf "%A: the gradients differ" c
    Check.One(config.WithMaxTest(max 100 (cases / 2)), Prop.forAll (Arb.fromGenShrink (upsampleCaseGen, shrinkUpsample)) prop)
    coverage.Assert([ "channels-last path"; "one channel"; "1×1 image"; "bilinear"; "nearest" ], 2)
