using Gan.Runtime.Data;

namespace Gan.Runtime.Metrics;

/// <summary>
/// A labelled 28×28 grey-level dataset that has a judge: its cache name, how to fetch its splits, how long its judge trains,
/// whether random horizontal flips are a valid augmentation (clothes, not digits), the test accuracy below which
/// `gan judge train` warns, and its judge's architecture (whose version keys the cache).
/// </summary>
internal sealed record JudgeSet(string Name, string Title, Func<Action<string>, string> Fetch, int Epochs, bool Flip,
                                double ExpectedAccuracy, JudgeArchitecture Architecture)
{
    public static readonly JudgeSet Mnist = new("mnist", "MNIST", DataCache.EnsureMnist, 8, false, 0.993, JudgeArchitecture.V3);
    public static readonly JudgeSet FashionMnist =
        new("fashion-mnist", "Fashion-MNIST", FashionMnistCache.Ensure, 10, true, 0.93, JudgeArchitecture.V5);

    /// <summary>The version of this set's judge (architecture and recipe), as the cache and the protocol name it.</summary>
    public string Version => Architecture.Version;

    public static IReadOnlyList<JudgeSet> All => [Mnist, FashionMnist];

    /// <summary>The set named <paramref name="name"/> (mnist, fashion-mnist), or null.</summary>
    public static JudgeSet? Named(string name) => All.FirstOrDefault(s => s.Name == name);
}
