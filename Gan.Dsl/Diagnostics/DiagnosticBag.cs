using System.Collections;
using Gan.Dsl.Text;

namespace Gan.Dsl.Diagnostics;

/// <summary>
/// Collects diagnostics. One <c>Report…</c> method per diagnostic, each with its stable code; all
/// message text lives in this file. <see cref="Codes"/> lists every code for the docs meta-test.
/// </summary>
public sealed partial class DiagnosticBag : IEnumerable<Diagnostic>
{
    readonly List<Diagnostic> items = [];

    public IEnumerator<Diagnostic> GetEnumerator() => items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public bool HasErrors => items.Any(d => d.IsError);
    public void AddRange(IEnumerable<Diagnostic> ds) { foreach (var x in ds) Add(x); }

    readonly HashSet<(string, string, int, int, string)> seen = [];

    // The same finding at the same place is kept once (a block expanded twice, a `use`d file's items).
    void Add(Diagnostic diagnostic)
    {
        if (seen.Add((diagnostic.Code, diagnostic.Source.Path, diagnostic.Span.Start, diagnostic.Span.Length, diagnostic.Message))) items.Add(diagnostic);
    }

    void Error(string code, SourceText s, TextSpan span, string message) => Add(new Diagnostic(code, Severity.Error, s, span, message));
    void Warning(string code, SourceText s, TextSpan span, string message) => Add(new Diagnostic(code, Severity.Warning, s, span, message));

    static string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var best = Suggest.Closest(name, candidates);
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    /// <summary>Every diagnostic code with its severity and a one-line summary (the docs must cover each).</summary>
    public static readonly IReadOnlyDictionary<string, (Severity Severity, string Summary)> Codes = new Dictionary<string, (Severity, string)>
    {
        ["GAN0101"] = (Severity.Error, "a character that cannot start a token"),
        ["GAN0102"] = (Severity.Error, "a malformed number"),
        ["GAN0103"] = (Severity.Error, "a string without its closing quote"),
        ["GAN0104"] = (Severity.Error, "the parser expected something else here"),
        ["GAN0105"] = (Severity.Error, "a top-level item must start with an item keyword"),
        ["GAN0201"] = (Severity.Error, "an unknown name"),
        ["GAN0202"] = (Severity.Error, "a name defined twice"),
        ["GAN0203"] = (Severity.Error, "an argument or value of the wrong type"),
        ["GAN0204"] = (Severity.Error, "a missing or surplus argument"),
        ["GAN0205"] = (Severity.Error, "an unknown keyword argument"),
        ["GAN0206"] = (Severity.Error, "an argument given twice"),
        ["GAN0207"] = (Severity.Error, "a --set override names no param"),
        ["GAN0208"] = (Severity.Error, "a --set override of the wrong type"),
        ["GAN0209"] = (Severity.Error, "a required item is missing"),
        ["GAN0210"] = (Severity.Error, "a `use` file cannot be read"),
        ["GAN0211"] = (Severity.Error, "an argument that must be given by keyword"),
        ["GAN0212"] = (Severity.Error, "a block that calls itself"),
        ["GAN0213"] = (Severity.Error, "a value outside its valid range"),
        ["GAN0214"] = (Severity.Error, "a block with the name of a built-in layer"),
        ["GAN0301"] = (Severity.Error, "linear in-features do not match"),
        ["GAN0302"] = (Severity.Error, "a layer gets a tensor of the wrong rank"),
        ["GAN0303"] = (Severity.Error, "reshape changes the element count"),
        ["GAN0304"] = (Severity.Error, "concatenated values do not fit together"),
        ["GAN0305"] = (Severity.Error, "a spatial size reaches zero or is not whole, or a layer cannot use the spatial size it gets"),
        ["GAN0306"] = (Severity.Error, "a network output does not fit the loss it feeds"),
        ["GAN0307"] = (Severity.Error, "a network is applied to a value of the wrong shape"),
        ["GAN0308"] = (Severity.Error, "a network has no output, or several and none chosen"),
        ["GAN0309"] = (Severity.Error, "a tensor with more elements per sample than fit in 32 bits"),
        ["GAN0401"] = (Severity.Error, "an optimiser's loss cannot reach its network's parameters"),
        ["GAN0402"] = (Severity.Error, "a generator loss would update the discriminator"),
        ["GAN0403"] = (Severity.Warning, "a discriminator loss uses G's output without detach"),
        ["GAN0404"] = (Severity.Error, "bce_logits after a sigmoid: the double-sigmoid bug"),
        ["GAN0405"] = (Severity.Error, "bce on values that are not probabilities"),
        ["GAN0406"] = (Severity.Warning, "BCE combined with a gradient penalty"),
        ["GAN0407"] = (Severity.Warning, "BatchNorm in a critic that has a gradient penalty"),
        ["GAN0408"] = (Severity.Error, "a loss term of the wrong kind"),
        ["GAN0409"] = (Severity.Error, "losses that refer to each other in a cycle"),
        ["GAN0501"] = (Severity.Error, "a schedule that cannot run"),
        ["GAN0502"] = (Severity.Warning, "an optimiser that the schedule never steps"),
        ["GAN0503"] = (Severity.Error, "sampling that the spec cannot provide"),
        ["GAN0601"] = (Severity.Warning, "a batchnorm eps that looks like a momentum"),
        ["GAN0602"] = (Severity.Warning, "a network that no loss uses"),
        ["GAN0603"] = (Severity.Warning, "a latent part that no loss uses"),
        ["GAN0604"] = (Severity.Error, "an absurd total parameter count"),
        ["GAN0605"] = (Severity.Warning, "a loss that no optimiser minimises"),
        ["GAN0607"] = (Severity.Warning, "a batchnorm momentum that looks like a TF/Keras decay"),
        ["GAN0608"] = (Severity.Warning, "a Wasserstein, hinge or relativistic loss on a sigmoid output"),
        ["GAN0606"] = (Severity.Warning, "latent parts concatenated in different orders"),
    };

    // ---- GAN01xx: lexing and parsing -------------------------------------------------------
    public void ReportBadCharacter(SourceText s, TextSpan span, string text) =>
        Error("GAN0101", s, span, $"unexpected character '{text}'; specs use letters, digits, _ and ( ) {{ }} [ ] , : ; . = + - * / \" #");
    public void ReportBadNumber(SourceText s, TextSpan span, string text, string why) =>
        Error("GAN0102", s, span, $"'{text}' is not a number ({why}); write e.g. 128, 0.5 or 2e-4");
    public void ReportUnterminatedString(SourceText s, TextSpan span) =>
        Error("GAN0103", s, span, "this string has no closing quote on its line; add \"");
    public void ReportExpected(SourceText s, TextSpan span, string expected, string found) =>
        Error("GAN0104", s, span, $"expected {expected}, found {found}");
    public void ReportExpectedItem(SourceText s, TextSpan span, string found, IEnumerable<string> keywords) =>
        Error("GAN0105", s, span, $"expected a top-level item ({string.Join(", ", keywords)}), found {found}");

    // ---- GAN02xx: names, types and arguments ----------------------------------------------
    public void ReportUnknownName(SourceText s, TextSpan span, string kind, string name, IEnumerable<string> candidates) =>
        Error("GAN0201", s, span, $"unknown {kind} '{name}'{DidYouMean(name, candidates)}");
    public void ReportDuplicate(SourceText s, TextSpan span, string kind, string name, SourceText firstSource, TextSpan first)
    {
        var (l, c) = firstSource.LineCol(first.Start);
        var at = firstSource == s ? $"{l}:{c}" : $"{firstSource.Path}:{l}:{c}";
        Error("GAN0202", s, span, $"{kind} '{name}' is already defined at {at}; rename one of them");
    }
    public void ReportRepeatedItem(SourceText s, TextSpan span, string item, TextSpan first)
    {
        var (l, c) = s.LineCol(first.Start);
        Error("GAN0202", s, span, $"a spec has one {item}, and it is already given at {l}:{c}; merge the two");
    }
    public void ReportWrongType(SourceText s, TextSpan span, string what, string expected, string got) =>
        Error("GAN0203", s, span, $"{what} must be {expected}, got {got}");
    public void ReportBadChoice(SourceText s, TextSpan span, string what, IReadOnlyList<string> choices, string got) =>
        Error("GAN0203", s, span, $"{what} must be {string.Join(", ", choices.Take(choices.Count - 1))} or {choices[^1]}, got {got}{DidYouMean(got, choices)}");
    public void ReportArity(SourceText s, TextSpan span, string callee, string detail) =>
        Error("GAN0204", s, span, $"{callee}: {detail}");
    public void ReportUnknownKeyword(SourceText s, TextSpan span, string callee, string keyword, IEnumerable<string> known) =>
        Error("GAN0205", s, span, $"{callee} has no argument '{keyword}'{DidYouMean(keyword, known)} (it takes: {string.Join(", ", known)})");
    public void ReportArgumentTwice(SourceText s, TextSpan span, string callee, string name) =>
        Error("GAN0206", s, span, $"{callee}: argument '{name}' is given twice");
    public void ReportUnknownOverride(SourceText s, string name, IEnumerable<string> parameters) =>
        Error("GAN0207", s, new TextSpan(0, 0), $"--set {name}=...: the spec has no param '{name}'{DidYouMean(name, parameters)}");
    public void ReportOverrideType(SourceText s, TextSpan span, string name, string type, string value) =>
        Error("GAN0208", s, span, $"--set {name}={value}: param '{name}' is {type}, and '{value}' is not");
    public void ReportMissingItem(SourceText s, string what, string example) =>
        Error("GAN0209", s, new TextSpan(0, 0), $"the spec has no {what}; add e.g. `{example}`");
    public void ReportUseFailed(SourceText s, TextSpan span, string path, string reason) =>
        Error("GAN0210", s, span, $"cannot use \"{path}\": {reason}");
    public void ReportCannotRead(SourceText s, string path, string reason) =>
        Error("GAN0210", s, default, $"cannot read the spec \"{path}\": {reason}");
    public void ReportMustBeNamed(SourceText s, TextSpan span, string callee, string name, string why) =>
        Error("GAN0211", s, span, $"{callee}: write '{name}:' before this value; {why}");
    public void ReportRecursiveBlock(SourceText s, TextSpan span, string name) =>
        Error("GAN0212", s, span, $"block '{name}' calls itself; blocks cannot recurse");
    public void ReportOutOfRange(SourceText s, TextSpan span, string what, string detail) =>
        Error("GAN0213", s, span, $"{what} {detail}");

    public void ReportBlockNamedLikeLayer(SourceText s, TextSpan span, string name) =>
        Error("GAN0214", s, span, $"block '{name}' has the name of a built-in layer, which it would hide; rename the block (e.g. '{name}_block')");

    // ---- GAN03xx: shapes --------------------------------------------------------------------
    public void ReportLinearMismatch(SourceText s, TextSpan span, string layer, int expected, int got, string producer) =>
        Error("GAN0301", s, span, $"{layer} expects {expected} input features, got {got} from {producer}");
    public void ReportRank(SourceText s, TextSpan span, string layer, string expectedAndGot) =>
        Error("GAN0302", s, span, $"{layer} expects {expectedAndGot}");
    public void ReportReshapeCount(SourceText s, TextSpan span, string from, long fromCount, string to, double toCount) =>
        Error("GAN0303", s, span, $"reshape from {from} ({fromCount} elements) to {to} ({toCount:0} elements) changes the element count");
    public void ReportConcat(SourceText s, TextSpan span, string detail) =>
        Error("GAN0304", s, span, $"concat: {detail}");
    public void ReportSpatial(SourceText s, TextSpan span, string layer, string detail) =>
        Error("GAN0305", s, span, $"{layer}: {detail}");
    public void ReportHeadMismatch(SourceText s, TextSpan span, string loss, string detail) =>
        Error("GAN0306", s, span, $"{loss}: {detail}");
    public void ReportApplyShape(SourceText s, TextSpan span, string network, string input, string expected, string got) =>
        Error("GAN0307", s, span, $"{network} input '{input}' expects N×{expected}, got N×{got}");
    public void ReportOutputChoice(SourceText s, TextSpan span, string network, string detail) =>
        Error("GAN0308", s, span, $"network {network}: {detail}");

    public void ReportTooLarge(SourceText s, TextSpan span, string what, string detail) =>
        Error("GAN0309", s, span, $"{what}: {detail}");

    // ---- GAN04xx: losses ----------------------------------------------------------------------
    public void ReportUnreachable(SourceText s, TextSpan span, string optimizer, string network, string loss) =>
        Error("GAN0401", s, span, $"optimiser {optimizer} updates {network}, but loss '{loss}' never applies {network} outside detach(...), so its gradient is zero; minimise a loss that uses {network}");
    public void ReportGeneratorUpdatesD(SourceText s, TextSpan span, string optimizer, string disc, string gen) =>
        Error("GAN0402", s, span, $"optimiser {optimizer} minimises a loss that rewards {disc} for being fooled by {gen}, and it updates {disc} too; let it update only {gen}");
    public void ReportMissingDetach(SourceText s, TextSpan span, string optimizer, string gen) =>
        Warning("GAN0403", s, span, $"optimiser {optimizer} does not update {gen}, but its loss backpropagates into {gen} here; write detach({gen}(...))");
    public void ReportDoubleSigmoid(SourceText s, TextSpan span, string network, string output) =>
        Error("GAN0404", s, span, $"bce_logits expects logits, but {network}.{output} ends in sigmoid (the double-sigmoid bug); use bce(...) or drop the sigmoid");
    public void ReportBceOnLogits(SourceText s, TextSpan span, string network, string output) =>
        Error("GAN0405", s, span, $"bce expects probabilities, but {network}.{output} does not end in sigmoid; use bce_logits(...) or add sigmoid");
    public void ReportBceWithPenalty(SourceText s, TextSpan span, string optimizer) =>
        Warning("GAN0406", s, span, $"optimiser {optimizer} combines a BCE loss with a gradient penalty; WGAN-GP pairs the penalty with the Wasserstein loss (acknowledge a deliberate choice with `quirks: [\"bce_gp\"]` in schedule)");
    public void ReportBatchNormInCritic(SourceText s, TextSpan span, string network) =>
        Warning("GAN0407", s, span, $"{network} has BatchNorm and a gradient penalty: the penalty is per sample, BatchNorm mixes samples; use layernorm or none (acknowledge with `quirks: [\"bn_gp\"]` in schedule)");
    public void ReportLossKind(SourceText s, TextSpan span, string detail) =>
        Error("GAN0408", s, span, detail);
    public void ReportLossCycle(SourceText s, TextSpan span, string name) =>
        Error("GAN0409", s, span, $"loss '{name}' refers to itself through other losses");

    // ---- GAN05xx: optimisers, schedule, sampling -----------------------------------------------
    public void ReportSchedule(SourceText s, TextSpan span, string detail) =>
        Error("GAN0501", s, span, $"schedule: {detail}");
    public void ReportNeverStepped(SourceText s, TextSpan span, string optimizer) =>
        Warning("GAN0502", s, span, $"optimiser {optimizer} is never stepped; add it to the schedule's order");
    public void ReportSampling(SourceText s, TextSpan span, string detail) =>
        Error("GAN0503", s, span, $"sample: {detail}");

    // ---- GAN06xx: lints and quirks -------------------------------------------------------------
    public void ReportEpsLikeMomentum(SourceText s, TextSpan span, double eps) =>
        Warning("GAN0601", s, span, $"batchnorm eps {eps} is large: it reads like a momentum (PyTorch's BatchNorm1d(n, 0.8) passes 0.8 as eps); if you mean it, acknowledge it with quirk \"...\" after the layer");
    public void ReportMomentumLikeDecay(SourceText s, TextSpan span, double momentum) =>
        Warning("GAN0607", s, span, $"batchnorm momentum {momentum} is PyTorch's (the weight of each new batch), but it reads like a TF/Keras momentum, which is a decay; for Keras' momentum={momentum} write decay: {momentum} (momentum = 1 − decay), or acknowledge it with quirk \"...\"");
    public void ReportCriticSigmoid(SourceText s, TextSpan span, string loss, string network, string output) =>
        Warning("GAN0608", s, span, $"{loss} reads the critic's raw score, but {network}.{output} ends in sigmoid, which squashes it into (0, 1); drop the sigmoid");
    public void ReportUnusedNetwork(SourceText s, TextSpan span, string name) =>
        Warning("GAN0602", s, span, $"network {name} is never used by a loss");
    public void ReportUnusedLatent(SourceText s, TextSpan span, string name) =>
        Warning("GAN0603", s, span, $"latent part '{name}' is never used");
    public void ReportAbsurdSize(SourceText s, TextSpan span, long count, long limit) =>
        Error("GAN0604", s, span, $"the networks have {(count == long.MaxValue ? "more than 9e18" : count.ToString("N0"))} parameters in total, over the limit of {limit:N0}; check the layer sizes");
    public void ReportPartOrder(SourceText s, TextSpan span, string network, string order, string firstOrder) =>
        Warning("GAN0606", s, span, $"{network} gets its latent parts in the order ({order}) here but ({firstOrder}) elsewhere; the concatenated input differs, so use one order everywhere");
    public void ReportUnusedLoss(SourceText s, TextSpan span, string name) =>
        Warning("GAN0605", s, span, $"loss '{name}' is neither minimised nor used by another loss");
}
