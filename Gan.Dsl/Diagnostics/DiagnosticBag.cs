using System.Collections;
using Gan.Dsl.Text;
using D = Gan.Dsl.Diagnostics.Descriptors;

namespace Gan.Dsl.Diagnostics;

/// <summary>
/// Collects diagnostics. Each <c>Report…</c> method fills one descriptor of <see cref="Descriptors"/>, where all
/// message text lives; the methods only compute the pieces a message needs (a suggestion, a position).
/// </summary>
internal sealed class DiagnosticBag : IEnumerable<Diagnostic>
{
    readonly List<Diagnostic> items = [];
    readonly HashSet<(string, string, int, int, string)> seen = [];
    int errors;
    readonly Suggest.Budget suggestions = new();   // shared by every suggestion of this compilation

    public IEnumerator<Diagnostic> GetEnumerator() => items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Counted as reported, not by scanning: passes ask after every network, and a hostile spec may carry 100,000 errors.
    public bool HasErrors => errors > 0;
    public int ErrorCount => errors;

    /// <summary>Reports <paramref name="descriptor"/> at a span. The same finding at the same place is kept once
    /// (a block expanded twice, a `use`d file's items).</summary>
    public void Report(DiagnosticDescriptor descriptor, SourceText s, TextSpan span, params object?[] args)
    {
        var diagnostic = new Diagnostic(descriptor.Id, descriptor.Severity, s, span, descriptor.Format(args));
        if (!seen.Add((diagnostic.Code, s.Path, span.Start, span.Length, diagnostic.Message))) return;
        items.Add(diagnostic);
        if (diagnostic.IsError) errors++;
    }

    /// <summary>"; did you mean 'x'?" when a candidate is close enough, else "".</summary>
    string DidYouMean(string name, IEnumerable<string> candidates)
    {
        var best = Suggest.Closest(name, candidates, suggestions);
        return best is null ? "" : $"; did you mean '{best}'?";
    }

    /// <summary>Where a first definition is: <c>line:col</c> in the same file, else <c>path:line:col</c>.</summary>
    static string At(SourceText s, SourceText firstSource, TextSpan first)
    {
        var (l, c) = firstSource.LineCol(first.Start);
        return firstSource == s ? $"{l}:{c}" : $"{firstSource.Path}:{l}:{c}";
    }

    // ---- GAN01xx -----------------------------------------------------------------------------
    public void ReportBadCharacter(SourceText s, TextSpan span, string text) => Report(D.BadCharacter, s, span, Visible(text));

    /// <summary>
    /// A run of bad characters as a message can show it: control and format characters (a NUL byte, a stray BOM) as
    /// U+XXXX, which a terminal would otherwise swallow or obey, and at most 16 of them (a file of NUL bytes is one run).
    /// </summary>
    static string Visible(string text)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char c in text.Take(16))
            sb.Append(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format
                          ? $"U+{(int)c:X4}" : c.ToString());
        return text.Length > 16 ? sb.Append("…").ToString() : sb.ToString();
    }
    public void ReportBadNumber(SourceText s, TextSpan span, string text, string why) => Report(D.BadNumber, s, span, text, why);
    public void ReportUnterminatedString(SourceText s, TextSpan span) => Report(D.UnterminatedString, s, span);
    public void ReportExpected(SourceText s, TextSpan span, string expected, string found) => Report(D.Expected, s, span, expected, found);
    public void ReportExpectedItem(SourceText s, TextSpan span, string found, IEnumerable<string> keywords) =>
        Report(D.ExpectedItem, s, span, string.Join(", ", keywords), found);
    public void ReportTooDeep(SourceText s, TextSpan span, string what, int limit, string counted, string fix) =>
        Report(D.TooDeep, s, span, what, limit, counted, fix);

    public void ReportTooManyStatements(SourceText s, TextSpan span, string network, int limit, string counted) =>
        Report(D.TooManyStatements, s, span, network, limit, counted);

    // ---- GAN02xx -----------------------------------------------------------------------------
    public void ReportUnknownName(SourceText s, TextSpan span, string kind, string name, IEnumerable<string> candidates) =>
        Report(D.UnknownName, s, span, kind, name, DidYouMean(name, candidates));
    public void ReportUnknownNameInBlock(SourceText s, TextSpan span, string name, string block) =>
        Report(D.UnknownNameInBlock, s, span, name, block);
    public void ReportDuplicate(SourceText s, TextSpan span, string kind, string name, SourceText firstSource, TextSpan first) =>
        Report(D.Duplicate, s, span, kind, name, At(s, firstSource, first));
    public void ReportRepeatedItem(SourceText s, TextSpan span, string item, TextSpan first) =>
        Report(D.RepeatedItem, s, span, item, At(s, s, first));
    public void ReportWrongType(SourceText s, TextSpan span, string what, string expected, string got) =>
        Report(D.WrongType, s, span, what, expected, got);
    public void ReportBadChoice(SourceText s, TextSpan span, string what, IReadOnlyList<string> choices, string got) =>
        Report(D.BadChoice, s, span, what, string.Join(", ", choices.Take(choices.Count - 1)), choices[^1], got, DidYouMean(got, choices));
    public void ReportArity(SourceText s, TextSpan span, string callee, string detail) => Report(D.Arity, s, span, callee, detail);
    public void ReportUnknownKeyword(SourceText s, TextSpan span, string callee, string keyword, IEnumerable<string> known) =>
        Report(D.UnknownKeyword, s, span, callee, keyword, DidYouMean(keyword, known),
               known.Any() ? "it takes: " + string.Join(", ", known) : $"it takes none; write {callee} alone");
    public void ReportArgumentTwice(SourceText s, TextSpan span, string callee, string name) =>
        Report(D.ArgumentTwice, s, span, callee, name);
    public void ReportUnknownOverride(SourceText s, string name, IEnumerable<string> parameters) =>
        Report(D.UnknownOverride, s, new TextSpan(0, 0), name, DidYouMean(name, parameters));
    public void ReportOverrideType(SourceText s, TextSpan span, string name, string type, string value) =>
        Report(D.OverrideType, s, span, name, type, value);
    public void ReportMissingItem(SourceText s, string what, string example) => Report(D.MissingItem, s, new TextSpan(0, 0), what, example);
    public void ReportUseFailed(SourceText s, TextSpan span, string path, string reason) => Report(D.UseFailed, s, span, path, reason);
    public void ReportOutsideProject(SourceText s, TextSpan span, string path, string reason) =>
        Report(D.OutsideProject, s, span, path, reason);
    public void ReportCannotRead(SourceText s, string path, string reason) => Report(D.CannotRead, s, default, path, reason);
    public void ReportMustBeNamed(SourceText s, TextSpan span, string callee, string name, string why) =>
        Report(D.MustBeNamed, s, span, callee, name, why);
    public void ReportRecursiveBlock(SourceText s, TextSpan span, string name) => Report(D.RecursiveBlock, s, span, name);
    public void ReportOutOfRange(SourceText s, TextSpan span, string what, string detail) => Report(D.OutOfRange, s, span, what, detail);
    public void ReportBlockNamedLikeLayer(SourceText s, TextSpan span, string name) => Report(D.BlockNamedLikeLayer, s, span, name);

    // ---- GAN03xx -----------------------------------------------------------------------------
    public void ReportLinearMismatch(SourceText s, TextSpan span, string layer, int expected, int got, string producer) =>
        Report(D.LinearMismatch, s, span, layer, expected, got, producer);
    public void ReportRank(SourceText s, TextSpan span, string layer, string expectedAndGot) =>
        Report(D.Rank, s, span, layer, expectedAndGot);
    public void ReportReshapeCount(SourceText s, TextSpan span, string from, long fromCount, string to, double toCount) =>
        Report(D.ReshapeCount, s, span, from, fromCount, to, toCount);
    public void ReportConcat(SourceText s, TextSpan span, string layer, string detail) => Report(D.Concat, s, span, layer, detail);
    public void ReportResidualMismatch(SourceText s, TextSpan span, string main, string shortcut, string fix) =>
        Report(D.ResidualMismatch, s, span, main, shortcut, fix);
    public void ReportSpatial(SourceText s, TextSpan span, string layer, string detail) => Report(D.Spatial, s, span, layer, detail);
    public void ReportHeadMismatch(SourceText s, TextSpan span, string loss, string detail) =>
        Report(D.HeadMismatch, s, span, loss, detail);
    public void ReportApplyShape(SourceText s, TextSpan span, string network, string input, string expected, string got) =>
        Report(D.ApplyShape, s, span, network, input, expected, got);
    public void ReportOutputChoice(SourceText s, TextSpan span, string network, string detail) =>
        Report(D.OutputChoice, s, span, network, detail);
    public void ReportTooLarge(SourceText s, TextSpan span, string what, string detail) => Report(D.TooLarge, s, span, what, detail);

    // ---- GAN04xx -----------------------------------------------------------------------------
    public void ReportUnreachable(SourceText s, TextSpan span, string optimizer, string network, string loss) =>
        Report(D.Unreachable, s, span, optimizer, network, loss);
    public void ReportGeneratorUpdatesD(SourceText s, TextSpan span, string optimizer, string disc, string gen) =>
        Report(D.GeneratorUpdatesD, s, span, optimizer, disc, gen);
    public void ReportMissingDetach(SourceText s, TextSpan span, string optimizer, string gen) =>
        Report(D.MissingDetach, s, span, optimizer, gen);
    public void ReportDoubleSigmoid(SourceText s, TextSpan span, string network, string output) =>
        Report(D.DoubleSigmoid, s, span, network, output);
    public void ReportBceOnLogits(SourceText s, TextSpan span, string network, string output) =>
        Report(D.BceOnLogits, s, span, network, output);
    public void ReportBceWithPenalty(SourceText s, TextSpan span, string optimizer) => Report(D.BceWithPenalty, s, span, optimizer);
    public void ReportBatchNormInCritic(SourceText s, TextSpan span, string network) => Report(D.BatchNormInCritic, s, span, network);
    public void ReportLossKind(SourceText s, TextSpan span, string detail) => Report(D.LossKind, s, span, detail);
    public void ReportLossCycle(SourceText s, TextSpan span, string name) => Report(D.LossCycle, s, span, name);

    // ---- GAN05xx -----------------------------------------------------------------------------
    public void ReportSchedule(SourceText s, TextSpan span, string detail) => Report(D.Schedule, s, span, detail);
    public void ReportNeverStepped(SourceText s, TextSpan span, string optimizer) => Report(D.NeverStepped, s, span, optimizer);
    public void ReportSampling(SourceText s, TextSpan span, string detail) => Report(D.Sampling, s, span, detail);
    public void ReportEma(SourceText s, TextSpan span, string detail) => Report(D.Ema, s, span, detail);

    // ---- GAN06xx -----------------------------------------------------------------------------
    public void ReportEpsLikeMomentum(SourceText s, TextSpan span, double eps) => Report(D.EpsLikeMomentum, s, span, eps);
    public void ReportMomentumLikeDecay(SourceText s, TextSpan span, double momentum) => Report(D.MomentumLikeDecay, s, span, momentum);
    public void ReportCriticSigmoid(SourceText s, TextSpan span, string loss, string network, string output) =>
        Report(D.CriticSigmoid, s, span, loss, network, output);
    public void ReportUnusedNetwork(SourceText s, TextSpan span, string name) => Report(D.UnusedNetwork, s, span, name);
    public void ReportUnusedLatent(SourceText s, TextSpan span, string name) => Report(D.UnusedLatent, s, span, name);
    public void ReportAbsurdSize(SourceText s, TextSpan span, long count, long limit) =>
        Report(D.AbsurdSize, s, span,
               count == long.MaxValue ? "more than 9e18" : count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), limit);
    public void ReportPartOrder(SourceText s, TextSpan span, string network, string order, string firstOrder) =>
        Report(D.PartOrder, s, span, network, order, firstOrder);
    public void ReportUnusedLoss(SourceText s, TextSpan span, string name) => Report(D.UnusedLoss, s, span, name);
}
