/// Helpers shared by the commands that read specs: --set parsing and diagnostic printing.
module Gan.Cli.SpecArgs

open System.Collections.Generic
open System.Text.Json.Nodes
open Gan.Dsl
open Gan.Dsl.Diagnostics
open Gan.Runtime.Errors

/// Parses `name=value` pairs from --set; a malformed or repeated pair is bad input.
let overrides (pairs: string list) : IReadOnlyDictionary<string, string> =
    let d = Dictionary<string, string>()
    for p in pairs do
        match p.IndexOf '=' with
        | i when i > 0 ->
            let name = p.Substring(0, i).Trim()
            if d.ContainsKey name then
                raise (UserInputException(sprintf "--set %s: '%s' is already set to %s by an earlier --set; give each param once"
                                                  p name d.[name]))
            d.[name] <- p.Substring(i + 1).Trim()
        | _ -> raise (UserInputException(sprintf "--set %s: expected name=value, e.g. --set lr=1e-4" p))
    d :> IReadOnlyDictionary<string, string>

let diagnosticJson (d: Diagnostic) =
    let struct (line, col) = d.Position
    let o = JsonObject()
    o.["path"] <- JsonValue.Create d.Source.Path
    o.["line"] <- JsonValue.Create(line: int)
    o.["col"] <- JsonValue.Create(col: int)
    o.["offset"] <- JsonValue.Create d.Span.Start
    o.["length"] <- JsonValue.Create d.Span.Length
    o.["severity"] <- JsonValue.Create(if d.IsError then "error" else "warning")
    o.["code"] <- JsonValue.Create d.Code
    o.["message"] <- JsonValue.Create d.Message
    o

/// Prints diagnostics to stderr in the compiler format, with the source line and a caret underline.
let printDiagnostics (diagnostics: Diagnostic seq) =
    for d in diagnostics do
        eprintfn "%s" (d.Format true)

/// Indented, and readable: "N×784" and "'x'" stay as written (still valid JSON, UTF-8 on stdout).
let jsonOptions =
    System.Text.Json.JsonSerializerOptions(
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

/// Loads a spec with --set pairs; a spec with errors prints them and is bad input (the commands that build or emit it).
let loadChecked (specPath: string) (pairs: string list) =
    let spec = GanSpec.Load(specPath, overrides pairs)
    if spec.HasErrors then
        printDiagnostics spec.Diagnostics
        raise (UserInputException(sprintf "%s has errors; run `gan check %s`" specPath specPath))
    spec
