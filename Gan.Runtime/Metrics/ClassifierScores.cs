using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>Scores computed from a classifier's class probabilities on generated samples.</summary>
internal static class ClassifierScores
{
    /// <summary>
    /// Inception score with the given class probabilities (N×K): exp(E_x KL(p(y|x) ‖ p(y))), in one split.
    /// 1 for collapsed or uninformative samples, K at best.
    /// </summary>
    public static double InceptionScore(Tensor probs)
    {
        using var scope = NewDisposeScope();
        var p = probs.to_type(ScalarType.Float64).clamp_min(1e-12);   // N×K
        var marginal = p.mean([0], keepdim: true);                    // 1×K
        var kl = (p * (p.log() - marginal.log())).sum(1);             // N
        return Math.Exp(kl.mean().item<double>());
    }

    /// <summary>The share of the top-1 predictions that each class receives (K values summing to 1).</summary>
    public static double[] ClassShares(Tensor probs)
    {
        using var scope = NewDisposeScope();
        var k = (int)probs.shape[1];
        return (probs.argmax(1).bincount(null, k).to_type(ScalarType.Float64) / probs.shape[0]).data<double>().ToArray();
    }

    /// <summary>How many classes receive at least <paramref name="minShare"/> of the top-1 predictions.</summary>
    public static int ClassCoverage(Tensor probs, double minShare = 0.05) => ClassCoverage(ClassShares(probs), minShare);

    /// <summary>How many of the given class shares (from <see cref="ClassShares"/>) are at least <paramref name="minShare"/>.</summary>
    public static int ClassCoverage(double[] shares, double minShare = 0.05) => shares.Count(s => s >= minShare);

    /// <summary>The share of samples whose top class probability exceeds <paramref name="threshold"/>.</summary>
    public static double ConfidentFraction(Tensor probs, double threshold = 0.9)
    {
        using var scope = NewDisposeScope();
        return (probs.max(1).values > threshold).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>The share of samples whose top class equals the class asked for.</summary>
    public static double Accuracy(Tensor probs, Tensor wanted)
    {
        using var scope = NewDisposeScope();
        return (probs.argmax(1) == wanted).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>
    /// Accuracy under the best one-to-one mapping from asked codes to judged classes (InfoGAN's categorical
    /// code learns the digits in an arbitrary order). Exact: dynamic programming over subsets of classes.
    /// </summary>
    public static double MatchedAccuracy(Tensor probs, Tensor wanted, int codes)
    {
        int classes = (int)probs.shape[1];
        var judged = probs.argmax(1).data<long>().ToArray();
        var asked = wanted.to_type(ScalarType.Int64).data<long>().ToArray();
        var counts = new long[codes, classes];
        for (int i = 0; i < judged.Length; i++) counts[asked[i], judged[i]]++;
        // best[mask] = most matched samples assigning the first popcount(mask) codes to the classes in mask.
        var best = new long[1 << classes];
        Array.Fill(best, -1);
        best[0] = 0;
        for (int mask = 0; mask < 1 << classes; mask++)
        {
            if (best[mask] < 0) continue;
            int code = System.Numerics.BitOperations.PopCount((uint)mask);
            if (code >= codes) continue;
            for (int c = 0; c < classes; c++)
                if ((mask & (1 << c)) == 0) best[mask | (1 << c)] = Math.Max(best[mask | (1 << c)], best[mask] + counts[code, c]);
        }
        long top = best.Where((v, m) => System.Numerics.BitOperations.PopCount((uint)m) == Math.Min(codes, classes)).Max();
        return (double)top / judged.Length;
    }
}
