using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Gan.Runtime.Metrics;

/// <summary>
/// A judge's architecture: one stage per entry of <see cref="Widths"/>, each a 3×3 convolution of that many channels with
/// BatchNorm and ReLU, followed by a 2×2 max-pool (28 → 14 → 7 → 3), then a 128-wide linear layer with ReLU (the features)
/// and the 10-way classifier; it is trained on images shifted by up to <see cref="Shift"/> pixels. Where
/// <see cref="Mirror"/>, an image is judged by the mean of its features and its mirror image's (so its logits are the mean
/// of both logits too): for sets whose classes do not change under mirroring. <see cref="Version"/> names the network with
/// its training recipe in the cache.
/// </summary>
internal sealed record JudgeArchitecture(string Version, int[] Widths, int Shift, bool Mirror)
{
    /// <summary>judge-v3: two stages of 32 and 64 channels, 2-pixel shifts (MNIST).</summary>
    public static readonly JudgeArchitecture V3 = new("judge-v3", [32, 64], 2, false);

    /// <summary>judge-v4: three stages of 32, 64 and 128 channels, 2-pixel shifts (Fashion-MNIST, where v3 plateaus at
    /// 91.5%); 92.64% after 16 epochs.</summary>
    public static readonly JudgeArchitecture V4 = new("judge-v4", [32, 64, 128], 2, false);

    /// <summary>judge-v5: judge-v4's network without shifts (Fashion-MNIST: clothes fill the frame and sit where the
    /// dataset centred them, so shifted clothes are off the data; the same recipe in PyTorch, 8 epochs: 91.84% with 2-pixel
    /// shifts, 92.60% with 1, 93.07% with none), judging each image with its mirror image (93.52% there).</summary>
    public static readonly JudgeArchitecture V5 = new("judge-v5", [32, 64, 128], 0, true);
}

/// <summary>
/// A judge: a small CNN that GanDsl trains itself (deterministically) on a labelled 28×28 set's train split (MNIST,
/// Fashion-MNIST: <see cref="JudgeSet"/>, which names its <see cref="JudgeArchitecture"/>) and uses for judge-FID, KID and
/// PRDC (its 128-wide penultimate features), judge-IS and class accuracy. Input: N×1×28×28 in [0, 1].
/// </summary>
internal sealed class JudgeNetwork : Module<Tensor, Tensor>
{
    readonly Sequential features;
    readonly Linear classifier;
    readonly Dropout dropout;
    readonly bool mirror;

    public JudgeNetwork(JudgeArchitecture arch) : base("judge")
    {
        mirror = arch.Mirror;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long channels = 1, side = 28;
        for (int stage = 1; stage <= arch.Widths.Length; stage++)
        {
            long width = arch.Widths[stage - 1];
            layers.Add(($"conv{stage}", Conv2d(channels, width, 3, padding: 1)));
            layers.Add(($"bn{stage}", BatchNorm2d(width)));
            layers.Add(($"relu{stage}", ReLU()));
            layers.Add(($"pool{stage}", MaxPool2d(2)));
            (channels, side) = (width, side / 2);
        }
        // judge-v3's parameter names (conv1, bn1, conv2, bn2, fc) are unchanged, so its cached files still load.
        layers.Add(("flatten", Flatten()));
        layers.Add(("fc", Linear(channels * side * side, 128)));
        layers.Add(("relu_fc", ReLU()));                                              // 128 features
        features = Sequential(layers.ToArray());
        dropout = Dropout(0.3);
        classifier = Linear(128, 10);
        RegisterComponents();
    }

    /// <summary>Penultimate features, N×128: the mean of the image's and its mirror image's where the architecture says.
    /// </summary>
    public Tensor Features(Tensor x) => mirror ? (features.call(x) + features.call(x.flip(3))) / 2 : features.call(x);

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
            var f = Features(x);
            probs.Add(functional.softmax(classifier.call(f), 1).MoveToOuterDisposeScope());
            feats.Add(f.MoveToOuterDisposeScope());
        }
        return (cat(probs, 0), cat(feats, 0));
    }

    /// <summary>
    /// Trains a judge from scratch: Adam 1e-3, batch 128, <paramref name="epochs"/> epochs with the learning rate
    /// divided by 3 for the last quarter, and by 10 for the last epoch; seed 0, shuffling from that seed. Each batch is
    /// shifted by up to the architecture's <see cref="JudgeArchitecture.Shift"/> pixels (in groups of 16 images sharing a
    /// shift) and, where <paramref name="flip"/>, half of it is mirrored. Returns the judge and its test accuracy.
    /// </summary>
    public static (JudgeNetwork Judge, double TestAccuracy) Train(JudgeArchitecture arch, Tensor trainX, Tensor trainY,
                                                           Tensor testX, Tensor testY, int epochs, bool flip,
                                                           Action<string> progress)
    {
        // The CPU generator as manual_seed(0) leaves it, restored afterwards; CUDA's generators are not touched, so judging
        // during training (gan train --eval-every) changes none of the training's random streams.
        using var saved = get_rng_state();
        using (var seeded = new Generator(0)) { using var state = seeded.get_state(); set_rng_state(state); }
        try { return TrainSeeded(arch, trainX, trainY, testX, testY, epochs, flip, progress); }
        finally { set_rng_state(saved); }
    }

    static (JudgeNetwork Judge, double TestAccuracy) TrainSeeded(JudgeArchitecture arch, Tensor trainX, Tensor trainY,
                                                                 Tensor testX, Tensor testY, int epochs, bool flip,
                                                                 Action<string> progress)
    {
        var judge = new JudgeNetwork(arch);
        using var opt = optim.Adam(judge.parameters(), 1e-3);
        using var gen = new Generator(0);
        const int batch = 128;
        long n = trainX.shape[0];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            judge.train();
            double lr = epoch == epochs - 1 && epochs > 1 ? 1e-4 : epoch >= epochs * 3 / 4 ? 3e-4 : 1e-3;
            foreach (var g in opt.ParamGroups) g.LearningRate = lr;
            var sw = Stopwatch.StartNew();
            using var perm = randperm(n, generator: gen);
            for (long i = 0; i + batch <= n; i += batch)
            {
                using var scope = NewDisposeScope();
                var idx = perm.narrow(0, i, batch);
                var x = Augment(trainX.index_select(0, idx), arch.Shift, flip, gen);    // B×1×28×28
                var y = trainY.index_select(0, idx);                        // B
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

    /// <summary>Random shifts of up to <paramref name="pad"/> pixels (zero fill), one per group of 16 images; random mirroring
    /// where asked.</summary>
    internal static Tensor Augment(Tensor x, int pad, bool flip, Generator gen)
    {
        const int group = 16;
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        var padded = functional.pad(x, [pad, pad, pad, pad]);                        // B×1×(H+2·pad)×(W+2·pad)
        var shifts = randint(0, 2 * pad + 1, [(b + group - 1) / group, 2], generator: gen).data<long>().ToArray();
        var parts = new List<Tensor>();
        for (long g = 0; g * group < b; g++)
        {
            long dy = shifts[2 * g], dx = shifts[2 * g + 1], len = Math.Min(group, b - g * group);
            parts.Add(padded.narrow(0, g * group, len).narrow(2, dy, h).narrow(3, dx, w));
        }
        var shifted = cat(parts, 0);
        if (!flip) return shifted;
        var mirror = (rand([b, 1, 1, 1], generator: gen) < 0.5);
        return where(mirror, shifted.flip(3), shifted);
    }

    /// <summary>Top-1 accuracy on labelled images.</summary>
    public static double Accuracy(JudgeNetwork judge, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (probs, _) = judge.Judge(x);
        return ClassifierScores.Accuracy(probs, y);
    }
}
