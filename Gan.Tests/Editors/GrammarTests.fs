/// The VS Code extension's TextMate grammar (editors/vscode/syntaxes/gan.tmLanguage.json) against the compiler's own
/// catalogues: a layer kind, loss function, item keyword, data source, latent distribution, optimiser, initialiser or
/// augmentation policy added to (or removed from) the compiler fails here until the grammar's list says the same.
module Gan.Tests.Editors.GrammarTests

open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open Gan.Dsl.Binding
open Gan.Dsl.Layers
open Gan.Dsl.Losses
open Gan.Dsl.Syntax
open Gan.Tests

let private extension = Path.Combine(TestFiles.repoRoot, "editors", "vscode")
let private grammarPath = Path.Combine(extension, "syntaxes", "gan.tmLanguage.json")
let private grammar = lazy (JsonDocument.Parse(File.ReadAllText grammarPath).RootElement)
let private manifest = lazy (JsonDocument.Parse(File.ReadAllText(Path.Combine(extension, "package.json"))).RootElement)

let private repository (key: string) =
    match grammar.Value.GetProperty("repository").TryGetProperty key with
    | true, entry -> entry
    | _ -> failwithf "%s has no repository entry '%s'" grammarPath key

/// The regexes of a repository entry: its own match, or those of its patterns.
let private matches (entry: JsonElement) =
    match entry.TryGetProperty "match" with
    | true, m -> [ m.GetString() ]
    | _ -> [ for p in entry.GetProperty("patterns").EnumerateArray() -> p.GetProperty("match").GetString() ]

/// The words of an entry's alternations, `(?:a|b|c)`, over all its regexes.
let private words (key: string) =
    [ for m in matches (repository key) do
          let alternation = Regex.Match(m, @"\(\?:([a-z0-9_|]+)\)")
          Assert.True(alternation.Success, sprintf "repository.%s: no (?:a|b|...) list in the regex %s" key m)
          yield! alternation.Groups[1].Value.Split '|' ]

/// The grammar's list under KEY names exactly the compiler's names: none missing, none stale, none twice.
let private same (key: string) (source: string) (compiler: seq<string>) =
    let listed = words key
    let grammarSet, compilerSet = Set.ofList listed, Set.ofSeq compiler
    let twice = listed |> List.countBy id |> List.filter (fun (_, n) -> n > 1) |> List.map fst
    Assert.True(
        (grammarSet = compilerSet && twice.IsEmpty),
        sprintf
            "editors/vscode/syntaxes/gan.tmLanguage.json, repository.%s, disagrees with %s. Missing from the grammar: %A; \
             in the grammar but not the compiler: %A; listed twice: %A. Fix the grammar's list (keep each regex line under \
             140 characters by splitting it into another pattern) and add a case to editors/vscode/test/grammar/*.test.gan."
            key source (Set.toList (compilerSet - grammarSet)) (Set.toList (grammarSet - compilerSet)) twice)

let catalogues: obj[] list =
    [ [| "layers" |]; [| "losses" |]; [| "item-keywords" |]; [| "data-sources" |]; [| "latent-distributions" |]
      [| "optimizers" |]; [| "initializers" |]; [| "augment-policies" |] ]

[<Theory>]
[<MemberData(nameof catalogues)>]
let ``The grammar's list names exactly the compiler's catalogue`` (key: string) =
    match key with
    | "layers" -> same key "LayerRegistry.Kinds (Gan.Dsl/Layers)" LayerRegistry.Kinds.Keys
    | "losses" -> same key "LossPrimitives.FunctionNames (Gan.Dsl/Losses/LossPrimitives.cs)" LossPrimitives.FunctionNames
    | "item-keywords" -> same key "Parser.ItemKeywords (Gan.Dsl/Syntax/Parser.cs)" Parser.ItemKeywords
    | "data-sources" -> same key "Sources.Data (Gan.Dsl/Binding/Sources.cs)" Sources.Data.Keys
    | "latent-distributions" -> same key "Sources.Latents (Gan.Dsl/Binding/Sources.cs)" Sources.Latents.Keys
    | "optimizers" -> same key "Sources.Optimizers (Gan.Dsl/Binding/Sources.cs)" Sources.Optimizers.Keys
    | "initializers" -> same key "Inits.Names (Gan.Dsl/Binding/Inits.cs)" Inits.Names
    | "augment-policies" -> same key "AugmentPolicies.Names (Gan.Dsl/Losses/AugmentPolicies.cs)" AugmentPolicies.Names
    | other -> failwithf "no catalogue for %s" other

[<Fact>]
let ``Each declaration rule starts with an item keyword of the parser`` () =
    let declared =
        [ for m in matches (repository "declarations") do
              let kw = Regex.Match(m, @"^\^\\s\*\(([a-z]+)\)")
              Assert.True(kw.Success, sprintf "repository.declarations: %s does not start with ^\\s*(keyword)" m)
              kw.Groups[1].Value ]
    Assert.NotEmpty declared
    for kw in declared do
        Assert.True(Parser.ItemKeywords.Contains kw, sprintf "repository.declarations names '%s', which is no item keyword" kw)

/// Every scope name in the grammar, at any depth.
let rec private scopeNames (e: JsonElement) : string list =
    match e.ValueKind with
    | JsonValueKind.Object ->
        [ for p in e.EnumerateObject() do
              if p.Name = "name" && p.Value.ValueKind = JsonValueKind.String then yield p.Value.GetString()
              else yield! scopeNames p.Value ]
    | JsonValueKind.Array -> [ for x in e.EnumerateArray() do yield! scopeNames x ]
    | _ -> []

[<Fact>]
let ``Every scope of the grammar ends in .gan and every include names an entry of its repository`` () =
    let scopes = scopeNames (grammar.Value.GetProperty "repository") @ scopeNames (grammar.Value.GetProperty "patterns")
    Assert.True(scopes.Length > 40, sprintf "only %d scopes" scopes.Length)
    for s in scopes do
        for part in s.Split ' ' do
            Assert.True(part.EndsWith ".gan", sprintf "the scope '%s' does not end in .gan" s)
    let text = File.ReadAllText grammarPath
    for m in Regex.Matches(text, "\"include\": \"#([a-z-]+)\"") do
        repository m.Groups[1].Value |> ignore

[<Fact>]
let ``package.json contributes the gan language, its configuration and the grammar of scope source.gan`` () =
    let m = manifest.Value
    let contributes = m.GetProperty "contributes"
    let language = contributes.GetProperty("languages").[0]
    Assert.Equal("gan", language.GetProperty("id").GetString())
    Assert.Equal<string list>([ ".gan" ], [ for e in language.GetProperty("extensions").EnumerateArray() -> e.GetString() ])
    let config = JsonDocument.Parse(File.ReadAllText(Path.Combine(extension, language.GetProperty("configuration").GetString())))
    Assert.Equal("#", config.RootElement.GetProperty("comments").GetProperty("lineComment").GetString())
    let g = contributes.GetProperty("grammars").[0]
    Assert.Equal("gan", g.GetProperty("language").GetString())
    Assert.Equal("source.gan", g.GetProperty("scopeName").GetString())
    Assert.Equal("source.gan", grammar.Value.GetProperty("scopeName").GetString())
    Assert.Equal(Path.GetFullPath grammarPath, Path.GetFullPath(Path.Combine(extension, g.GetProperty("path").GetString())))
    Assert.Contains("onLanguage:gan", [ for e in m.GetProperty("activationEvents").EnumerateArray() -> e.GetString() ])
    Assert.Equal("./dist/extension.js", m.GetProperty("main").GetString())
    let settings = contributes.GetProperty("configuration").GetProperty("properties")
    for s in [ "gan.path"; "gan.set"; "gan.trace.server" ] do
        Assert.True(fst (settings.TryGetProperty s), sprintf "package.json contributes no setting %s" s)
