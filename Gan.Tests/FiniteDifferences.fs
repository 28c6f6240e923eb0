/// The gradient oracle (DiffSharp is not available): central finite differences in float64.
module Gan.Tests.FiniteDifferences

open System
open TorchSharp

/// Central-difference step and tolerance: |autograd − numeric| ≤ tol·max(1, |numeric|).
let h = 1e-6
let tol = 1e-6

let mutable private kinkCount = 0
let mutable private elementCount = 0

/// Elements differentiated so far, and how many of them sat on a kink (for tests that bound the skipped share).
let elements () = elementCount
let kinks () = kinkCount

/// Central differences of f with respect to every element of t (changed in place, then restored). An element
/// where the one-sided slopes disagree sits on a kink (relu at 0, two maxpool inputs within h of each other):
/// f has no derivative there, so it is given as NaN and not compared; the tests check such points stay rare.
let finiteDifferences (f: unit -> float) (t: torch.Tensor) =
    let flat = t.view(-1L)
    // Edits happen without autograd (t may be a parameter); f itself runs with it (a penalty needs it).
    let set (i: int) (v: float) = use _ = torch.no_grad() in flat.[int64 i] <- torch.tensor(v, dtype = torch.float64)
    let f0 = f ()
    Array.init (int flat.shape.[0]) (fun i ->
        let x0 = flat.[int64 i].item<float>()
        set i (x0 + h)
        let plus = f ()
        set i (x0 - h)
        let minus = f ()
        set i x0
        let right, left = (plus - f0) / h, (f0 - minus) / h
        elementCount <- elementCount + 1
        if abs (right - left) > 1e-3 * max 1.0 (abs right) then
            kinkCount <- kinkCount + 1
            nan
        else (plus - minus) / (2.0 * h))

/// Fails, naming the element, where autograd and the finite differences disagree beyond the tolerance.
let compareGradients what (autograd: float[]) (numeric: float[]) =
    for i in 0 .. numeric.Length - 1 do
        let err = abs (autograd.[i] - numeric.[i])
        if not (Double.IsNaN numeric.[i]) && err > tol * max 1.0 (abs numeric.[i]) then
            failwithf "%s[%d]: autograd %.10g, finite differences %.10g (error %.3g)" what i autograd.[i] numeric.[i] err
