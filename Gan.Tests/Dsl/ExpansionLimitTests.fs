/// The expansion limit (GAN0107) and the bounded "did you mean" search: a few lines of hostile text must not make the
/// compiler expand 2^30 layers, nor compare 100,000 names with 100,000 others, nor build the edit table of two huge names.
module Gan.Tests.Dsl.ExpansionLimitTests

open System.Diagnostics
open System.Text
open global.Xunit
open Gan.Dsl
open Gan.Dsl.Binding
open Gan.Dsl.Diagnostics
open Gan.Tests.HostileGenerators

/// Blocks b0 … b(levels-1), each calling the next twice (wrapped in `if true { … }` when asked); the last holds a layer.
let private fanOut (levels: int) (withIfs: bool) =
    let sb = StringBuilder()
    for i in 0 .. levels - 2 do
        let calls = $"b{i + 1} b{i + 1}"
        sb.Append(if withIfs then $"block b{i}() {{ if true {{ {calls} }} }}\n" else $"block b{i}() {{ {calls} }}\n") |> ignore
    sb.Append($"block b{levels - 1}() {{ linear(2) }}\n") |> ignore
    sb.ToString()

/// The one diagnostic a spec past the expansion limit must give: GAN0107 at the offset, and nothing else.
let private assertOneAt = assertOnlyAt "GAN0107" "1,000,000 statements"

[<Fact>]
let ``The limit counts statements and stops for good once passed`` () =
    let e = Expansion(readOnlyDict [])
    Assert.True(e.Take(int64 Expansion.MaxStatements))
    Assert.False(e.Take 1L)
    Assert.True e.Exhausted
    Assert.False(e.Take 0L)

[<Fact>]
let ``A block calling another twice, 30 deep (2^30 layers), gives one GAN0107 at G's call, in seconds`` () =
    let text = spec (fanOut 30 false) "  linear(2)\n  b0\n  linear(2)\n" "bce_logits(D(G(z)), 1)"
    let clock = Stopwatch.StartNew()
    let r = compile text
    assertOneAt r (text.IndexOf "  b0\n" + 2)
    Assert.True(clock.Elapsed.TotalSeconds < 20.0, $"took {clock.Elapsed.TotalSeconds:F1} s")

[<Fact>]
let ``The same fan-out through ifs is counted as it expands and stops at the limit, once`` () =
    let text = spec (fanOut 30 true) "  if true {\n    b0\n  }\n" "bce_logits(D(G(z)), 1)"
    let clock = Stopwatch.StartNew()
    let r = compile text
    assertOneAt r (text.IndexOf "  if true {\n    b0" + 2)
    Assert.True(clock.Elapsed.TotalSeconds < 60.0, $"took {clock.Elapsed.TotalSeconds:F1} s")

[<Fact>]
let ``The limit is the spec's: G's 393,216 statements and D's 786,431 pass it at D's call`` () =
    // b0 expands to 786,430 statements (2^18 layers and the calls between), b1 to half that: each alone is within the limit.
    let blocks = fanOut 19 false
    let text =
        spec blocks "  b1\n  linear(2)\n" "bce_logits(D(G(z)), 1)"
        |> fun t -> t.Replace("network D(x: [2]) {\n  linear(1)\n}", "network D(x: [2]) {\n  b0\n  linear(1)\n}")
    let r = compile text
    assertOneAt r (text.IndexOf "network D(x: [2]) {\n  b0" + "network D(x: [2]) {\n  ".Length)

[<Fact>]
let ``Names longer than 64 characters get no suggestion, and two 5 MB names no edit table`` () =
    let name = String.replicate 64 "a"
    Assert.Equal<string>(name, Suggest.Closest(name.Substring 1 + "b", [ name ]))
    Assert.Null(Suggest.Closest(name + "b", [ name ]))
    Assert.Equal<string>("abcdefgh", Suggest.Closest("abcdefhg", [ "abcdefgh" ]))
    let huge = System.String('x', 5_000_000)
    let clock = Stopwatch.StartNew()
    Assert.Null(Suggest.Closest(huge, [ huge + "y" ]))
    Assert.True(clock.Elapsed.TotalSeconds < 1.0)

[<Fact>]
let ``Suggestions read a bounded number of candidates and share one budget`` () =
    let many = [ for i in 0 .. 99_999 -> $"name{i}" ] @ [ "target" ]
    Assert.Equal<string>("name5", Suggest.Closest("name5x", many))         // among the first candidates read
    Assert.Equal<string>("target", Suggest.Closest("targte", [ "target" ]))
    Assert.Null(Suggest.Closest("targte", many))                             // past the candidates read
    let spent = Suggest.Budget(100L)
    Assert.Null(Suggest.Closest("name5x", many, spent))                      // the budget runs out first
    Assert.Null(Suggest.Closest("name0", [ "name0" ], spent))                // and stays out

[<Fact>]
let ``100,000 unknown names against 100,000 params are one GAN0201 each, without quadratic suggestion work`` () =
    let sb = StringBuilder "param p0 = 1\n"
    for i in 1 .. 99_999 do sb.Append($"param p{i} = {i}\n") |> ignore
    for i in 0 .. 99_999 do sb.Append($"param q{i} = pp{i} + 1\n") |> ignore
    let clock = Stopwatch.StartNew()
    let r = compile (spec (sb.ToString()) "  linear(2)\n" "bce_logits(D(G(z)), 1)")
    Assert.Equal(100_000, r.Diagnostics.Count)
    Assert.All(r.Diagnostics, fun d -> Assert.Equal("GAN0201", d.Code))
    Assert.EndsWith("did you mean 'p0'?", r.Diagnostics.[0].Message)
    Assert.True(clock.Elapsed.TotalSeconds < 30.0, $"took {clock.Elapsed.TotalSeconds:F1} s")
