/// safetensors files from elsewhere are hostile input: cut short, with overlapping or gapped ranges, absurd sizes, bad JSON,
/// unknown dtypes, or another network's names, dtypes and shapes. Each must be refused with a UserInputException that names
/// the file and the tensor, before anything is allocated from what the file claims and before any live tensor changes; and
/// no single corrupted header byte may produce any other exception.
module Gan.Tests.Runtime.SafetensorsHostileTests

open System
open System.IO
open System.Text
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Runtime.Errors
open Gan.Runtime.Interop
open Gan.Tests
open Gan.Tests.Generators
open Gan.Tests.Runtime.SafetensorsTests

/// A file of <paramref name="header"/> (UTF-8, length-prefixed, unpadded) followed by <paramref name="data"/>.
let private raw (path: string) (header: string) (data: byte[]) =
    let h = Encoding.UTF8.GetBytes header
    File.WriteAllBytes(path, Array.concat [ BitConverter.GetBytes(uint64 h.Length); h; data ])

/// One header entry.
let private entry (name: string) (dtype: string) (shape: string) (b: int64) (e: int64) =
    sprintf "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%d,%d]}" name dtype shape b e

/// <paramref name="f"/> throws a UserInputException naming the file, the tensor (when given), <paramref name="words"/> and
/// the fix <paramref name="fix"/>.
let private refusedWith (fix: string) (path: string) (tensor: string option) (words: string) (f: unit -> unit) =
    let ex = Assert.Throws<UserInputException>(fun () -> f ())
    Assert.Contains(path, ex.Message)
    tensor |> Option.iter (fun t -> Assert.Contains(sprintf "tensor '%s'" t, ex.Message))
    Assert.Contains(words, ex.Message)
    Assert.Contains(fix, ex.Message)

/// Refused as a damaged file: the fix is to export it again.
let private refused = refusedWith "not a safetensors file; export it again (gan export"

let private read path () = SafetensorsFile.Read path |> ignore

/// <paramref name="path"/> is refused at validation for the reason <paramref name="words"/>, naming <paramref name="tensor"/>.
let private rawRefused (dir: string) (header: string) (data: byte[]) (tensor: string option) (words: string) =
    let path = Path.Combine(dir, "hostile.safetensors")
    raw path header data
    refused path tensor words (read path)

[<Fact>]
let ``A file cut anywhere (in the length prefix, the header or the data) is refused naming the file, and the tensor it cuts`` () =
    TestFiles.withTempDir (fun dir ->
        let full = Path.Combine(dir, "full.safetensors")
        writeFile full [ "a.weight", torch.ones(4L); "b.bias", torch.ones(2L, dtype = ScalarType.Float64) ] [ "format", "pt" ]
        let bytes = File.ReadAllBytes full
        let n = int (BitConverter.ToUInt64(bytes, 0))
        let path = Path.Combine(dir, "cut.safetensors")
        for cut in [ 0; 1; 4; 7 ] do
            File.WriteAllBytes(path, bytes.[.. cut - 1])
            refused path None "fewer than the 8" (read path)
        for cut in [ 8; 9; 8 + n / 2; 8 + n - 1 ] do
            File.WriteAllBytes(path, bytes.[.. cut - 1])
            refused path None "but only" (read path)
        // b.bias (F64) comes first in the data, a.weight last.
        for cut, tensor in [ 8 + n, "b.bias"; 8 + n + 7, "b.bias"; 8 + n + 16, "a.weight"; bytes.Length - 1, "a.weight" ] do
            File.WriteAllBytes(path, bytes.[.. cut - 1])
            refused path (Some tensor) "cut short" (read path))

[<Fact>]
let ``Overlapping ranges, a gap, ranges that end before they begin and bytes after the last tensor are refused`` () =
    TestFiles.withTempDir (fun dir ->
        let two a b = sprintf "{%s,%s}" (entry "a" "F32" "[2]" (fst a) (snd a)) (entry "b" "F32" "[2]" (fst b) (snd b))
        rawRefused dir (two (0L, 8L) (4L, 12L)) (Array.zeroCreate 12) (Some "b") "overlap those of 'a'"
        rawRefused dir (two (0L, 8L) (0L, 8L)) (Array.zeroCreate 8) None "overlap those of"
        rawRefused dir (two (0L, 8L) (12L, 20L)) (Array.zeroCreate 20) (Some "b") "gap of 4 unused bytes after 'a'"
        rawRefused dir (two (4L, 12L) (12L, 20L)) (Array.zeroCreate 20) (Some "a") "gap of 4 unused bytes at the start"
        rawRefused dir (sprintf "{%s}" (entry "a" "F32" "[0]" 8L 0L)) (Array.zeroCreate 8) (Some "a") "end before they begin"
        rawRefused dir (sprintf "{%s}" (entry "a" "F32" "[2]" 0L 8L)) (Array.zeroCreate 9) None "1 bytes follow the last tensor"
        rawRefused dir "{}" [| 1uy |] None "1 bytes follow")

[<Fact>]
let ``A header claiming 2^40 elements is refused at validation, without allocating, whatever its offsets claim`` () =
    TestFiles.withTempDir (fun dir ->
        let before = GC.GetAllocatedBytesForCurrentThread()
        let huge = "[1048576,1048576]"
        // Offsets that agree with the shape (4 TiB) but not with the file.
        rawRefused dir (sprintf "{%s}" (entry "w" "F32" huge 0L (4L <<< 40))) (Array.zeroCreate 16) (Some "w") "cut short"
        // Offsets that agree with the file but not with the shape.
        rawRefused dir (sprintf "{%s}" (entry "w" "F32" huge 0L 16L)) (Array.zeroCreate 16) (Some "w") "needs 4398046511104"
        // A shape whose size overflows 64 bits.
        rawRefused dir (sprintf "{%s}" (entry "w" "F32" "[4611686018427387904,4]" 0L 16L)) (Array.zeroCreate 16) (Some "w") "64-bit"
        let allocated = GC.GetAllocatedBytesForCurrentThread() - before
        Assert.True(allocated < 5_000_000L, sprintf "refusing three small files allocated %d bytes" allocated))

[<Fact>]
let ``A header length beyond the file, over 100 MB or beyond 2^63 is refused before the header is read`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "h.safetensors")
        let withPrefix (n: uint64) = File.WriteAllBytes(path, Array.append (BitConverter.GetBytes n) (Encoding.ASCII.GetBytes "{}      "))
        withPrefix 9UL
        refused path None "claims a header of 9 bytes, but only 8 follow" (read path)
        for n in [ 100_000_001UL; UInt64.MaxValue ] do
            withPrefix n
            refused path None "more than the 100,000,000 allowed" (read path))

[<Fact>]
let ``Unknown dtypes, negative or fractional dims, missing, extra, repeated or mistyped fields are refused naming the tensor`` () =
    TestFiles.withTempDir (fun dir ->
        let one (body: string) words = rawRefused dir (sprintf "{\"w\":%s}" body) (Array.zeroCreate 8) (Some "w") words
        let e shape dtype = sprintf "{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[0,8]}" dtype shape
        one (e "[2]" "F8_E4M3") "dtype 'F8_E4M3' is not one GanDsl reads"
        one (e "[2]" "f32") "dtype 'f32'"
        one (e "[-2]" "F32") "holds -2, which is not a whole number"
        one (e "[2.0]" "F32") "holds 2.0"
        one (e "[1e1]" "F32") "holds 1e1"
        one (e "[\"2\"]" "F32") "holds \"2\""
        one (e "[18446744073709551616]" "F32") "holds 18446744073709551616"
        one (e "2" "F32") "its shape is a JSON number, not an array"
        one "{\"dtype\":\"F32\",\"shape\":[2]}" "lacks data_offsets"
        one "{\"shape\":[2]}" "lacks dtype and data_offsets"
        one "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"offsets\":[0,8]}" "the field 'offsets'"
        one "{\"dtype\":\"F32\",\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[0,8]}" "the field 'dtype' twice"
        one "{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}" "its dtype is a JSON number"
        one "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}" "hold 3 numbers, not two"
        one "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}" "hold 4 bytes, but F32 [2] needs 8"
        one "[0,8]" "its entry is a JSON array"
        one "null" "its entry is a JSON null")

[<Fact>]
let ``Invalid JSON, a non-object header, duplicate keys, non-string metadata and invalid text are refused naming the file`` () =
    TestFiles.withTempDir (fun dir ->
        let w = entry "w" "F32" "[2]" 0L 8L
        let data = Array.zeroCreate<byte> 8
        rawRefused dir "{\"w\":" data None "not valid JSON"
        rawRefused dir (sprintf "{%s,}" w) data None "not valid JSON"
        rawRefused dir (sprintf "{%s} x" w) data None "not valid JSON"
        rawRefused dir "[1, 2]" data None "does not start with '{'"
        rawRefused dir "\uFEFF{}" data None "does not start with '{'"
        rawRefused dir "" data None "does not start with '{'"
        rawRefused dir (sprintf "{%s,%s}" w w) data (Some "w") "the key 'w' twice"
        // An escaped name equals its plain spelling: still a duplicate.
        rawRefused dir (sprintf "{%s,%s}" w (entry "\\u0077" "F32" "[2]" 0L 8L)) data (Some "w") "twice"
        rawRefused dir (sprintf "{\"__metadata__\":{\"a\":\"1\"},\"__metadata__\":{},%s}" w) data None "'__metadata__' twice"
        rawRefused dir (sprintf "{\"__metadata__\":{\"epoch\":3},%s}" w) data None "holds a number under 'epoch'"
        rawRefused dir (sprintf "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},%s}" w) data None "has the key 'a' twice"
        rawRefused dir (sprintf "{\"__metadata__\":[\"pt\"],%s}" w) data None "'__metadata__' is a JSON array"
        rawRefused dir (sprintf "{\"\\ud800\":%s}" (w.Substring 4)) data None "not valid Unicode"
        let path = Path.Combine(dir, "utf8.safetensors")
        let h = Array.concat [ "{\""B; [| 0xFFuy; 0xFEuy |]; "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"B ]
        File.WriteAllBytes(path, Array.concat [ BitConverter.GetBytes(uint64 h.Length); h; data ])
        refused path None "not valid UTF-8" (read path))

[<Fact>]
let ``A BOOL byte other than 0 or 1 is refused when the tensor is read, naming the tensor and the byte`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "bool.safetensors")
        raw path (sprintf "{%s}" (entry "mask" "BOOL" "[4]" 0L 4L)) [| 0uy; 1uy; 2uy; 1uy |]
        let header = SafetensorsFile.Read path
        refused path (Some "mask") "byte 2 of its data is 2" (fun () -> header.ReadTensor(header.Find "mask") |> ignore)
        refused path (Some "mask") "is 2" (fun () -> header.ReadAll() |> ignore))

[<Fact>]
let ``A file that changes length after its header was read is refused when its data is read`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "c.safetensors")
        writeFile path [ "w", torch.ones(4L) ] []
        let header = SafetensorsFile.Read path
        File.AppendAllText(path, "x")
        let again = refusedWith "run the command again"
        again path None "changed while GanDsl read it (it has 81 bytes now, 80 when" (fun () -> header.ReadAll() |> ignore)
        File.Delete path
        again path None "it is gone" (fun () -> header.ReadTensor(header.Find "w") |> ignore)
        refusedWith "check the path" path None "no such file" (read path))

/// Live tensors filled with 7s, to show that a refused load changed none of them.
let private sevens () =
    readOnlyDict [ "a", torch.ones(64L) * 7.0f; "b", torch.ones(2L, 3L) * 7.0f ]

let private unchanged (live: Collections.Generic.IReadOnlyDictionary<string, torch.Tensor>) =
    for t in live.Values do Assert.True(t.eq(torch.tensor 7.0f).all().item<bool>(), "a refused file changed a live tensor")

[<Fact>]
let ``LoadInto refuses another dtype, another shape (a [1] for a [64] included), missing and extra names, and changes nothing`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "m.safetensors")
        let attempt (tensors: (string * torch.Tensor) list) (tensor: string option) (words: string list) =
            writeFile path tensors []
            let live = sevens ()
            let ex = Assert.Throws<UserInputException>(fun () -> SafetensorsFile.LoadInto(path, live, "network G"))
            Assert.Contains(path, ex.Message)
            tensor |> Option.iter (fun t -> Assert.Contains(sprintf "tensor '%s'" t, ex.Message))
            for w in words do Assert.Contains(w, ex.Message)
            Assert.Contains("export them again", ex.Message)
            unchanged live
        let b = torch.ones(2L, 3L)
        attempt [ "a", torch.ones(64L, dtype = ScalarType.Float64); "b", b ] (Some "a") [ "is F64 [64], but network G's is F32 [64]" ]
        attempt [ "a", torch.ones(1L); "b", b ] (Some "a") [ "is F32 [1], but network G's is F32 [64]" ]
        attempt [ "a", torch.ones(64L); "b", torch.ones(3L, 2L) ] (Some "b") [ "F32 [3, 2]"; "F32 [2, 3]" ]
        attempt [ "a", torch.ones(64L); "b", torch.ones(1L, 1L) ] (Some "b") [ "[1, 1]" ]
        attempt [ "a", torch.ones(64L) ] None [ "1 of network G's tensors are missing from it ('b')" ]
        attempt [ "a", torch.ones(64L); "b", b; "c", b ] None [ "1 of its tensors are not network G's ('c')" ]
        let many = [ for i in 1..8 -> sprintf "x%d" i, b ]
        attempt many None [ "2 of network G's tensors are missing"; "8 of its tensors are not network G's"; "and 3 more" ]
        // Names and shapes that match, but data that does not read: still nothing changes.
        raw path (sprintf "{%s,%s}" (entry "a" "F32" "[64]" 0L 256L) (entry "b" "F32" "[2,3]" 256L 280L)) (Array.create 280 0uy)
        let header = SafetensorsFile.Read path
        let live = sevens ()
        File.AppendAllText(path, "x")
        Assert.Throws<UserInputException>(fun () -> SafetensorsFile.LoadInto(header, live, "network G")) |> ignore
        unchanged live)

// ---------------------------------------------------------------------------------------------------------------------
// One corrupted byte

/// How a header byte is corrupted: replaced by a byte, or moved by ±1.
type Corruption = Replace of byte | Shift of int

/// A generated file, the position of one corrupted byte (in the length prefix or the header) and the corruption.
type CorruptCase = { File: FileCase; InPrefix: bool; Position: int; Corruption: Corruption }

let private corruptGen =
    gen {
        let! file = fileGen
        let! inPrefix = Gen.frequency [ (1, Gen.constant true); (4, Gen.constant false) ]
        let! position = Gen.choose (0, 1_000_000)
        let! corruption =
            Gen.frequency [
                (2, Gen.choose (0, 255) |> Gen.map (byte >> Replace))
                (3, Gen.elements ("{}[]\":,0123456789-. \\tnaF8"B |> List.ofArray) |> Gen.map Replace)
                (2, Gen.elements [ 1; -1 ] |> Gen.map Shift) ]
        return { File = file; InPrefix = inPrefix; Position = position; Corruption = corruption }
    }

[<Fact>]
let ``A random single-byte corruption of the length prefix or the header is refused with a UserInputException or still reads`` () =
    let coverage = Coverage()
    TestFiles.withTempDir (fun dir ->
        let prop (c: CorruptCase) =
            let path = Path.Combine(dir, "c.safetensors")
            let tensors = materialise c.File
            writeFile path tensors c.File.Metadata
            for _, t in tensors do t.Dispose()
            let bytes = File.ReadAllBytes path
            let n = int (BitConverter.ToUInt64(bytes, 0))
            let at = if c.InPrefix then c.Position % 8 else 8 + c.Position % n
            bytes.[at] <- (match c.Corruption with Replace b -> b | Shift d -> byte ((int bytes.[at] + d + 256) % 256))
            File.WriteAllBytes(path, bytes)
            coverage.Note("in the length prefix", c.InPrefix)
            try
                let header = SafetensorsFile.Read path
                for struct (_, t) in header.ReadAll() do t.Dispose()
                coverage.Note("still reads", true)
            with
            | :? UserInputException as ex ->
                Assert.Contains(path, ex.Message)
                coverage.Note("refused", true)
                coverage.Note("refused naming a tensor", ex.Message.Contains "tensor '")
        Check.One(config, Prop.forAll (Arb.fromGen corruptGen) prop))
    coverage.Assert([ "in the length prefix"; "still reads"; "refused naming a tensor" ], cases / 50)
    coverage.Assert([ "refused" ], cases / 4)
