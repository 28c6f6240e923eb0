/// `gan train --tensorboard`: the events files read back with the test's own TFRecord reader (both CRCs of every record
/// checked with an independent CRC32C) and TorchSharp's generated Event parser, against log.csv, epochs.csv and samples/.
module Gan.Tests.Runtime.TensorBoardTests

open System
open System.Buffers.Binary
open System.Globalization
open System.IO
open Xunit
open Gan.Dsl
open Gan.Runtime
open Gan.Runtime.Errors
open Gan.Runtime.Runs
open Gan.Runtime.Training
open Gan.Tests
open Gan.Tests.Cli.Process

/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, and TFRecord's mask of it.
module private Crc32c =
    let private table =
        Array.init 256 (fun n ->
            let mutable c = uint32 n
            for _ in 1..8 do
                c <- if c &&& 1u <> 0u then (c >>> 1) ^^^ 0x82F63B78u else c >>> 1
            c)

    let compute (bytes: byte[]) (offset: int) (count: int) =
        let mutable c = 0xFFFFFFFFu
        for i in offset .. offset + count - 1 do
            c <- table.[int ((c ^^^ uint32 bytes.[i]) &&& 0xFFu)] ^^^ (c >>> 8)
        c ^^^ 0xFFFFFFFFu

    let masked bytes offset count =
        let crc = compute bytes offset count
        ((crc >>> 15) ||| (crc <<< 17)) + 0xa282ead8u

let private u32 (bytes: byte[]) pos = BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan<byte>(bytes, pos, 4))
let private u64 (bytes: byte[]) pos = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan<byte>(bytes, pos, 8))

/// The records of a TFRecord file; a record whose length or data fails its masked CRC32C, or is cut short, raises
/// InvalidDataException naming which.
let private readRecords (path: string) =
    let bytes = File.ReadAllBytes path
    let rec go pos acc =
        if pos = bytes.Length then List.rev acc
        else
            if bytes.Length - pos < 12 then raise (InvalidDataException(sprintf "%s: record at byte %d: header cut short" path pos))
            if Crc32c.masked bytes pos 8 <> u32 bytes (pos + 8) then
                raise (InvalidDataException(sprintf "%s: record at byte %d: length CRC mismatch" path pos))
            let length = u64 bytes pos
            if length > uint64 (bytes.Length - pos - 16) then
                raise (InvalidDataException(sprintf "%s: record at byte %d: data cut short" path pos))
            let n = int length
            if Crc32c.masked bytes (pos + 12) n <> u32 bytes (pos + 12 + n) then
                raise (InvalidDataException(sprintf "%s: record at byte %d: data CRC mismatch" path pos))
            go (pos + 16 + n) (bytes.[pos + 12 .. pos + 11 + n] :: acc)
    go 0 []

let private readEvents path = readRecords path |> List.map (fun (r: byte[]) -> Tensorboard.Event.Parser.ParseFrom r)

/// A run's events files in name order (the order TensorBoard reads them in).
let private eventFiles run =
    Directory.GetFiles(Path.Combine(run, "tb"), "events.out.tfevents.*") |> Array.sortWith (fun a b -> String.CompareOrdinal(a, b))

let private isStart (e: Tensorboard.Event) =
    e.WhatCase = Tensorboard.Event.WhatOneofCase.SessionLog && e.SessionLog.Status = Tensorboard.SessionLog.Types.SessionStatus.Start

/// What TensorBoard shows of a run: its files' scalars and images in read order, a SessionLog START at step s dropping the
/// points read before it at step s and past it. Returns (tag, step, value) and (tag, step, image), each in read order.
let private asTensorBoardShows run =
    let scalars = Collections.Generic.List<string * int64 * float32>()
    let images = Collections.Generic.List<string * int64 * Tensorboard.Summary.Types.Image>()
    for file in eventFiles run do
        for e in readEvents file do
            if isStart e then
                scalars.RemoveAll(fun (_, step, _) -> step >= e.Step) |> ignore
                images.RemoveAll(fun (_, step, _) -> step >= e.Step) |> ignore
            elif e.WhatCase = Tensorboard.Event.WhatOneofCase.Summary then
                for v in e.Summary.Value do
                    match v.ValueCase with
                    | Tensorboard.Summary.Types.Value.ValueOneofCase.SimpleValue -> scalars.Add((v.Tag, e.Step, v.SimpleValue))
                    | Tensorboard.Summary.Types.Value.ValueOneofCase.Image -> images.Add((v.Tag, e.Step, v.Image))
                    | other -> failwithf "%s: an unexpected %O value at step %d" file other e.Step
    List.ofSeq scalars, List.ofSeq images

/// log.csv as (column, step, value as float32) for every column but the step, row by row.
let private logCsvScalars run =
    let lines = File.ReadAllLines(Path.Combine(run, "log.csv"))
    let columns = lines.[0].Split ','
    [ for line in lines.[1..] do
          let cells = line.Split ','
          let step = int64 cells.[0]
          for i in 1 .. columns.Length - 1 do
              Assert.False(String.IsNullOrEmpty cells.[i], sprintf "log.csv step %d has no %s" step columns.[i])
              yield columns.[i], step, float32 (Double.Parse(cells.[i], CultureInfo.InvariantCulture)) ]

/// Scalars equal as float32 values, NaN equal to NaN.
let private sameScalars (expected: (string * int64 * float32) list) (actual: (string * int64 * float32) list) =
    let key (t, s, v: float32) = t, s, BitConverter.SingleToInt32Bits v
    Assert.Equal<(string * int64 * int) list>(expected |> List.map key |> List.sort, actual |> List.map key |> List.sort)

/// gaussian2d on 200 points (an epoch is 50 iterations at batch 4), a sample every 20 steps, a checkpoint every 40.
let private gaussianSpec steps =
    let text =
        (File.ReadAllText(TestFiles.spec "gaussian2d.gan"))
            .Replace("count: 1000", "count: 200").Replace("  epochs: 10", sprintf "  steps: %d" steps)
            .Replace("sample_every: 250", "sample_every: 20").Replace("checkpoint_every: 500", "checkpoint_every: 40")
    let r = Compilation.Compile("test.gan", text)
    Assert.False(r.HasErrors, r.Diagnostics |> Seq.map (fun d -> d.Format false) |> String.concat "\n")
    r.Ir

let private train ir (options: TrainOptions) =
    use t = new Trainer(ir, options)
    t.Run() |> ignore

let private epochsCsvScalars run =
    [ for line in File.ReadAllLines(Path.Combine(run, "epochs.csv")).[1..] do
          let cells = line.Split ','
          yield "d_accuracy", int64 cells.[1], float32 (Double.Parse(cells.[2], CultureInfo.InvariantCulture)) ]

let private pictureBytes run (step: int64) = File.ReadAllBytes(Path.Combine(run, "samples", sprintf "step-%07d.png" step))

[<Fact>]
let ``The test's CRC32C gives the known check value, and the reader rejects a record whose length or data is damaged`` () =
    Assert.Equal(0xE3069283u, Crc32c.compute ("123456789"B) 0 9)
    TestFiles.withTempDir (fun dir ->
        let path =
            use log = TensorBoardLog.Open dir
            log.Scalars(1L, [ struct ("a", 1.5) ])
            log.Scalars(2L, [ struct ("a", 2.5); struct ("b", -1.0) ])
            log.FilePath
        let events = readEvents path
        Assert.Equal(3, events.Length)
        let original = File.ReadAllBytes path
        let firstLength = int (u64 original 0)
        let second = 16 + firstLength
        for offset, what in [ second + 3, "length CRC"; second + 12 + 4, "data CRC"; second + 12 + 1, "data CRC" ] do
            let damaged = Array.copy original
            damaged.[offset] <- damaged.[offset] ^^^ 0x10uy
            File.WriteAllBytes(path, damaged)
            let e = Assert.Throws<InvalidDataException>(fun () -> readRecords path |> ignore)
            Assert.Contains(what, e.Message)
        File.WriteAllBytes(path, original.[.. original.Length - 2])
        Assert.Throws<InvalidDataException>(fun () -> readRecords path |> ignore) |> ignore)

[<Fact>]
let ``A run with TensorBoard events writes the version first, every log.csv value at its step, d_accuracy and each picture`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        train (gaussianSpec 60) (TrainOptions(OutDir = run, TensorBoard = true))
        let file = eventFiles run |> Array.exactlyOne
        Assert.Matches(sprintf @"^events\.out\.tfevents\.\d{10}\..+\.%d$" Environment.ProcessId, Path.GetFileName file)
        let events = readEvents file
        Assert.Equal("brain.Event:2", events.Head.FileVersion)
        Assert.True(events.Head.WallTime > 1.6e9, sprintf "wall time %f is not seconds since 1970" events.Head.WallTime)
        Assert.DoesNotContain(events, fun e -> isStart e)
        let scalars, images = asTensorBoardShows run
        let fromLog = logCsvScalars run
        Assert.Equal(60 * 7, fromLog.Length)      // 60 rows: epoch, d_loss, g_loss, d_real, d_fake, images_per_s, elapsed_s
        let accuracy = epochsCsvScalars run
        Assert.Equal<int64 list>([ 50L ], accuracy |> List.map (fun (_, s, _) -> s))
        sameScalars (fromLog @ accuracy) scalars
        Assert.Equal<int64 list>([ 20L; 40L; 60L ], images |> List.map (fun (_, s, _) -> s))
        for tag, step, image in images do
            Assert.Equal("samples", tag)
            Assert.Equal<byte[]>(pictureBytes run step, image.EncodedImageString.ToByteArray())
            use bmp = SkiaSharp.SKBitmap.Decode(image.EncodedImageString.ToByteArray())
            Assert.Equal((600, 600), (bmp.Width, bmp.Height))       // the scatter plot of 2-D data
            Assert.Equal((600, 600), (image.Width, image.Height)))

[<Fact>]
let ``An image grid goes to TensorBoard as a PNG of the grid's size at each sample step`` () =
    let text = (File.ReadAllText(TestFiles.spec "mnist-mlp.gan")).Replace("sample_every: 400", "sample_every: 3")
    let ir = Compilation.Compile("mlp.gan", text).Ir
    let x = TorchSharp.torch.rand(32L, 1L, 28L, 28L) * 2.0f - 1.0f
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let options = TrainOptions(OutDir = run, Steps = 6, Batch = 8, TensorBoard = true)
        (use t = new Trainer(ir, options, new Gan.Runtime.Data.TensorDataset(x, null))
         t.Run() |> ignore)
        let scalars, images = asTensorBoardShows run
        sameScalars (logCsvScalars run) scalars
        Assert.Equal<int64 list>([ 3L; 6L ], images |> List.map (fun (_, s, _) -> s))
        // A 5×5 grid of 28×28 digits drawn at twice their size with a 2-pixel border: 5·(56 + 2) + 2 = 292 pixels a side.
        for _, step, image in images do
            use bmp = SkiaSharp.SKBitmap.Decode(image.EncodedImageString.ToByteArray())
            Assert.Equal((292, 292), (bmp.Width, bmp.Height))
            Assert.Equal((292, 292), (image.Width, image.Height))
            Assert.Contains(image.Colorspace, [ 3; 4 ])
            Assert.Equal<byte[]>(pictureBytes run step, image.EncodedImageString.ToByteArray()))

[<Fact>]
let ``A resumed run goes on writing events in a new file whose SessionLog START purges the points past its checkpoint`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        train (gaussianSpec 60) (TrainOptions(OutDir = run, TensorBoard = true))
        // Killed after step 60's rows but before its checkpoint: the resume starts from step 40.
        Directory.Delete(Path.Combine(run, "checkpoints", "step-0000060"), true)
        train (gaussianSpec 60) (TrainOptions(OutDir = run, Resume = true))      // params.json says it writes events
        Assert.True((RunParams.Read run).TensorBoard)
        let files = eventFiles run
        Assert.Equal(2, files.Length)
        let first, second = readEvents files.[0], readEvents files.[1]
        Assert.Contains(first, fun e -> e.Step = 60L)                           // the points the resume computes again
        Assert.Equal("brain.Event:2", second.[0].FileVersion)
        Assert.True(isStart second.[1], sprintf "the second event is %O" second.[1])
        Assert.Equal(41L, second.[1].Step)                                      // the first step after checkpoint step-0000040
        Assert.DoesNotContain(second, fun e -> e.Step > 0L && e.Step <= 40L)
        let scalars, images = asTensorBoardShows run
        sameScalars (logCsvScalars run @ epochsCsvScalars run) scalars
        Assert.Equal<int64 list>([ 20L; 40L; 60L ], images |> List.map (fun (_, s, _) -> s))
        let _, _, last = images |> List.last
        Assert.Equal<byte[]>(pictureBytes run 60L, last.EncodedImageString.ToByteArray()))

[<Fact>]
let ``A run writes no tb folder without the flag, and the flag without a run folder is refused`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        train (gaussianSpec 5) (TrainOptions(OutDir = run))
        Assert.True(File.Exists(Path.Combine(run, "log.csv")))
        Assert.False(Directory.Exists(Path.Combine(run, "tb")))
        Assert.False((RunParams.Read run).TensorBoard))
    let e = Assert.Throws<UserInputException>(fun () -> train (gaussianSpec 5) (TrainOptions(RunFolder = false, TensorBoard = true)))
    Assert.Contains("--tensorboard", e.Message)

[<Fact>]
let ``A tb that is not a folder is refused naming it, and an events file named past the year 2286 does not wrap the new name`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        Directory.CreateDirectory run |> ignore
        File.WriteAllText(Path.Combine(run, "tb"), "")
        let e = Assert.Throws<UserInputException>(fun () -> train (gaussianSpec 5) (TrainOptions(OutDir = run, TensorBoard = true)))
        Assert.Contains(Path.Combine(run, "tb"), e.Message)
        Assert.DoesNotContain("   at ", e.Message)
        let other = Path.Combine(dir, "other")
        Directory.CreateDirectory(Path.Combine(other, "tb")) |> ignore
        File.WriteAllText(Path.Combine(other, "tb", sprintf "events.out.tfevents.%d.host.1" Int64.MaxValue), "")
        train (gaussianSpec 5) (TrainOptions(OutDir = other, TensorBoard = true))
        let written = eventFiles other |> Array.filter (fun f -> (FileInfo f).Length > 0L) |> Array.exactlyOne
        Assert.Matches(@"^events\.out\.tfevents\.\d{10}\.", Path.GetFileName written)
        Assert.Equal("brain.Event:2", (readEvents written).Head.FileVersion))

[<Fact>]
let ``gan train --tensorboard writes the events file, and gan train --help describes the flag`` () =
    TestFiles.withTempDir (fun dir ->
        let run = Path.Combine(dir, "run")
        let code, _, err = gan [ "train"; "specs/gaussian2d.gan"; "--out"; run; "--steps"; "5"; "--tensorboard" ]
        Assert.True((code = 0), sprintf "exit %d\n%s" code err)
        let events = readEvents (eventFiles run |> Array.exactlyOne)
        Assert.Equal("brain.Event:2", events.Head.FileVersion)
        let scalars, _ = asTensorBoardShows run
        sameScalars (logCsvScalars run) scalars)
    let code, out, err = gan [ "train"; "--help" ]
    Assert.True((code = 0), sprintf "exit %d\n%s" code err)
    Assert.Contains("--tensorboard", out + err)
    Assert.Contains("tb/", out + err)
