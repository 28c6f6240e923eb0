/// Hostile specs: nesting of every kind far past the limit, huge specs, odd bytes and line ends. Each builder returns the
/// text and, where the compiler must stop at the nesting limit, the offset it must point at.
module Gan.Tests.HostileGenerators

open System.Text
open FsCheck.FSharp

/// The compiler's nesting limit (Gan.Dsl's Nesting.MaxDepth), restated: a change of it must show here.
let limit = 256

/// A small valid spec (2-D Gaussian data, linear G, one-layer D) with room for extra items, G's body and g_loss.
let spec (items: string) (gBody: string) (gLoss: string) =
    "gan hostile \"a spec under attack\"\n"
    + "data gaussian2d(mean: [1, 2], transform: [[1, 2], [-0.1, 0.5]], count: 100)\n"
    + "latent z = normal(2)\n"
    + items
    + "network G(z: [2]) {\n" + gBody + "}\n"
    + "network D(x: [2]) {\n  linear(1)\n}\n"
    + "loss d_loss = bce_logits(D(real), 1) + bce_logits(D(detach(G(z))), 0)\n"
    + "loss g_loss = " + gLoss + "\n"
    + "optimizer opt_d = adam(D, lr: 0.05) minimize d_loss\n"
    + "optimizer opt_g = adam(G, lr: 0.01) minimize g_loss\n"
    + "schedule {\n  batch: 4\n  epochs: 1\n  order: [opt_d, opt_g]\n}\n"

/// The valid spec, untouched.
let validSpec = spec "" "  linear(2)\n" "bce_logits(D(G(z)), 1)"

let private rep (s: string) (n: int) = String.replicate n s

/// The spec with one extra item; the offset of <paramref name="at"/> within the item made absolute.
let private withItem (item: string) (at: int) =
    let text = spec item "  linear(2)\n" "bce_logits(D(G(z)), 1)"
    text, text.IndexOf item + at

/// Nesting of one kind <paramref name="depth"/> levels deep, in an otherwise valid spec, and where the limit is passed
/// (the opening token of level limit + 1, or the call, loss or `use` one level too deep).
let nested (kind: string) (depth: int) : string * int =
    match kind with
    | "parens" -> withItem ("param p = " + rep "(" depth + "1" + rep ")" depth + "\n") (10 + limit)
    | "brackets" -> withItem ("param p = " + rep "[" depth + "1" + rep "]" depth + "\n") (10 + limit)
    | "calls" -> withItem ("param p = " + rep "sqrt(" depth + "1" + rep ")" depth + "\n") (10 + limit * 5 + 4)
    | "unary minus" -> withItem ("param p = " + rep "-" depth + "1\n") (10 + limit)
    | "operator chain" -> withItem ("param p = 1" + rep " + 1" depth + "\n") (11 + limit * 4 + 1)
    | "output selections" -> withItem ("loss sel = D(G(z))" + rep ".out" depth + "\n") (18 + limit * 4)
    | "braces" ->
        // The network's body is one level, so the 256th `if` opens level 257.
        let body = rep "  if true {\n" depth + "  linear(2)\n" + rep "  }\n" depth
        let text = spec "" body "bce_logits(D(G(z)), 1)"
        text, text.IndexOf "network G" + "network G(z: [2]) {\n".Length + (limit - 1) * 12 + 10
    | "blocks" ->
        // b0 calls b1 calls b2 ...: the call in b255 would open level 257.
        let blocks = StringBuilder()
        for i in 0 .. depth - 2 do blocks.Append($"block b{i}() {{ b{i + 1} }}\n") |> ignore
        blocks.Append($"block b{depth - 1}() {{ linear(2) }}\n") |> ignore
        let text = spec (blocks.ToString()) "  b0\n" "bce_logits(D(G(z)), 1)"
        text, text.IndexOf $"block b{limit - 1}() {{ " + $"block b{limit - 1}() {{ ".Length
    | "loss references" ->
        // l0 refers to l1 ... to l(depth-1) = mean(D(G(z))), 4 levels; the limit, 4 x 256 levels, is passed at the loss whose
        // chain down to the end is 1021 references long.
        let losses = StringBuilder()
        for i in 0 .. depth - 2 do losses.Append($"loss l{i} = l{i + 1}\n") |> ignore
        losses.Append($"loss l{depth - 1} = mean(D(G(z)))\n") |> ignore
        let text = spec (losses.ToString()) "  linear(2)\n" "bce_logits(D(G(z)), 1) + l0"
        let name = $"loss l{depth - 1 - (4 * limit - 3)} ="
        text, text.IndexOf(name + " ") + 5
    | other -> failwithf "no nesting kind %s" other

/// Every kind <see cref="nested"/> builds.
let nestingKinds =
    [ "parens"; "brackets"; "calls"; "unary minus"; "operator chain"; "output selections"; "braces"; "blocks"; "loss references" ]

/// One level of a random nest: its opening text and its closing text. Each is exactly one level to the parser.
let private levels = [| "(", ")"; "[", "]"; "sqrt(", ")"; "-", ""; "+", ""; "exp(-", ")" |]

/// A param whose value nests the given levels (indices into the level kinds) around 1, and the offset of each level's
/// counted token: the last character of its opening text, except "exp(-", whose sign is a level of its own.
let mixedNest (picks: int list) =
    let sb = StringBuilder "param p = "
    let marks = ResizeArray()
    for k in picks do
        let opening, _ = levels.[k]
        if opening = "exp(-" then
            marks.Add(sb.Length + 3)
            marks.Add(sb.Length + 4)
        else marks.Add(sb.Length + opening.Length - 1)
        sb.Append opening |> ignore
    sb.Append "1" |> ignore
    for k in List.rev picks do sb.Append(snd levels.[k]) |> ignore
    sb.Append "\n" |> ignore
    let text = spec (sb.ToString()) "  linear(2)\n" "bce_logits(D(G(z)), 1)"
    let start = text.IndexOf "param p = "
    text, [ for m in marks -> start + m ]

/// How many levels the picks open ("exp(-" opens two).
let levelCount (picks: int list) = picks |> List.sumBy (fun k -> if fst levels.[k] = "exp(-" then 2 else 1)

/// Random level kinds opening <paramref name="lo"/> to <paramref name="hi"/> levels (picks past hi are dropped).
let levelPicks lo hi = gen {
    let! n = Gen.choose (lo, hi)
    let! picks = Gen.listOfLength n (Gen.choose (0, levels.Length - 1))
    let rec fit ps = if levelCount ps <= hi then ps else fit (List.take (List.length ps - 1) ps)
    return fit picks }

/// Text of brackets, braces, signs, operators and names at random, biased to opening: nests far past the limit, rarely
/// closes in order, and ends at random.
let bracketSoup =
    let piece = Gen.frequency [ 6, Gen.elements [ "("; "["; "{"; "-"; "f("; "if x {" ]
                                2, Gen.elements [ ")"; "]"; "}" ]
                                2, Gen.elements [ " + "; " * "; "1"; "x"; ","; "\n"; ".a"; "\nparam p = "; "\nloss l = " ] ]
    gen {
        let! n = Gen.choose (300, 6000)
        let! head = Gen.elements [ "param p = "; "loss l = "; "network G(z: [2]) {\n"; "data f("; "schedule {\n a: " ]
        let! pieces = Gen.listOfLength n piece
        return head + String.concat "" pieces }

/// A valid spec with <paramref name="count"/> params, each an expression over the one before.
let manyParams count =
    let sb = StringBuilder "param p0 = 1\n"
    for i in 1 .. count - 1 do sb.Append($"param p{i} = (p{i - 1} + {i % 7}) / 2\n") |> ignore
    spec (sb.ToString()) "  linear(2)\n" "bce_logits(D(G(z)), 1)"

/// A valid spec whose G has <paramref name="count"/> layers (then the one that gives D its input).
let manyLayers count =
    spec "" (rep "  linear(4)\n" (count - 1) + "  linear(2)\n") "bce_logits(D(G(z)), 1)"

/// A valid spec of at least <paramref name="bytes"/> characters, mostly comments between its items.
let hugeCommented bytes =
    let line = "# " + System.String('x', 97) + "\n"
    let comments = rep line (bytes / line.Length + 1)
    spec comments "  linear(2)\n" "bce_logits(D(G(z)), 1)"

// ---- Checks shared by the hostile-spec tests ----------------------------------------------------

/// Compiles a hostile spec, as the file hostile.gan.
let compile (text: string) = Gan.Dsl.Compilation.Compile("hostile.gan", text)

/// The first diagnostics of a result, for a failure message.
let describe (r: Gan.Dsl.CompileResult) =
    r.Diagnostics |> Seq.map (fun d -> d.Format false) |> Seq.truncate 5 |> String.concat "\n"

/// The one diagnostic a spec past a limit must give: <paramref name="code"/> at the offset, its message saying
/// <paramref name="says"/>, and nothing else.
let assertOnlyAt (code: string) (says: string) (r: Gan.Dsl.CompileResult) (offset: int) =
    match List.ofSeq r.Diagnostics with
    | [ d ] ->
        Xunit.Assert.True((d.Code = code && d.Span.Start = offset), sprintf "expected %s at %d, got:\n%s" code offset (describe r))
        Xunit.Assert.Contains(says, d.Message)
    | _ -> failwithf "expected one %s at offset %d, got %d diagnostics:\n%s" code offset r.Diagnostics.Count (describe r)
