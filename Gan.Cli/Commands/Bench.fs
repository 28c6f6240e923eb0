/// `gan bench SPEC`: how fast a spec trains on this machine (throughput, phases, memory, operators, FLOPs against sgemm).
module Gan.Cli.Commands.Bench

open System
open System.Globalization
open System.Text.Json.Nodes
open Argu
open Gan.Cli
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors

type Args =
    | [<MainCommand; ExactlyOnce>] Spec of spec: string
    | Device of string
    | Batch of int
    | Steps of int
    | Seconds of float
    | Synthetic
    | Json
    | Threads of int
    | Set of assignment: string
    | Force
    | Profile

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Spec _ -> "the .gan spec to time."
            | Device _ -> "cpu (default) or cuda."
            | Batch _ -> "batch size (default: the spec's)."
            | Steps _ -> "time exactly N iterations after the warm-up (default: as many as fit in --seconds)."
            | Seconds _ -> "the time box of the timed iterations when --steps is not given (default 8)."
            | Synthetic -> "train on random data of the spec's shape even when its dataset is on this machine."
            | Json -> "print the figures as one JSON object (bytes, milliseconds per iteration, GFLOP/s)."
            | Threads _ -> "libtorch's threads (default: libtorch's choice, as gan train uses; OMP_NUM_THREADS sets it too)."
            | Set _ -> "override a param, e.g. --set latent_dim=64 (repeatable)."
            | Force -> "run even when the memory estimate exceeds the memory available."
            | Profile ->
                "then profile further iterations: each ATen operator's and autograd node's self time per iteration (linux-x64)."

let private inv (format: string) (v: float) = v.ToString(format, CultureInfo.InvariantCulture)
let private mib (bytes: int64) = inv "N1" (float bytes / 1048576.0) + " MiB"

let private json (r: BenchResult) =
    let o = JsonObject()
    let num (name: string) (v: float) = o.[name] <- JsonValue.Create v
    o.["spec"] <- JsonValue.Create r.Spec
    o.["device"] <- JsonValue.Create r.Device
    o.["threads"] <- JsonValue.Create r.Threads
    o.["batch"] <- JsonValue.Create r.Batch
    o.["data"] <- JsonValue.Create r.Data
    o.["real_data"] <- JsonValue.Create r.RealData
    o.["warmup_iterations"] <- JsonValue.Create r.WarmupIterations
    o.["iterations"] <- JsonValue.Create r.Iterations
    num "seconds" r.Seconds
    num "images_per_s" r.ImagesPerSecond
    num "ms_per_iteration" r.MsPerIteration
    num "median_ms_per_iteration" r.MedianMsPerIteration
    let phases = JsonObject()
    for name, v in [ "data", r.DataMs; "forward", r.ForwardMs; "backward", r.BackwardMs; "optimizer", r.OptimizerMs; "other", r.OtherMs ] do
        phases.[name] <- JsonValue.Create(v: float)
    o.["phase_ms"] <- phases
    o.["synchronized"] <- JsonValue.Create r.Synchronized
    o.["peak_rss_bytes"] <- JsonValue.Create r.PeakRssBytes
    o.["rss_bytes"] <- JsonValue.Create r.RssBytes
    o.["estimate_bytes"] <- JsonValue.Create r.EstimateBytes
    o.["cuda_memory_bytes"] <- (if r.CudaMemoryBytes.HasValue then JsonValue.Create r.CudaMemoryBytes.Value else null)
    o.["cuda_memory_note"] <- (match r.CudaMemoryNote with null -> null | n -> JsonValue.Create n)
    o.["ops_per_iteration"] <- (if Double.IsNaN r.OpsPerIteration then null else JsonValue.Create r.OpsPerIteration)
    o.["counted_iterations"] <- JsonValue.Create r.CountedIterations
    num "flops_per_iteration" r.FlopsPerIteration
    num "gflops" r.Gflops
    num "sgemm_gflops" r.SgemmGflops
    o.["sgemm_shape"] <- JsonValue.Create r.SgemmShape
    num "sgemm_fraction" r.SgemmFraction
    o.["flops_note"] <- JsonValue.Create r.FlopsNote
    o.["linear_products"] <- (match r.LinearProducts with null -> null | d -> JsonValue.Create d)
    let fields (pairs: (string * JsonNode) list) =
        let e = JsonObject()
        for name, value in pairs do e.[name] <- value
        e
    let value (v: 'T) = JsonValue.Create v :> JsonNode
    o.["profile"] <-
        match r.Profile with
        | null -> null
        | p ->
            let path (v: OperatorPath) = fields [ "via", value v.Via; "calls", value v.Calls; "self_ms", value v.SelfMs ]
            let operator (t: OperatorTime) =
                fields [ "name", value t.Name; "calls", value t.Calls; "self_ms", value t.SelfMs; "total_ms", value t.TotalMs
                         "paths", JsonArray([| for v in t.Paths -> path v :> JsonNode |]) ]
            fields [ "iterations", value p.Iterations; "ms_per_iteration", value p.MsPerIteration; "outside_ms", value p.OutsideMs
                     "host_times", value p.HostTimes
                     "operators", JsonArray([| for t in p.Operators -> operator t :> JsonNode |]) ]
    o.["profile_note"] <- (match r.ProfileNote with null -> null | n -> JsonValue.Create n)
    o.ToJsonString SpecArgs.jsonOptions

/// The profile's longest self times, the rest in one line, and the time outside every record.
let private profile (p: BenchProfile) =
    let top = 15
    let what =
        if p.HostTimes then "host time per iteration (kernels run asynchronously: host time near the iteration's means launch-bound)"
        else "self time per iteration"
    printfn "  profile:     %d iterations under libtorch's operator callbacks, %s ms each (the callbacks cost time); %s:"
        p.Iterations (inv "F3" p.MsPerIteration) what
    let share v = if p.MsPerIteration > 0.0 then inv "F1" (100.0 * v / p.MsPerIteration) + "%" else ""
    let row (name: string) (calls: string) (v: float) = printfn "    %-64s %10s %10s ms %7s" name calls (inv "F3" v) (share v)
    for t in Seq.truncate top p.Operators do
        row t.Name (inv "F1" t.Calls + " calls") t.SelfMs
        // Where most of its time went, when it ran inside other records.
        match Seq.tryHead t.Paths with
        | Some path when path.Via <> "" ->
            printfn "      in %s: %s calls, %s ms" path.Via (inv "F1" path.Calls) (inv "F3" path.SelfMs)
        | _ -> ()
    let rest = p.Operators |> Seq.skip (min top p.Operators.Count) |> List.ofSeq
    if not rest.IsEmpty then
        row (sprintf "%d more records" rest.Length) (inv "F1" (rest |> List.sumBy (fun t -> t.Calls)) + " calls")
            (rest |> List.sumBy (fun t -> t.SelfMs))
    row "outside every record: .NET code, the one-pass optimiser" "" p.OutsideMs

let private text (r: BenchResult) =
    let ms = r.MsPerIteration
    let share v = if ms > 0.0 then 100.0 * v / ms else 0.0
    printfn "%s on %s (%d thread%s), batch %d" r.Spec r.Device r.Threads (if r.Threads = 1 then "" else "s") r.Batch
    printfn "  data:        %s" r.Data
    printfn "  iterations:  %d timed in %s s after %d warm-up" r.Iterations (inv "F2" r.Seconds) r.WarmupIterations
    printfn "  throughput:  %s images/s, %s ms per iteration (median %s ms)" (inv "N0" r.ImagesPerSecond) (inv "F3" ms)
        (inv "F3" r.MedianMsPerIteration)
    let sync = if r.Synchronized then ", device synchronised at each boundary" else ""
    printfn "  per iteration%s:" sync
    for name, v in [ "data", r.DataMs; "forward", r.ForwardMs; "backward", r.BackwardMs; "optimizer", r.OptimizerMs; "other", r.OtherMs ] do
        printfn "    %-10s %10s ms  %5s%%" name (inv "F3" v) (inv "F1" (share v))
    printfn "  memory:      peak RSS %s (now %s); gan train's estimate at this batch %s" (mib r.PeakRssBytes) (mib r.RssBytes)
        (mib r.EstimateBytes)
    match r.CudaMemoryNote with
    | null -> ()
    | note ->
        let held = if r.CudaMemoryBytes.HasValue then mib r.CudaMemoryBytes.Value else "unknown"
        printfn "  cuda memory: %s (%s)" held note
    if Double.IsNaN r.OpsPerIteration then
        printfn "  operators:   not counted (the operator counter runs on linux-x64 only)"
    else
        printfn "  operators:   %s ATen calls per iteration (counted over %d untimed iteration%s after the warm-up)"
            (inv "N0" r.OpsPerIteration) r.CountedIterations (if r.CountedIterations = 1 then "" else "s")
    let flops =
        if r.FlopsPerIteration >= 1e8 then inv "F3" (r.FlopsPerIteration / 1e9) + " GFLOP"
        else inv "F3" (r.FlopsPerIteration / 1e6) + " MFLOP"
    let rate v = inv (if v >= 1.0 then "F2" else "F4") v
    let median = if r.MedianMsPerIteration > 0.0 then r.FlopsPerIteration / r.MedianMsPerIteration / 1e6 else 0.0
    printfn "  FLOPs:       %s per iteration, %s GFLOP/s (%s at the median iteration) = %s%% of sgemm (%s GFLOP/s, %s, same threads)"
        flops (rate r.Gflops) (rate median) (inv "F1" (100.0 * r.SgemmFraction)) (inv "F1" r.SgemmGflops)
        r.SgemmShape
    // The note, wrapped under the figures.
    let mutable line = "              "
    for word in ("(" + r.FlopsNote + ")").Split ' ' do
        if line.Length + word.Length > 118 then
            printfn "%s" line
            line <- "              "
        line <- line + " " + word
    printfn "%s" line
    match r.LinearProducts with
    | null -> ()
    | d -> printfn "  linear:      %s; sgemm is MKL's" d
    match r.Profile, r.ProfileNote with
    | null, null -> ()
    | null, note -> printfn "  profile:     not run (%s)" note
    | p, _ -> profile p

let run (args: ParseResults<Args>) =
    let path = args.GetResult Spec
    let spec = GanSpec.Load(path, SpecArgs.overrides (args.GetResults Set))
    if not spec.IsLibrary && spec.HasErrors then
        SpecArgs.printDiagnostics spec.Diagnostics
        raise (UserInputException(sprintf "%s has errors; run `gan check %s`" path path))
    let options =
        BenchOptions(
            Device = defaultArg (args.TryGetResult Device) "cpu", Batch = Option.toNullable (args.TryGetResult Batch),
            Steps = Option.toNullable (args.TryGetResult Steps), Seconds = defaultArg (args.TryGetResult Seconds) 8.0,
            Synthetic = args.Contains Synthetic, Force = args.Contains Force,
            Threads = Option.toNullable (args.TryGetResult Threads), Profile = args.Contains Profile)
    let tty = not Console.IsErrorRedirected
    let progress =
        { new IProgress<string> with
            member _.Report line = if tty then eprintf "\r%-70s" ("bench: " + line) else eprintfn "bench: %s" line }
    let result =
        try GanBench.Run(spec, options, progress)
        finally if tty then eprintf "\r%-70s\r" ""
    if args.Contains Json then printfn "%s" (json result) else text result
    ExitCodes.Ok
