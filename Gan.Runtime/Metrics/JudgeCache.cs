using Gan.Runtime.Data;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// Trained judges, cached next to the data (<c>judge/{set}-{version}.dat</c>, its test accuracy beside it); each is
/// trained on first use.
/// </summary>
internal static class JudgeCache
{
    public static string PathFor(JudgeSet set) => Path.Combine(DataCache.Root, "judge", $"{set.Name}-{set.Version}.dat");

    /// <summary>A split of the set as N×1×28×28 in [0, 1] and labels N.</summary>
    public static (Tensor X, Tensor Y) Images(JudgeSet set, string split, Action<string> notice)
    {
        var data = Idx.ReadSplit(set.Fetch(notice), split);
        var x = tensor(data.Pixels).reshape(data.Count, 1, data.Rows, data.Cols).to_type(ScalarType.Float32) / 255f;
        return (x, tensor(data.Labels).to_type(ScalarType.Int64));
    }

    /// <summary>Trains the set's judge (deterministically) and saves it atomically. Returns it with its test accuracy.</summary>
    public static (JudgeNetwork Judge, double Accuracy) Train(JudgeSet set, Action<string> say)
    {
        using var scope = NewDisposeScope();
        var (trainX, trainY) = Images(set, "train", say);
        var (testX, testY) = Images(set, "test", say);
        var (judge, acc) = JudgeNetwork.Train(set.Architecture, trainX, trainY, testX, testY, set.Epochs, set.Flip, say);
        var path = PathFor(set);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, tmp => judge.save(tmp));
        AtomicFile.WriteAllText(path + ".accuracy", acc.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return (judge, acc);
    }

    /// <summary>The set's cached judge, trained first (with a notice) when missing.</summary>
    public static JudgeNetwork Load(JudgeSet set, Action<string> say)
    {
        var path = PathFor(set);
        if (!File.Exists(path))
        {
            say($"the {set.Title} judge is not cached ({path}); training it once ({set.Epochs} epochs, a few minutes on CPU)...");
            return Train(set, say).Judge;
        }
        var judge = new JudgeNetwork(set.Architecture);
        try   // the cache may hold a damaged or foreign file: checked before TorchSharp's loader trusts its lengths
        {
            StateDictFile.CheckModule(path, $"the {set.Title} judge",
                                      [.. judge.state_dict().Select(kv => ExpectedTensor.Of(kv.Key, kv.Value))],
                                      "the file is damaged or was saved by another judge version.",
                                      $"Delete it and run `gan judge train --data {set.Name}` to train the judge again.");
        }
        catch (Errors.UserInputException) { judge.Dispose(); throw; }
        judge.load(path);
        judge.eval();
        return judge;
    }

    /// <summary>The protocol line naming a judge: its set, version and the SHA-256 of its weights.</summary>
    public static string Describe(JudgeSet set) => $"{set.Name} {set.Version} sha256 {Downloads.Sha256(PathFor(set))[..16]}…";
}
