using Gan.Runtime.Data;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>The trained MNIST judge, cached next to the data (<c>judge/mnist-judge-v1.dat</c>); trained on first use.</summary>
internal static class JudgeCache
{
    public static string PathFor => Path.Combine(DataCache.Root, "judge", $"mnist-{MnistJudge.Version}.dat");

    /// <summary>MNIST split as N×1×28×28 in [0, 1] and labels N.</summary>
    public static (Tensor X, Tensor Y) Mnist(string split, Action<string> notice)
    {
        var set = Idx.ReadSplit(DataCache.EnsureMnist(notice), split);
        var x = tensor(set.Pixels).reshape(set.Count, 1, set.Rows, set.Cols).to_type(ScalarType.Float32) / 255f;
        return (x, tensor(set.Labels).to_type(ScalarType.Int64));
    }

    /// <summary>Trains the judge (deterministically, 4 epochs) and saves it atomically. Returns its test accuracy.</summary>
    public static (MnistJudge Judge, double Accuracy) Train(Action<string> say)
    {
        using var scope = NewDisposeScope();
        var (trainX, trainY) = Mnist("train", say);
        var (testX, testY) = Mnist("test", say);
        var (judge, acc) = MnistJudge.Train(trainX, trainY, testX, testY, 4, say);
        Directory.CreateDirectory(Path.GetDirectoryName(PathFor)!);
        AtomicFile.Write(PathFor, tmp => judge.save(tmp));
        AtomicFile.WriteAllText(PathFor + ".accuracy", acc.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        return (judge, acc);
    }

    /// <summary>The cached judge, trained first (with a notice) when missing.</summary>
    public static MnistJudge Load(Action<string> say)
    {
        if (!File.Exists(PathFor))
        {
            say($"the MNIST judge is not cached ({PathFor}); training it once (4 epochs, a few minutes on CPU)...");
            return Train(say).Judge;
        }
        var judge = new MnistJudge();
        try   // the cache may hold a damaged or foreign file: checked before TorchSharp's loader trusts its lengths
        {
            StateDictFile.CheckModule(PathFor, "the MNIST judge", [.. judge.state_dict().Select(kv => ExpectedTensor.Of(kv.Key, kv.Value))],
                                      "the file is damaged or was saved by another judge version.",
                                      "Delete it and run `gan judge train` to train the judge again.");
        }
        catch (Errors.UserInputException) { judge.Dispose(); throw; }
        judge.load(PathFor);
        judge.eval();
        return judge;
    }
}
