using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets:
/// d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½), computed in float64.
/// Tr((Σ₁^½ Σ₂ Σ₁^½)^½) equals Tr((Σ₁Σ₂)^½) and needs only symmetric eigen-decompositions.
/// </summary>
internal static class Frechet
{
    /// <summary>Mean (D) and unbiased covariance (D×D) of the rows of <paramref name="features"/> (N×D), in float64.</summary>
    public static (double[] Mean, double[,] Cov) Fit(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = features.to_type(ScalarType.Float64);                 // N×D
        var mu = x.mean([0]);                                         // D
        var centred = x - mu;                                         // N×D
        var cov = centred.T.matmul(centred) / (x.shape[0] - 1);       // D×D
        return (mu.data<double>().ToArray(), ToArray2(cov));
    }

    /// <summary>The squared Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).</summary>
    public static double DistanceSquared(double[] mu1, double[,] cov1, double[] mu2, double[,] cov2)
    {
        using var scope = NewDisposeScope();
        var m1 = tensor(mu1, ScalarType.Float64);
        var m2 = tensor(mu2, ScalarType.Float64);
        var s1 = tensor(cov1, ScalarType.Float64);
        var s2 = tensor(cov2, ScalarType.Float64);
        var sqrtS1 = SqrtPsd(s1);
        var inner = sqrtS1.matmul(s2).matmul(sqrtS1);
        inner = (inner + inner.T) / 2;                                // symmetrise rounding
        var traceSqrt = linalg.eigvalsh(inner).clamp_min(0).sqrt().sum().item<double>();
        var meanTerm = (m1 - m2).square().sum().item<double>();
        var d2 = meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2 * traceSqrt;
        return Math.Max(d2, 0);
    }

    /// <summary>The Fréchet distance (not squared, as FID reports d²; see <see cref="DistanceSquared"/>).</summary>
    public static double Fid(Tensor featuresA, Tensor featuresB)
    {
        var (m1, s1) = Fit(featuresA);
        var (m2, s2) = Fit(featuresB);
        return DistanceSquared(m1, s1, m2, s2);
    }

    /// <summary>Square root of a symmetric positive semi-definite matrix via eigh.</summary>
    static Tensor SqrtPsd(Tensor s)
    {
        var (values, vectors) = linalg.eigh((s + s.T) / 2);
        return vectors.matmul(diag(values.clamp_min(0).sqrt())).matmul(vectors.T);
    }

    static double[,] ToArray2(Tensor t)
    {
        var rows = (int)t.shape[0]; var cols = (int)t.shape[1];
        var flat = t.contiguous().data<double>().ToArray();
        var a = new double[rows, cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) a[i, j] = flat[i * cols + j];
        return a;
    }
}
