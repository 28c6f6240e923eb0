using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>Metrics for 2-D point clouds, from Gaussians fitted to each.</summary>
internal sealed record Gaussian2dReport(double Wasserstein2, double MeanError, double CovarianceError);

internal static class Gaussian2dMetrics
{
    /// <summary>
    /// Closed-form 2-Wasserstein distance between Gaussians fitted to <paramref name="real"/> and
    /// <paramref name="fake"/> (both N×2): W₂ = sqrt(‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁^½Σ₂Σ₁^½)^½)).
    /// Mean error is ‖μ₁ − μ₂‖₂; covariance error is the Frobenius norm ‖Σ₁ − Σ₂‖_F.
    /// </summary>
    public static Gaussian2dReport Compare(Tensor real, Tensor fake)
    {
        if (real.dim() != 2 || real.shape[1] != 2 || fake.dim() != 2 || fake.shape[1] != 2)
            throw new ArgumentException($"expected N×2 point sets, got {string.Join("×", real.shape)} "
                                        + $"and {string.Join("×", fake.shape)}");
        var (m1, s1) = Frechet.Fit(real);
        var (m2, s2) = Frechet.Fit(fake);
        var w2 = Math.Sqrt(Frechet.DistanceSquared(m1, s1, m2, s2));
        var meanErr = Math.Sqrt(Math.Pow(m1[0] - m2[0], 2) + Math.Pow(m1[1] - m2[1], 2));
        double covErr = 0;
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) covErr += Math.Pow(s1[i, j] - s2[i, j], 2);
        return new Gaussian2dReport(w2, meanErr, Math.Sqrt(covErr));
    }
}
