/// `gan shapes SPEC`: each network's layers with output shapes and trainable parameter counts.
module Gan.Cli.Commands.Shapes

open System.Text.Json.Nodes
open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Runtime

type Args =
    | [<MainCommand; ExactlyOnce>] Spec of spec: string
    | Json
    | Set of assignment: string
    | Root of dir: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Spec _ -> "the .gan file."
            | Json ->
                "print {\"networks\": {\"G\": {\"params\": N, \"layers\": [{\"name\",\"op\",\"shape\",\"params\"}...]}}, "
                + "\"ema_copies\": {\"G_ema\": \"G\"}, "
                + "\"memory\": {\"batch\", \"total_bytes\", ...}} (memory: the estimate gan train checks, at the spec's batch)."
            | Set _ -> "override a param, e.g. --set latent_dim=64 (repeatable)."
            | Root _ -> "the project root: the files the spec names (use, images) must lie under it (default: the spec's folder)."

/// The estimate `gan train` checks, as JSON: each part in bytes and the largest layer.
let private memoryJson (m: MemoryEstimate) =
    let o = JsonObject()
    o.["batch"] <- JsonValue.Create m.Batch
    o.["device"] <- JsonValue.Create m.Device
    for name, bytes in
        [ "total_bytes", m.TotalBytes; "parameter_bytes", m.ParameterBytes; "gradient_bytes", m.GradientBytes
          "optimizer_bytes", m.OptimizerBytes; "activation_bytes", m.ActivationBytes; "data_bytes", m.DataBytes
          "runtime_bytes", m.RuntimeBytes; "largest_layer_bytes", m.LargestLayerBytes ] do
        o.[name] <- JsonValue.Create bytes
    o.["largest_layer"] <- JsonValue.Create m.LargestLayer
    o

let run (args: ParseResults<Args>) =
    let spec = GanSpec.Load(args.GetResult Spec, SpecArgs.overrides (args.GetResults Set), Option.toObj (args.TryGetResult Root))
    if spec.HasErrors then
        SpecArgs.printDiagnostics spec.Diagnostics
        ExitCodes.BadInput
    else
        if args.Contains Json then
            let nets = JsonObject()
            for n in spec.Networks do
                let layers = JsonArray()
                for row in n.Layers do
                    let o = JsonObject()
                    o.["name"] <- JsonValue.Create row.Name
                    o.["op"] <- JsonValue.Create row.Kind
                    o.["shape"] <- JsonValue.Create row.Shape
                    o.["params"] <- JsonValue.Create row.Parameters
                    layers.Add o
                let o = JsonObject()
                o.["params"] <- JsonValue.Create n.Parameters
                o.["layers"] <- layers
                nets.[n.Name] <- o
            let root = JsonObject()
            root.["networks"] <- nets
            let emas = JsonObject()
            for KeyValue(copy, net) in spec.EmaCopies do emas.[copy] <- JsonValue.Create net
            root.["ema_copies"] <- emas
            root.["memory"] <- memoryJson (MemoryEstimate.For spec)
            printfn "%s" (root.ToJsonString SpecArgs.jsonOptions)
        else
            for n in spec.Networks do
                printfn "network %s(%s)" n.Name (String.concat ", " n.Inputs)
                printfn "  %-22s %-18s %-18s %12s" "layer" "op" "output" "params"
                for row in n.Layers do
                    printfn "  %-22s %-18s %-18s %12s" row.Name row.Kind row.Shape (row.Parameters.ToString "N0")
                for KeyValue(name, node) in n.Outputs do
                    printfn "  output %s = %s" name node
                printfn "  total trainable parameters: %s\n" (n.Parameters.ToString "N0")
            for KeyValue(copy, net) in spec.EmaCopies do
                printfn "%s: EMA copy of %s, not trained (same layers; its weights are not counted above)\n" copy net
            printfn "%s" ((MemoryEstimate.For spec).Describe())
            SpecArgs.printDiagnostics spec.Diagnostics
        ExitCodes.Ok
