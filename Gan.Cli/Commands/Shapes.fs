/// `gan shapes SPEC`: each network's layers with output shapes and trainable parameter counts.
module Gan.Cli.Commands.Shapes

open System.Text.Json.Nodes
open Argu
open Gan.Cli
open Gan.Dsl

type Args =
    | [<MainCommand; ExactlyOnce>] Spec of spec: string
    | Json
    | Set of assignment: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Spec _ -> "the .gan file."
            | Json -> "print {\"networks\": {\"G\": {\"params\": N, \"layers\": [{\"name\",\"op\",\"shape\",\"params\"}...]}}}."
            | Set _ -> "override a param, e.g. --set latent_dim=64 (repeatable)."

let run (args: ParseResults<Args>) =
    let r = Compilation.CompileFile(args.GetResult Spec, SpecArgs.overrides (args.GetResults Set))
    if r.HasErrors then
        SpecArgs.printDiagnostics r
        ExitCodes.BadInput
    else
        let ir = r.Ir
        if args.Contains Json then
            let nets = JsonObject()
            for n in ir.Networks do
                let layers = JsonArray()
                for row in r.Layers.[n.Name] do
                    let o = JsonObject()
                    o.["name"] <- JsonValue.Create row.Name
                    o.["op"] <- JsonValue.Create row.Op
                    o.["shape"] <- JsonValue.Create row.Shape
                    o.["params"] <- JsonValue.Create row.Params
                    layers.Add o
                let o = JsonObject()
                o.["params"] <- JsonValue.Create n.Parameters
                o.["layers"] <- layers
                nets.[n.Name] <- o
            let root = JsonObject()
            root.["networks"] <- nets
            printfn "%s" (root.ToJsonString SpecArgs.jsonOptions)
        else
            for n in ir.Networks do
                let inputs = n.Inputs |> Seq.map (fun i -> sprintf "%s: %s" i.Name (if i.Kind = Gan.Dsl.Ir.InputKind.Label then sprintf "label(%d)" i.Classes else Gan.Dsl.Shapes.Shape.Show i.Shape))
                printfn "network %s(%s)" n.Name (String.concat ", " inputs)
                printfn "  %-22s %-18s %-18s %12s" "layer" "op" "output" "params"
                for row in r.Layers.[n.Name] do
                    printfn "  %-22s %-18s %-18s %12s" row.Name row.Op row.Shape (row.Params.ToString "N0")
                for KeyValue(name, id) in n.Outputs |> Seq.sortBy (fun kv -> kv.Value) do
                    printfn "  output %s = %s" name n.Nodes.[id].Name
                printfn "  total trainable parameters: %s\n" (n.Parameters.ToString "N0")
            SpecArgs.printDiagnostics r
        ExitCodes.Ok
