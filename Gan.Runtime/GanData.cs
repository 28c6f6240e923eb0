using Gan.Runtime.Data;
using Gan.Runtime.Errors;
using Gan.Runtime.Metrics;
using Gan.Runtime.Runs;
using Gan.Dsl;

namespace Gan.Runtime;

/// <summary>The datasets GanDsl fetches into its cache (<c>$GANDSL_DATA</c>, else <c>~/.cache/gandsl</c>).</summary>
public static class GanData
{
    public static IReadOnlyList<string> Datasets { get; } = ["mnist", "fashion-mnist", "emoji"];

    /// <summary>The cache folder of a dataset.</summary>
    public static string Folder(string dataset) => dataset switch
    {
        "mnist" => DataCache.MnistDir,
        "fashion-mnist" => FashionMnistCache.Dir,
        "emoji" => DataCache.EmojiDir,
        _ => throw new UserInputException($"unknown dataset '{dataset}'; GanDsl fetches {string.Join(", ", Datasets)}"),
    };

    /// <summary>Fetches and verifies a dataset into the cache (again when <paramref name="force"/>) and returns its folder.</summary>
    public static string Fetch(string dataset, bool force = false, Action<string>? notice = null)
    {
        var say = notice ?? (_ => { });
        var folder = Folder(dataset);
        if (dataset == "mnist") DataCache.FetchMnist(say, force);
        else if (dataset == "fashion-mnist") FashionMnistCache.Fetch(say, force);
        else DataCache.FetchEmoji(say, force);
        return folder;
    }
}

/// <summary>
/// A trained judge: its test accuracy, where it is cached, its version, the training time and the accuracy it should reach.
/// </summary>
public sealed record JudgeTraining(double Accuracy, string Path, string Version, double Seconds, double ExpectedAccuracy);

/// <summary>The judges behind `gan eval`'s judge metrics on MNIST and Fashion-MNIST (each trained on first use otherwise).</summary>
public static class GanJudge
{
    /// <summary>The datasets that have a judge, by the names <see cref="Train"/> takes.</summary>
    public static IReadOnlyList<string> Sets => [.. JudgeSet.All.Select(s => s.Name)];

    /// <summary>
    /// Trains the judge of <paramref name="data"/> (mnist or fashion-mnist; deterministic) and caches it. An unknown name is
    /// refused as bad input.
    /// </summary>
    public static JudgeTraining Train(string data = "mnist", Action<string>? notice = null)
    {
        var set = JudgeSet.Named(data)
                  ?? throw new UserInputException($"there is no judge for '{data}'; the judges are {string.Join(", ", Sets)}");
        Native.TorchNative.Prepare();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (judge, accuracy) = JudgeCache.Train(set, notice ?? (_ => { }));
        judge.Dispose();
        return new JudgeTraining(accuracy, JudgeCache.PathFor(set), set.Version, clock.Elapsed.TotalSeconds,
                                 set.ExpectedAccuracy);
    }
}

/// <summary>Spec files on disk.</summary>
public static class SpecFiles
{
    /// <summary>
    /// Formats a spec file canonically; with <paramref name="write"/> replaces it (atomically) when that changes it.
    /// The result's text is the formatted spec, or null with the syntax errors that prevent formatting.
    /// </summary>
    public static FormatResult Format(string path, bool write)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"{path}: {e.Message}"); }
        var result = GanSpec.Format(path, text);
        if (write && result.Changed) AtomicFile.WriteAllText(path, result.Text!);
        return result;
    }
}
