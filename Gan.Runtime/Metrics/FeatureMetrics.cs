using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// KID and precision/recall/density/coverage in one feature space (a judge's, or another extractor's), under one stated
/// protocol, written into a run's metrics with a name prefix: <c>{prefix}_kid</c>, <c>{prefix}_kid_std_error</c>,
/// <c>{prefix}_precision</c>, <c>{prefix}_recall</c>, <c>{prefix}_density</c>, <c>{prefix}_coverage</c>.
/// </summary>
internal static class FeatureMetrics
{
    /// <summary>Rows of each set that PRDC compares (a seeded random subset of a larger set): its cost grows with the product.</summary>
    public const int PrdcRows = 5000;
    public const int PrdcK = 5;
    public const int KidSubsets = 100;
    public const int KidSubsetSize = 1000;

    /// <summary>The protocol line that goes with the metrics <see cref="Add"/> writes.</summary>
    public static string Protocol(string space) =>
        $"in {space}: KID = unbiased MMD² with the kernel (xᵀy/d + 1)³, mean over {KidSubsets} subsets of "
        + $"min({KidSubsetSize}, both counts) rows drawn without replacement from each side, with the standard error of that mean "
        + $"(sample sd / √{KidSubsets}); precision, recall, density, coverage (Naeem et al. 2020) with k = {PrdcK} and Euclidean "
        + $"distances on up to {PrdcRows:N0} rows of each side (a seeded random subset of a larger set)";

    /// <summary>
    /// Computes the metrics of <paramref name="fake"/> against <paramref name="real"/> into <paramref name="metrics"/>. Returns
    /// false, writing nothing, when a side has k = 5 rows or fewer: PRDC's k-th neighbours do not exist then.
    /// </summary>
    public static bool Add(Dictionary<string, object> metrics, string prefix, Tensor fake, Tensor real, long seed)
    {
        if (fake.shape[0] <= PrdcK || real.shape[0] <= PrdcK) return false;
        using var scope = NewDisposeScope();
        var kid = Kid.Compute(fake, real, KidSubsets, KidSubsetSize, seed);
        metrics[$"{prefix}_kid"] = kid.Mean;
        metrics[$"{prefix}_kid_std_error"] = kid.StandardError;
        var prdc = Prdc.Compute(Subset(real, seed + 1), Subset(fake, seed + 2), PrdcK);
        metrics[$"{prefix}_precision"] = prdc.Precision;
        metrics[$"{prefix}_recall"] = prdc.Recall;
        metrics[$"{prefix}_density"] = prdc.Density;
        metrics[$"{prefix}_coverage"] = prdc.Coverage;
        return true;
    }

    static Tensor Subset(Tensor x, long seed)
    {
        if (x.shape[0] <= PrdcRows) return x;
        using var gen = new Generator((ulong)seed);
        return x.index_select(0, randperm(x.shape[0], generator: gen).narrow(0, 0, PrdcRows));
    }
}
