using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// Kernel Inception Distance (Bińkowski et al. 2018) in a feature space: the unbiased estimate of the squared MMD with the
/// polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets of equal size drawn without replacement from
/// each set, as the reference code (and torch-fidelity) computes it. Float64 throughout.
/// </summary>
internal static class Kid
{
    /// <summary>KID's mean over the subsets, their standard deviation, and the standard error of the mean (sd / √subsets).</summary>
    public sealed record Result(double Mean, double Std, double StandardError, int Subsets, int SubsetSize);

    /// <summary>The polynomial kernel matrix k(aᵢ, bⱼ) = (aᵢᵀbⱼ / d + 1)³ of two feature sets (N×d, M×d).</summary>
    public static Tensor Kernel(Tensor a, Tensor b) => (a.matmul(b.T) / a.shape[1] + 1).pow(3);

    /// <summary>
    /// The unbiased MMD² of two samples of the same size m (m ≥ 2): the off-diagonal means of K_xx and K_yy minus twice the
    /// mean of K_xy.
    /// </summary>
    public static double UnbiasedMmd2(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var (x64, y64) = (x.to_type(ScalarType.Float64), y.to_type(ScalarType.Float64));
        long m = x64.shape[0];
        if (m < 2 || y64.shape[0] != m) throw new ArgumentException("KID needs two samples of the same size, at least 2");
        var kxx = Kernel(x64, x64);
        var kyy = Kernel(y64, y64);
        var kxy = Kernel(x64, y64);
        double offDiagonal(Tensor k) => (k.sum().item<double>() - k.diagonal().sum().item<double>()) / (m * (m - 1.0));
        return offDiagonal(kxx) + offDiagonal(kyy) - 2 * kxy.mean().item<double>();
    }

    /// <summary>
    /// KID of <paramref name="fake"/> against <paramref name="real"/>: <paramref name="subsets"/> draws of
    /// min(<paramref name="subsetSize"/>, both counts) rows from each, from a generator seeded with <paramref name="seed"/>.
    /// </summary>
    public static Result Compute(Tensor fake, Tensor real, int subsets = 100, int subsetSize = 1000, long seed = 0)
    {
        using var scope = NewDisposeScope();
        int m = (int)Math.Min(subsetSize, Math.Min(fake.shape[0], real.shape[0]));
        using var gen = new Generator((ulong)seed);
        var values = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            using var inner = NewDisposeScope();
            var fi = randperm(fake.shape[0], generator: gen).narrow(0, 0, m);
            var ri = randperm(real.shape[0], generator: gen).narrow(0, 0, m);
            values[s] = UnbiasedMmd2(fake.index_select(0, fi), real.index_select(0, ri));
        }
        double mean = values.Average();
        double std = subsets > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (subsets - 1)) : 0;
        return new Result(mean, std, std / Math.Sqrt(subsets), subsets, m);
    }
}
