/// The ELF edit that makes TorchSharp's library load where libstdc++ lacks GLIBCXX_3.4.32 (Gan.Runtime/Native): on a small
/// synthetic ELF built here, on TorchSharp's real library, and the cache copy TorchNative writes at first use.
module Gan.Tests.Runtime.ElfPatchTests

open System
open System.IO
open System.Text
open global.Xunit
open Gan.Runtime.Native
open Gan.Tests

let private put16 (b: byte[]) (at: int) (v: int) = BitConverter.GetBytes(uint16 v).CopyTo(b, at)
let private put32 (b: byte[]) (at: int) (v: int64) = BitConverter.GetBytes(uint32 v).CopyTo(b, at)
let private put64 (b: byte[]) (at: int) (v: int64) = BitConverter.GetBytes(v).CopyTo(b, at)

/// A minimal little-endian ELF64: .dynstr; .gnu.version_r needing GLIBCXX_3.4.29 and GLIBCXX_3.4.32 (flags 0) from
/// libstdc++.so.6; .dynamic needing libfoo.so and libstdc++.so.6. Returns the bytes and the offset of each Vernaux.
let synthetic () =
    let strtab = "\000libstdc++.so.6\000GLIBCXX_3.4.29\000GLIBCXX_3.4.32\000libfoo.so\000"
    let str (s: string) = int64 (strtab.IndexOf("\000" + s + "\000", StringComparison.Ordinal) + 1)
    let strOff, verOff, dynOff = 64, 128, 192
    let shOff = 256
    let b = Array.zeroCreate<byte> (shOff + 4 * 64)
    b.[0] <- 0x7fuy; b.[1] <- byte 'E'; b.[2] <- byte 'L'; b.[3] <- byte 'F'; b.[4] <- 2uy; b.[5] <- 1uy; b.[6] <- 1uy
    put64 b 0x28 (int64 shOff); put16 b 0x34 64; put16 b 0x3A 64; put16 b 0x3C 4
    Encoding.ASCII.GetBytes(strtab).CopyTo(b, strOff)
    // Elf64_Verneed: version 1, 2 entries, file, aux at +16, no next
    put16 b verOff 1; put16 b (verOff + 2) 2; put32 b (verOff + 4) (str "libstdc++.so.6"); put32 b (verOff + 8) 16L
    let aux1, aux2 = verOff + 16, verOff + 32
    put32 b (aux1 + 8) (str "GLIBCXX_3.4.29"); put32 b (aux1 + 12) 16L
    put32 b (aux2 + 8) (str "GLIBCXX_3.4.32")
    put64 b dynOff 1L; put64 b (dynOff + 8) (str "libfoo.so")
    put64 b (dynOff + 16) 1L; put64 b (dynOff + 24) (str "libstdc++.so.6")
    let section i (typ: int64) (off: int) (size: int) (link: int) (info: int) =
        let sh = shOff + i * 64
        put32 b (sh + 4) typ; put64 b (sh + 0x18) (int64 off); put64 b (sh + 0x20) (int64 size)
        put32 b (sh + 0x28) (int64 link); put32 b (sh + 0x2C) (int64 info)
    section 1 3L strOff strtab.Length 0 0
    section 2 0x6ffffffeL verOff 48 1 1
    section 3 6L dynOff 48 1 0
    b, aux1, aux2

[<Fact>]
let ``The synthetic ELF: the version needs are found, and only GLIBCXX_3.4.32's flag gains the weak bit`` () =
    let b, aux29, aux32 = synthetic ()
    Assert.Equal<int list>([ aux32 + 4 ], ElfVersionNeeds.FlagOffsets(b, "GLIBCXX_3.4.32") |> List.ofSeq)
    Assert.Equal(ElfVersionNeeds.State.Required, ElfVersionNeeds.StateOf(b, "GLIBCXX_3.4.32"))
    Assert.Equal(ElfVersionNeeds.State.Absent, ElfVersionNeeds.StateOf(b, "GLIBCXX_3.4.3"))
    Assert.Equal<string list>([ "libfoo.so"; "libstdc++.so.6" ], ElfVersionNeeds.Needed b |> List.ofSeq)
    let before = Array.copy b
    Assert.True(ElfVersionNeeds.Weaken(b, "GLIBCXX_3.4.32"))
    let changed = [ for i in 0 .. b.Length - 1 do if b.[i] <> before.[i] then i ]
    Assert.Equal<int list>([ aux32 + 4 ], changed)
    Assert.Equal(0x2us, BitConverter.ToUInt16(b, aux32 + 4))
    Assert.Equal(ElfVersionNeeds.State.Weak, ElfVersionNeeds.StateOf(b, "GLIBCXX_3.4.32"))
    Assert.Equal(ElfVersionNeeds.State.Required, ElfVersionNeeds.StateOf(b, "GLIBCXX_3.4.29"))
    Assert.Equal(0us, BitConverter.ToUInt16(b, aux29 + 4))
    // A patched file is left alone.
    let patched = Array.copy b
    Assert.False(ElfVersionNeeds.Weaken(b, "GLIBCXX_3.4.32"))
    Assert.Equal<byte[]>(patched, b)

[<Fact>]
let ``A cut-short or corrupted ELF gives InvalidDataException, never another exception`` () =
    let b, _, _ = synthetic ()
    let parses (bytes: byte[]) =
        try
            ElfVersionNeeds.StateOf(bytes, "GLIBCXX_3.4.32") |> ignore
            ElfVersionNeeds.Needed bytes |> ignore
            ElfVersionNeeds.Weaken(bytes, "GLIBCXX_3.4.32") |> ignore
        with :? InvalidDataException -> ()
    for n in 0 .. b.Length - 1 do parses (Array.truncate n b)
    for i in 0 .. b.Length - 1 do
        for v in [ 0x00uy; 0x7fuy; 0xffuy ] do
            let c = Array.copy b
            c.[i] <- v
            parses c
    Assert.Throws<InvalidDataException>(fun () -> ElfVersionNeeds.StateOf(Array.truncate 300 b, "x") |> ignore) |> ignore
    Assert.Throws<InvalidDataException>(fun () -> ElfVersionNeeds.Needed(Encoding.ASCII.GetBytes "#!/bin/sh\n") |> ignore) |> ignore

[<Fact>]
let ``A library provides a version when its strings name it whole`` () =
    let lib (s: string) = Encoding.ASCII.GetBytes s
    Assert.True(ElfVersionNeeds.MentionsVersion(lib "\000GLIBCXX_3.4.31\000GLIBCXX_3.4.32\000", "GLIBCXX_3.4.32"))
    Assert.False(ElfVersionNeeds.MentionsVersion(lib "\000GLIBCXX_3.4.320\000GLIBCXX_3.4.3\000", "GLIBCXX_3.4.32"))
    Assert.False(ElfVersionNeeds.MentionsVersion(lib "\000XGLIBCXX_3.4.32\000", "GLIBCXX_3.4.32"))

/// TorchSharp's libLibTorchSharp.so as its package ships it (NuGet's global folder; the build output holds a patched copy).
let shippedLibrary () =
    let packages =
        match Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
        | null | "" -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")
        | p -> p
    let version = typeof<TorchSharp.torch>.Assembly.GetName().Version
    let path =
        Path.Combine(packages, "torchsharp", sprintf "%d.%d.%d" version.Major version.Minor version.Build, "runtimes", "linux-x64",
                     "native", TorchNative.LibraryFile)
    Assert.True(File.Exists path, sprintf "TorchSharp's library is not at %s (restored elsewhere? set NUGET_PACKAGES)" path)
    path

[<Fact>]
let ``TorchSharp's real library needs GLIBCXX_3.4.32; the patch flips one bit of one byte and leaves libtorch's needs`` () =
    let original = File.ReadAllBytes(shippedLibrary ())
    Assert.Equal(ElfVersionNeeds.State.Required, ElfVersionNeeds.StateOf(original, TorchNative.Glibcxx))
    Assert.Equal<string list>([ "libtorch.so"; "libc10.so"; "libtorch_cpu.so" ],
                              ElfVersionNeeds.Needed original |> Seq.filter (fun n -> n.Contains "torch" || n.Contains "c10") |> List.ofSeq)
    let patched = Array.copy original
    Assert.True(ElfVersionNeeds.Weaken(patched, TorchNative.Glibcxx))
    let changed = [ for i in 0 .. original.Length - 1 do if original.[i] <> patched.[i] then i ]
    let at = ElfVersionNeeds.FlagOffsets(original, TorchNative.Glibcxx) |> Seq.exactlyOne
    Assert.Equal<int list>([ at ], changed)
    Assert.Equal(original.[at] ||| 2uy, patched.[at])
    Assert.False(ElfVersionNeeds.Weaken(patched, TorchNative.Glibcxx))

[<Fact>]
let ``The cache copy is written once under the original's hash, left alone after, and healed when damaged`` () =
    TestFiles.withTempDir (fun root ->
        let original, _, _ = synthetic ()
        let path = TorchNative.PatchedCopy(original, root)
        Assert.StartsWith(root, path)
        Assert.Equal(TorchNative.LibraryFile, Path.GetFileName path)
        let expected = Array.copy original
        ElfVersionNeeds.Weaken(expected, TorchNative.Glibcxx) |> ignore
        Assert.Equal<byte[]>(expected, File.ReadAllBytes path)
        Assert.Equal<string list>([ path ], Directory.GetFiles(root, "*", SearchOption.AllDirectories) |> List.ofArray)
        let stamp = DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)
        File.SetLastWriteTimeUtc(path, stamp)
        Assert.Equal(path, TorchNative.PatchedCopy(original, root))
        Assert.Equal(stamp, File.GetLastWriteTimeUtc path)
        File.WriteAllBytes(path, Array.truncate 100 expected)
        Assert.Equal(path, TorchNative.PatchedCopy(original, root))
        Assert.Equal<byte[]>(expected, File.ReadAllBytes path)
        // Another original goes into a folder of its own.
        let other = Array.append original [| 0uy |]
        Assert.NotEqual<string>(path, TorchNative.PatchedCopy(other, root)))
