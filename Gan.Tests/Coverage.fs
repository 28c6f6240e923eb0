/// Counts of what a property's generated cases held, so that a property cannot pass by never meeting the case it is about.
namespace Gan.Tests

open System.Collections.Generic
open global.Xunit

/// Feature → the number of cases that had it. Safe to note from the threads FsCheck and xunit run cases on.
type Coverage() =
    let seen = Dictionary<string, int>()

    /// One more case had <paramref name="feature"/>.
    member _.Note(feature: string) =
        lock seen (fun () -> seen.[feature] <- (match seen.TryGetValue feature with | true, n -> n | _ -> 0) + 1)

    /// One more case had <paramref name="feature"/> when <paramref name="yes"/>.
    member this.Note(feature: string, yes: bool) = if yes then this.Note feature

    member _.Count(feature: string) = lock seen (fun () -> match seen.TryGetValue feature with | true, n -> n | _ -> 0)

    member _.Clear() = lock seen (fun () -> seen.Clear())

    /// Every feature and its count, for a failure message or the test's output.
    override _.ToString() = lock seen (fun () -> sprintf "%A" (List.ofSeq seen))

    /// Each feature appeared in at least <paramref name="floor"/> cases.
    member this.Assert(features: string seq, floor: int) =
        let missing = [ for f in features do if this.Count f < floor then yield sprintf "%s (%d)" f (this.Count f) ]
        Assert.True(missing.IsEmpty, sprintf "too few generated cases had: %A (seen %s)" missing (this.ToString()))
