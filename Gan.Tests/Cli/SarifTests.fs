/// `gan check --format sarif`: the fields GitHub code scanning requires, checked structurally, and the log validated by
/// Microsoft's SARIF multitool (npm's @microsoft/sarif-multitool, installed on first use outside the repository).
module Gan.Tests.Cli.SarifTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Gan.Tests
open Gan.Tests.Cli.Process

let private spec = "Gan.Tests/Golden/800-reports/error-and-warning.gan"

let private sarif (args: string list) =
    let _, out, _ = gan ([ "check"; "--format"; "sarif" ] @ args)
    JsonNode.Parse out

let private str (n: JsonNode) = n.GetValue<string>()

[<Fact>]
let ``The SARIF log has every property GitHub code scanning requires, a rule per diagnostic code, and results: [] when clean`` () =
    let log = sarif [ spec ]
    Assert.Equal("https://json.schemastore.org/sarif-2.1.0.json", str log.["$schema"])
    Assert.Equal("2.1.0", str log.["version"])
    let run = log.["runs"].[0]
    let driver = run.["tool"].["driver"]
    Assert.Equal("gan", str driver.["name"])
    Assert.Equal("https://github.com/gandsl/gandsl", str driver.["informationUri"])
    Assert.StartsWith("0.1.0", str driver.["semanticVersion"])
    Assert.Equal(str driver.["version"], str driver.["semanticVersion"])
    Assert.Equal("utf16CodeUnits", str run.["columnKind"])
    let root = str run.["originalUriBaseIds"].["%SRCROOT%"].["uri"]
    Assert.Equal(Uri(TestFiles.repoRoot.TrimEnd('/') + "/").AbsoluteUri, root)
    Assert.EndsWith("/", root)
    let rules = driver.["rules"].AsArray() |> Seq.toArray
    let codes = Gan.Dsl.Diagnostics.Descriptors.All |> Seq.map (fun d -> d.Id) |> Seq.distinct |> Seq.sort |> Seq.toArray
    Assert.Equal<string[]>(codes, rules |> Array.map (fun r -> str r.["id"]))
    for r in rules do
        let id = str r.["id"]
        for path in [ "name"; "shortDescription.text"; "fullDescription.text"; "help.text"; "help.markdown"
                      "defaultConfiguration.level" ] do
            let node = path.Split '.' |> Array.fold (fun (n: JsonNode) k -> if isNull n then null else n.[k]) r
            Assert.True(not (isNull node) && str node <> "", sprintf "rule %s has no %s" id path)
        Assert.Contains("Fix: ", str r.["help"].["text"])
        Assert.Contains("/blob/main/docs/language.md#" + id.ToLowerInvariant() + "-", str r.["help"].["markdown"])
    // The anchors are GitHub's for the manual's headings: "### GAN0306 (error): a network output does not fit the loss it feeds".
    let r0306 = rules |> Array.find (fun r -> str r.["id"] = "GAN0306")
    Assert.EndsWith("docs/language.md#gan0306-error-a-network-output-does-not-fit-the-loss-it-feeds", str r0306.["helpUri"])
    Assert.Contains("Feed the loss the head it expects", str r0306.["help"].["text"])
    let results = run.["results"].AsArray() |> Seq.toArray
    Assert.Equal(4, results.Length)
    for res in results do
        let id = str res.["ruleId"]
        Assert.Equal(id, str rules.[res.["ruleIndex"].GetValue<int>()].["id"])
        Assert.Contains(str res.["level"], [ "error"; "warning" ])
        Assert.False(String.IsNullOrEmpty(str res.["message"].["text"]))
        let loc = res.["locations"].[0].["physicalLocation"]
        Assert.Equal(spec, str loc.["artifactLocation"].["uri"])
        Assert.Equal("%SRCROOT%", str loc.["artifactLocation"].["uriBaseId"])
    // `D(real)` on line 16 from column 26: seven characters, so the end column (one past the last) is 33.
    let region = results.[1].["locations"].[0].["physicalLocation"].["region"]
    let place = [ for k in [ "startLine"; "startColumn"; "endLine"; "endColumn" ] -> region.[k].GetValue<int>() ]
    Assert.Equal<int list>([ 16; 26; 16; 33 ], place)
    let clean = sarif [ "specs/gaussian2d.gan" ]
    let cleanResults = clean.["runs"].[0].["results"]
    Assert.NotNull cleanResults
    Assert.Equal(0, cleanResults.AsArray().Count)

/// Where npm installs the validator: outside the repository, beside GanDsl's other caches.
let private npmPrefix =
    Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".cache", "gandsl", "npm")

let private multitool = Path.Combine(npmPrefix, "node_modules", "@microsoft", "sarif-multitool", "bin.js")

/// The validator, installed with npm on first use: (true, "") once it is there, else (false, why).
let private installed =
    lazy
        (if File.Exists multitool then true, ""
         else
            try
                let packages =
                    [ "@microsoft/sarif-multitool@5.7.0" ]
                    @ (if OperatingSystem.IsLinux() then [ "@microsoft/sarif-multitool-linux@5.7.0" ] else [])
                let code, out, err =
                    TestFiles.runProcess "npm"
                        ([ "install"; "--prefix"; npmPrefix; "--no-audit"; "--no-fund"; "--fetch-retries=1" ] @ packages)
                        TestFiles.repoRoot [] 300
                if code = 0 && File.Exists multitool then true, ""
                else
                    let errors = (out + err).Split('\n') |> Array.filter (fun l -> l.StartsWith "npm error") |> Array.truncate 3
                    false, sprintf "npm install exited %d: %s" code (String.Join(" / ", errors))
            with e -> false, e.Message)

let private reason () =
    sprintf "the SARIF validator @microsoft/sarif-multitool@5.7.0 is not installed in %s and npm could not install it (%s); "
        npmPrefix (snd installed.Value)
    + "run: npm install --prefix ~/.cache/gandsl/npm @microsoft/sarif-multitool@5.7.0"

/// A fact that runs only where npm has installed (or can install) the SARIF multitool.
type SarifMultitoolFactAttribute() as this =
    inherit FactAttribute()
    do if not (fst installed.Value) then this.Skip <- reason ()

/// Validates a SARIF file; returns the validator's findings of level error or warning, as "ruleId: message arguments".
let private validate (file: string) =
    let out = file + ".validation.sarif"
    let code, stdout, stderr =
        TestFiles.runProcess "node" [ multitool; "validate"; file; "--output"; out; "--log"; "ForceOverwrite" ]
            (Path.GetDirectoryName file) [] 300
    Assert.True((code = 0 && File.Exists out), sprintf "the validator failed (exit %d)\n%s\n%s" code stdout stderr)
    let log = JsonNode.Parse(File.ReadAllText out)
    [ for r in log.["runs"].[0].["results"].AsArray() do
        let level = match r.["level"] with null -> "warning" | l -> l.GetValue<string>()
        if level = "error" || level = "warning" then yield sprintf "%s (%s): %s" (str r.["ruleId"]) level (r.["message"].ToJsonString()) ]

[<SarifMultitoolFact>]
let ``Microsoft's SARIF multitool finds no error or warning in gan check's log, and does find them in a broken one`` () =
    let version (package: string) =
        JsonNode.Parse(File.ReadAllText(Path.Combine(npmPrefix, "node_modules", "@microsoft", package, "package.json"))).["version"]
    Assert.Equal("5.7.0", str (version "sarif-multitool"))
    if OperatingSystem.IsLinux() then Assert.Equal("5.7.0", str (version "sarif-multitool-linux"))
    TestFiles.withTempDir (fun dir ->
        for name, args in [ "findings.sarif", [ spec ]; "clean.sarif", [ "specs/gaussian2d.gan" ] ] do
            let file = Path.Combine(dir, name)
            let code, _, err = gan ([ "check"; "--format"; "sarif"; "--output"; file ] @ args)
            Assert.True(code <= 1, err)
            let findings = validate file
            Assert.True(findings.IsEmpty, sprintf "%s:\n%s" name (String.concat "\n" findings))
        // The validator is not vacuous: without the driver's version and a result's message it objects.
        let broken = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "findings.sarif")))
        broken.["runs"].[0].["tool"].["driver"].AsObject().Remove "version" |> ignore
        broken.["runs"].[0].["tool"].["driver"].AsObject().Remove "semanticVersion" |> ignore
        broken.["runs"].[0].["results"].[0].AsObject().["message"] <- JsonObject()
        let file = Path.Combine(dir, "broken.sarif")
        File.WriteAllText(file, broken.ToJsonString())
        let findings = validate file
        Assert.Contains(findings, fun f -> f.StartsWith "JSON")
        Assert.Contains(findings, fun f -> f.StartsWith "SARIF2005"))
