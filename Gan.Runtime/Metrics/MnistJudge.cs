using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Gan.Runtime.Metrics;

/// <summary>
/// The MNIST judge: a small CNN that GanDsl trains itself (deterministically) on MNIST train and
/// uses for judge-FID (its 128-wide penultimate features), judge-IS and class accuracy.
/// Input: N×1×28×28 in [0, 1].
/// </summary>
internal sealed class MnistJudge : Module<Tensor, Tensor>
{
    /// <summary>Bump when the architecture or the training recipe changes; cached judges are keyed by it.</summary>
    public const string Version = "judge-v2";

    readonly Sequential features;
    readonly Linear classifier;
    readonly Dropout dropout;

    public MnistJudge() : base("judge")
    {
        features = Sequential(
            ("conv1", Conv2d(1, 32, 3, padding: 1)), ("bn1", BatchNorm2d(32)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),   // 32×14×14
            ("conv2", Conv2d(32, 64, 3, padding: 1)), ("bn2", BatchNorm2d(64)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),  // 64×7×7
            ("flatten", Flatten()), ("fc", Linear(64 * 7 * 7, 128)), ("relu3", ReLU()));                                    // 128
        dropout = Dropout(0.3);
        classifier = Linear(128, 10);
        RegisterComponents();
    }

    /// <summary>Penultimate features, N×128.</summary>
    public Tensor Features(Tensor x) => features.call(x);

    /// <summary>Class logits, N×10.</summary>
    public override Tensor forward(Tensor x) => classifier.call(dropout.call(features.call(x)));

    /// <summary>Class probabilities and features for a set of images, in eval mode and batches.</summary>
    public (Tensor Probs, Tensor Features) Judge(Tensor images, int batch = 500)
    {
        eval();
        using var _ = no_grad();
        var probs = new List<Tensor>();
        var feats = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += batch)
        {
            using var scope = NewDisposeScope();
            var x = images.narrow(0, i, Math.Min(batch, images.shape[0] - i));
            var f = features.call(x);
            probs.Add(functional.softmax(classifier.call(f), 1).MoveToOuterDisposeScope());
            feats.Add(f.MoveToOuterDisposeScope());
        }
        return (cat(probs, 0), cat(feats, 0));
    }

    /// <summary>
    /// Trains a judge from scratch: Adam 1e-3 (3e-4 in the last epoch), batch 128, <paramref name="epochs"/>
    /// epochs, seed 0, shuffling from that seed. Returns the judge and its test accuracy.
    /// </summary>
    public static (MnistJudge Judge, double TestAccuracy) Train(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY,
                                                                int epochs, Action<string> progress)
    {
        manual_seed(0);
        var judge = new MnistJudge();
        var opt = optim.Adam(judge.parameters(), 1e-3);
        var gen = new Generator(0);
        const int batch = 128;
        long n = trainX.shape[0];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            judge.train();
            if (epoch == epochs - 1 && epochs > 1) foreach (var g in opt.ParamGroups) g.LearningRate = 3e-4;
            var sw = Stopwatch.StartNew();
            using var perm = randperm(n, generator: gen);
            for (long i = 0; i + batch <= n; i += batch)
            {
                using var scope = NewDisposeScope();
                var idx = perm.narrow(0, i, batch);
                var x = trainX.index_select(0, idx);                 // B×1×28×28
                var y = trainY.index_select(0, idx);                 // B
                opt.zero_grad();
                var loss = functional.cross_entropy(judge.call(x), y);
                loss.backward();
                opt.step();
            }
            progress($"judge epoch {epoch + 1}/{epochs}: test accuracy {Accuracy(judge, testX, testY):P2} "
                     + $"({sw.Elapsed.TotalSeconds:F0} s)");
        }
        return (judge, Accuracy(judge, testX, testY));
    }

    /// <summary>Top-1 accuracy on labelled images.</summary>
    public static double Accuracy(MnistJudge judge, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (probs, _) = judge.Judge(x);
        return ClassifierScores.Accuracy(probs, y);
    }
}
