module Gan.Tests.Dsl.SuggestionTests

open Gan.Tests

open System.IO
open global.Xunit
open Gan.Dsl
open Gan.Dsl.Diagnostics

[<Fact>]
let ``A swap of two neighbouring letters counts as one edit`` () =
    Assert.Equal(1, Suggest.Distance("tahn", "tanh"))
    Assert.Equal(1, Suggest.Distance("trian", "train"))
    Assert.Equal(2, Suggest.Distance("abcd", "badc"))
    Assert.Equal(3, Suggest.Distance("", "abc"))
    Assert.Equal<string>("tanh", Suggest.Closest("tahn", [ "tanh"; "relu"; "elu" ]))
    Assert.Null(Suggest.Closest("conv", [ "tanh"; "relu" ]))

[<Fact>]
let ``Misspelt layers and choices get a did-you-mean with the intended word`` () =
    let path = Path.Combine(TestFiles.goldenRoot, "200-names", "misspelt-choices.gan")
    let messages = Compilation.CompileFile(path).Diagnostics |> Seq.map (fun d -> d.Message) |> List.ofSeq
    for word in [ "train"; "tanh"; "same" ] do
        Assert.True(messages |> List.exists (fun m -> m.EndsWith(sprintf "did you mean '%s'?" word)),
                    sprintf "no suggestion of '%s' in:\n%s" word (String.concat "\n" messages))
