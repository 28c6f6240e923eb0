/// GanDsl's safetensors reader and writer (Gan.Runtime/Interop): round trips of every dtype, the exact bytes of the format
/// (the reference implementation's own test vectors, and a header parsed byte by byte), loading into live tensors, random
/// sets of tensors, and a PyTorch reader and writer when /usr/bin/python3 has torch. Hostile files: SafetensorsHostileTests.fs.
module Gan.Tests.Runtime.SafetensorsTests

open System
open System.Collections.Generic
open System.Diagnostics
open System.IO
open System.Text
open System.Text.Json
open FsCheck
open FsCheck.FSharp
open global.Xunit
open TorchSharp
open Gan.Runtime.Interop
open Gan.Tests
open Gan.Tests.PythonTorch
open Gan.Tests.Generators

type ScalarType = torch.ScalarType

/// Every dtype GanDsl reads and writes: its header name, TorchSharp type and element size.
let dtypes =
    [| "F64", ScalarType.Float64, 8; "F32", ScalarType.Float32, 4; "F16", ScalarType.Float16, 2
       "BF16", ScalarType.BFloat16, 2; "I64", ScalarType.Int64, 8; "I32", ScalarType.Int32, 4
       "I16", ScalarType.Int16, 2; "I8", ScalarType.Int8, 1; "U8", ScalarType.Byte, 1; "BOOL", ScalarType.Bool, 1 |]

/// The reference's Dtype enum (safetensors/src/tensor.rs) in its declared order: increasing alignment. Its writer orders
/// tensors by descending position here, then by name.
let referenceDtypeOrder =
    [ "BOOL"; "U8"; "I8"; "F8_E5M2"; "F8_E4M3"; "I16"; "U16"; "F16"; "BF16"; "I32"; "U32"; "F32"; "F64"; "I64"; "U64" ]

/// A tensor of <paramref name="dtype"/> and shape filled with random bytes from <paramref name="rnd"/> (any bit pattern,
/// NaNs included; a bool's bytes are 0 or 1).
let randomTensor (dtype: ScalarType) (shape: int64[]) (rnd: Random) =
    let t = torch.empty(shape, dtype = dtype)
    if t.numel() > 0L then
        let data = Array.zeroCreate<byte> (int (t.numel() * t.ElementSize))
        rnd.NextBytes data
        let data = if dtype = ScalarType.Bool then data |> Array.map (fun b -> b &&& 1uy) else data
        data.AsSpan().CopyTo(t.bytes)
    t

/// A tensor's bytes in C order.
let bytesOf (t: torch.Tensor) =
    if t.numel() = 0L then [||]
    else
        use c = t.contiguous()
        c.bytes.ToArray()

let writeFile (path: string) (tensors: (string * torch.Tensor) list) (metadata: (string * string) list) =
    SafetensorsFile.Write(path, [| for n, t in tensors -> struct (n, t) |], readOnlyDict metadata)

/// Reads <paramref name="path"/> back and checks every tensor's dtype, shape and bytes and the metadata.
let assertReadsBack (path: string) (tensors: (string * torch.Tensor) list) (metadata: (string * string) list) =
    let header = SafetensorsFile.Read path
    Assert.Equal<KeyValuePair<string, string>>(
        metadata |> List.map KeyValuePair |> List.sortBy (fun p -> p.Key),
        header.Metadata |> Seq.sortBy (fun p -> p.Key) |> List.ofSeq)
    let read = header.ReadAll() |> Seq.map (fun struct (n, t) -> n, t) |> dict
    Assert.Equal(tensors.Length, read.Count)
    for name, t in tensors do
        let r = read.[name]
        Assert.Equal(t.dtype, r.dtype)
        Assert.Equal<int64[]>(t.shape, r.shape)
        Assert.True((bytesOf t = bytesOf r), sprintf "'%s': the bytes read differ from the bytes written" name)
    for t in read.Values do t.Dispose()

[<Fact>]
let ``Every dtype round-trips bit for bit, scalars, empty and non-contiguous tensors included, with the metadata`` () =
    TestFiles.withTempDir (fun dir ->
        let rnd = Random 7
        let tensors =
            [ for name, dtype, _ in dtypes do
                  yield name + ".scalar", randomTensor dtype [||] rnd
                  yield name + ".empty", randomTensor dtype [| 0L |] rnd
                  yield name + ".empty3", randomTensor dtype [| 2L; 0L; 3L |] rnd
                  yield name + ".matrix", randomTensor dtype [| 3L; 5L |] rnd
                  // A transposed view: the file must hold it in C order of its own shape.
                  yield name + ".transposed", (randomTensor dtype [| 4L; 3L |] rnd).t() ]
        let metadata = [ "format", "pt"; "gandsl.network", "G"; "quote\"and\\slash", "é😀\n" ]
        let path = Path.Combine(dir, "all.safetensors")
        writeFile path tensors metadata
        assertReadsBack path tensors metadata
        // ReadTensor reads one entry alone, at its offset.
        let header = SafetensorsFile.Read path
        use one = header.ReadTensor(header.Find "I16.matrix")
        Assert.Equal<byte[]>(bytesOf (tensors |> List.find (fst >> (=) "I16.matrix") |> snd), bytesOf one)
        Assert.Empty(Directory.GetFiles dir |> Array.filter (fun f -> f <> path)))

[<Fact>]
let ``The writer produces the reference implementation's bytes for its own test vectors`` () =
    // safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement and test_empty.
    TestFiles.withTempDir (fun dir ->
        let check (tensors: (string * torch.Tensor) list) metadata (expected: byte[]) =
            let path = Path.Combine(dir, "v.safetensors")
            writeFile path tensors metadata
            Assert.Equal<byte[]>(expected, File.ReadAllBytes path)
            SafetensorsFile.Read path |> ignore
        let values = [| 0.0f .. 5.0f |]
        let floats = values |> Array.collect (fun f -> BitConverter.GetBytes f)
        let header (json: string) (n: int) =
            Array.concat [ BitConverter.GetBytes(uint64 n); Encoding.ASCII.GetBytes(json.PadRight n) ]
        check [ "attn.0", torch.tensor(values).reshape(1L, 2L, 3L) ] []
            (Array.append (header """{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}""" 64) floats)
        check [ "attn0", torch.tensor(values).reshape(1L, 1L, 2L, 3L) ] []
            (Array.append (header """{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""" 72) floats)
        check [] [] [| 8uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy; 0uy; 123uy; 125uy; 32uy; 32uy; 32uy; 32uy; 32uy; 32uy |]
        check [] [ "framework", "pt" ] (header """{"__metadata__":{"framework":"pt"}}""" 40))

/// The UTF-8 bytes of a name: the reference (Rust) orders names byte-wise, which differs from .NET's UTF-16 ordinal order
/// between a surrogate pair (😀) and U+E000.
let private utf8Order (a: string) (b: string) =
    (Encoding.UTF8.GetBytes a).AsSpan().SequenceCompareTo(ReadOnlySpan(Encoding.UTF8.GetBytes b))

[<Fact>]
let ``The header is length-prefixed, metadata first, entries by descending dtype alignment then name, padded to 8 with spaces`` () =
    TestFiles.withTempDir (fun dir ->
        let rnd = Random 3
        let names = [ "b"; "a"; "z.weight"; "\uE000"; "😀"; "A" ]
        let tensors =
            [ for i, name in List.indexed names do
                  for dname, dtype, _ in dtypes do
                      if (i + Array.findIndex (fun (n, _, _) -> n = dname) dtypes) % 3 = 0 then
                          yield sprintf "%s.%s" name dname, randomTensor dtype [| int64 (i % 3) + 1L; 2L |] rnd ]
        let metadata = [ "zeta", "1"; "alpha", "2" ]
        let path = Path.Combine(dir, "layout.safetensors")
        writeFile path tensors metadata
        let file = File.ReadAllBytes path
        let n = BitConverter.ToUInt64(file, 0) |> int
        Assert.True(n % 8 = 0, sprintf "header length %d is not a multiple of 8" n)
        // Walk the JSON with a reader: where its closing brace is (only spaces may follow, up to 8 + N), its keys and offsets.
        let header = file.[8 .. 8 + n - 1]
        let mutable reader = Utf8JsonReader(ReadOnlySpan header)
        let keys = List<string>()
        let offsets = List<int64 * int64>()
        let mutable jsonEnd = -1
        while reader.Read() do
            if reader.TokenType = JsonTokenType.EndObject && reader.CurrentDepth = 0 then jsonEnd <- int reader.BytesConsumed
            if reader.TokenType = JsonTokenType.PropertyName && reader.CurrentDepth = 1 then keys.Add(reader.GetString())
            if reader.TokenType = JsonTokenType.PropertyName && reader.GetString() = "data_offsets" then
                reader.Read() |> ignore
                reader.Read() |> ignore
                let b = reader.GetInt64()
                reader.Read() |> ignore
                offsets.Add((b, reader.GetInt64()))
        Assert.True(n - jsonEnd < 8, "more padding than needed")
        Assert.All(header.[jsonEnd..], fun b -> Assert.Equal(32uy, b))
        Assert.Equal(0x7Buy, header.[0])
        let rank (name: string) = referenceDtypeOrder |> List.findIndex ((=) (name.Substring(name.LastIndexOf '.' + 1)))
        let expected =
            tensors |> List.map fst
            |> List.sortWith (fun a b -> if rank a <> rank b then compare (rank b) (rank a) else utf8Order a b)
        Assert.Equal<string list>("__metadata__" :: expected, List.ofSeq keys)
        // Metadata keys in byte order, first in the header.
        Assert.StartsWith("""{"__metadata__":{"alpha":"2","zeta":"1"},""", Encoding.UTF8.GetString header)
        // Offsets tile the data from 0; each tensor's bytes are at its offsets; the file ends with the last tensor.
        let byName = dict tensors
        let mutable at = 0L
        for key, (b, e) in Seq.zip expected offsets do
            Assert.Equal(at, b)
            Assert.Equal<byte[]>(bytesOf byName.[key], file.[8 + n + int b .. 8 + n + int e - 1])
            at <- e
        Assert.Equal(int64 file.Length, 8L + int64 n + at))

[<Fact>]
let ``Write replaces a longer file exactly and refuses duplicate names, the metadata key and complex tensors, writing nothing`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "w.safetensors")
        File.WriteAllBytes(path, Array.create 10000 7uy)
        let t = torch.ones(3L)
        writeFile path [ "w", t ] []
        assertReadsBack path [ "w", t ] []
        let other = Path.Combine(dir, "other.safetensors")
        let refuses (tensors: (string * torch.Tensor) list) (words: string) =
            let ex = Assert.Throws<ArgumentException>(fun () -> writeFile other tensors [])
            Assert.Contains(words, ex.Message)
        refuses [ "w", t; "v", t; "w", torch.zeros(2L) ] "two tensors are named 'w'"
        refuses [ "__metadata__", t ] "__metadata__"
        refuses [ "c", torch.zeros(2L, dtype = ScalarType.ComplexFloat32) ] "ComplexFloat32"
        Assert.Equal<string[]>([| path |], Directory.GetFiles dir))

[<Fact>]
let ``LoadInto copies every tensor into the live ones by name, on a parameter without recording gradients`` () =
    TestFiles.withTempDir (fun dir ->
        let path = Path.Combine(dir, "load.safetensors")
        let rnd = Random 11
        let w, b, n = randomTensor ScalarType.Float32 [| 4L; 3L |] rnd, randomTensor ScalarType.Float32 [| 4L |] rnd, torch.tensor(5L)
        writeFile path [ "layer.weight", w; "layer.bias", b; "bn.num_batches_tracked", n ] []
        use p = torch.nn.Parameter(torch.zeros(4L, 3L))
        let bias, count = torch.zeros(4L), torch.tensor(0L)
        let live = readOnlyDict [ "layer.weight", (p :> torch.Tensor); "layer.bias", bias; "bn.num_batches_tracked", count ]
        SafetensorsFile.LoadInto(path, live, "network G")
        Assert.Equal<byte[]>(bytesOf w, bytesOf p)
        Assert.Equal<byte[]>(bytesOf b, bytesOf bias)
        Assert.Equal(5L, count.item<int64>())
        // copy_ into a leaf that requires grad throws unless no_grad is on.
        Assert.True(p.requires_grad && p.is_leaf))

// ---------------------------------------------------------------------------------------------------------------------
// Random sets of tensors

/// One tensor of a generated set: a name (quotes, backslashes, non-ASCII and astral characters included), a dtype index
/// into <see cref="dtypes"/> and a shape (rank 0 to 3, dimensions 0 to 4).
type TensorCase = { Name: string; Dtype: int; Shape: int64 list }

/// A generated file: its tensors (names distinct), metadata and the seed of the tensors' bytes.
type FileCase = { Tensors: TensorCase list; Metadata: (string * string) list; Seed: int }

let private nameGen =
    gen {
        let! n = Gen.choose (1, 5)
        let! parts = Gen.listOfLength n (Gen.elements [ "a"; "b"; "w"; "."; "_"; "0"; "1"; "é"; "\""; "\\"; "😀"; "\uE000" ])
        return String.concat "" parts
    }

let private tensorGen =
    gen {
        let! name = nameGen
        let! dtype = Gen.choose (0, dtypes.Length - 1)
        let! rank = Gen.frequency [ (1, Gen.constant 0); (4, Gen.choose (1, 3)) ]
        let! shape = Gen.listOfLength rank (Gen.frequency [ (1, Gen.constant 0L); (6, Gen.choose (1, 4) |> Gen.map int64) ])
        return { Name = name; Dtype = dtype; Shape = shape }
    }

let fileGen =
    gen {
        let! count = Gen.frequency [ (1, Gen.constant 0); (9, Gen.choose (1, 6)) ]
        let! tensors = Gen.listOfLength count tensorGen
        let! metaCount = Gen.frequency [ (1, Gen.constant 0); (1, Gen.choose (1, 3)) ]
        let! metadata = Gen.listOfLength metaCount (Gen.zip nameGen nameGen)
        let! seed = Gen.choose (0, Int32.MaxValue)
        return { Tensors = tensors |> List.distinctBy (fun t -> t.Name); Metadata = metadata |> List.distinctBy fst; Seed = seed }
    }

/// The case's tensors, made.
let materialise (c: FileCase) =
    let rnd = Random c.Seed
    [ for t in c.Tensors ->
          let _, dtype, _ = dtypes.[t.Dtype]
          t.Name, randomTensor dtype (Array.ofList t.Shape) rnd ]

[<Fact>]
let ``Random sets of tensors of every dtype and shape, with random names and metadata, round-trip exactly`` () =
    let coverage = Coverage()
    TestFiles.withTempDir (fun dir ->
        let prop (c: FileCase) =
            let path = Path.Combine(dir, "p.safetensors")
            let tensors = materialise c
            writeFile path tensors c.Metadata
            assertReadsBack path tensors c.Metadata
            for _, t in tensors do t.Dispose()
            coverage.Note("no tensors", c.Tensors.IsEmpty)
            coverage.Note("a scalar", c.Tensors |> List.exists (fun t -> t.Shape.IsEmpty))
            coverage.Note("an empty tensor", c.Tensors |> List.exists (fun t -> List.contains 0L t.Shape))
            coverage.Note("metadata", not c.Metadata.IsEmpty)
            coverage.Note("an escaped name", c.Tensors |> List.exists (fun t -> t.Name.IndexOfAny [| '"'; '\\' |] >= 0))
            coverage.Note("an astral name", c.Tensors |> List.exists (fun t -> t.Name.Contains "😀"))
            let sizes = c.Tensors |> List.map (fun t -> dtypes.[t.Dtype]) |> List.distinct |> List.countBy (fun (_, _, s) -> s)
            coverage.Note("two dtypes of one size", sizes |> List.exists (fun (_, k) -> k > 1))
            for name, _, _ in dtypes do coverage.Note(name, c.Tensors |> List.exists (fun t -> let n, _, _ = dtypes.[t.Dtype] in n = name))
        Check.One(config, Prop.forAll (Arb.fromGen fileGen) prop))
    coverage.Assert([ "no tensors"; "a scalar"; "an empty tensor"; "metadata"; "an escaped name"; "an astral name"
                      "two dtypes of one size" ] @ [ for n, _, _ in dtypes -> n ], cases / 50)

// ---------------------------------------------------------------------------------------------------------------------
// PyTorch

/// Runs /usr/bin/python3 with <paramref name="args"/>, its output captured.
let private python (args: string list) =
    Process.Start(ProcessStartInfo("/usr/bin/python3", args, RedirectStandardOutput = true, RedirectStandardError = true))

/// A safetensors reader and writer in plain Python (json, struct, torch.frombuffer): reads argv[1], writes argv[2] with
/// every tensor changed (floats doubled, integers plus one, bools negated) under the name + ".py", in its own layout
/// (reverse name order, json.dumps's spaced separators, no padding), and prints each tensor's dtype and shape.
let private pythonScript = """
import json, struct, sys, torch
D = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64,
     'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}
NAME = {v: k for k, v in D.items()}
with open(sys.argv[1], 'rb') as f:
    n = struct.unpack('<Q', f.read(8))[0]
    header, data = json.loads(f.read(n)), f.read()
meta, out = header.pop('__metadata__', {}), {}
for k, e in header.items():
    b, end = e['data_offsets']
    t = torch.frombuffer(bytearray(data[b:end]), dtype=D[e['dtype']]) if end > b else torch.empty(0, dtype=D[e['dtype']])
    t = t.reshape(e['shape'])
    out[k + '.py'] = ~t if t.dtype == torch.bool else t * 2 if t.is_floating_point() else t + 1
h, blobs, at = {'__metadata__': dict(meta, reader='python')}, [], 0
for k in sorted(out, reverse=True):
    t = out[k].contiguous()
    raw = bytes(t.reshape(-1).view(torch.uint8).tolist())
    h[k] = {'dtype': NAME[t.dtype], 'shape': list(t.shape), 'data_offsets': [at, at + len(raw)]}
    blobs.append(raw)
    at += len(raw)
hb = json.dumps(h).encode()
with open(sys.argv[2], 'wb') as f:
    f.write(struct.pack('<Q', len(hb)) + hb + b''.join(blobs))
print(json.dumps({k: [e['dtype'], e['shape']] for k, e in header.items()}, sort_keys=True))
"""

[<PythonTorchFact>]
let ``PyTorch reads a file GanDsl wrote, and GanDsl reads the file PyTorch writes back, value for value`` () =
    TestFiles.withTempDir (fun dir ->
        torch.manual_seed 5L |> ignore
        let shape = [| 2L; 3L |]
        let tensors =
            [ for name, dtype, _ in dtypes do
                  let t =
                      match dtype with
                      | ScalarType.Bool -> torch.randint(0L, 2L, shape).to_type(ScalarType.Bool)
                      | ScalarType.Byte -> torch.randint(0L, 256L, shape, dtype = ScalarType.Byte)
                      | ScalarType.Int8 -> torch.randint(-128L, 128L, shape, dtype = ScalarType.Int8)
                      | ScalarType.Int16 | ScalarType.Int32 | ScalarType.Int64 -> torch.randint(-30000L, 30000L, shape, dtype = dtype)
                      | _ -> torch.randn(shape).to_type(dtype)
                  yield name, t
              yield "scalar", torch.tensor(2.5f)
              yield "empty", torch.zeros(0L, 4L) ]
        let ours, theirs = Path.Combine(dir, "ours.safetensors"), Path.Combine(dir, "theirs.safetensors")
        writeFile ours tensors [ "format", "pt" ]
        let script = Path.Combine(dir, "st.py")
        File.WriteAllText(script, pythonScript)
        use p = python [ script; ours; theirs ]
        let out, err = p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync()
        Assert.True(p.WaitForExit 120000, "python did not finish in 120 s")
        Assert.True((p.ExitCode = 0), sprintf "python exited %d:\n%s" p.ExitCode err.Result)
        // What Python read: every name, dtype and shape.
        let header = SafetensorsFile.Read ours
        let described =
            JsonSerializer.Serialize(
                SortedDictionary(dict [ for e in header.Entries -> e.Name, box [| box e.Dtype; box e.Shape |] ], StringComparer.Ordinal))
        Assert.Equal(described.Replace(" ", ""), out.Result.Trim().Replace(" ", ""))
        let changed (t: torch.Tensor) =
            if t.dtype = ScalarType.Bool then t.logical_not()
            elif t.is_floating_point() then t * 2
            else t + 1
        assertReadsBack theirs [ for n, t in tensors -> n + ".py", changed t ] [ "format", "pt"; "reader", "python" ])
