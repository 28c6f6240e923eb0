using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// Precision, recall, density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative
/// Models", and their reference code clovaai/generative-evaluation-prdc) with Euclidean distances in a feature space.
/// r(x) is the distance from x to its k-th nearest neighbour within its own set (itself excluded), and with real X (N) and
/// fake Y (M):
/// <list type="bullet">
/// <item>precision = (1/M) Σⱼ 1[∃i: ‖yⱼ − xᵢ‖ &lt; r(xᵢ)]; recall = (1/N) Σᵢ 1[∃j: ‖xᵢ − yⱼ‖ &lt; r(yⱼ)];</item>
/// <item>density = (1/kM) Σⱼ Σᵢ 1[‖yⱼ − xᵢ‖ &lt; r(xᵢ)]; coverage = (1/N) Σᵢ 1[minⱼ ‖xᵢ − yⱼ‖ &lt; r(xᵢ)].</item>
/// </list>
/// Float64, in row chunks, so that no N×M matrix is held at once.
/// </summary>
internal static class Prdc
{
    public sealed record Result(double Precision, double Recall, double Density, double Coverage, int K, long Real, long Fake);

    const int Chunk = 512;

    /// <summary>
    /// Euclidean distances computed as ‖a − b‖ (not ‖a‖² + ‖b‖² − 2aᵀb), so that d(a, b) = d(b, a) exactly and a point's
    /// distance to itself is 0: the metrics compare distances with strict inequalities, and ties must not flip with rounding.
    /// </summary>
    static Tensor Distances(Tensor a, Tensor b) => cdist(a, b, 2.0, TorchSharp.compute_mode.donot_use_mm_for_euclid_dist);

    /// <summary>Each row's distance to its k-th nearest other row of <paramref name="x"/> (N×d → N), k ≥ 1, N > k.</summary>
    public static Tensor KthNeighbourDistances(Tensor x, int k)
    {
        var x64 = x.to_type(ScalarType.Float64);
        var parts = new List<Tensor>();
        for (long start = 0; start < x64.shape[0]; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var rows = x64.narrow(0, start, Math.Min(Chunk, x64.shape[0] - start));
            // k + 1 smallest: the row itself (distance 0) comes first, as in the reference's partition at index k.
            var d = Distances(rows, x64).topk(k + 1, dim: 1, largest: false, sorted: true).values;
            parts.Add(d.select(1, k).MoveToOuterDisposeScope());
        }
        return cat(parts, 0);
    }

    /// <summary>The four metrics of <paramref name="fake"/> (M×d) against <paramref name="real"/> (N×d), N, M > k.</summary>
    public static Result Compute(Tensor real, Tensor fake, int k = 5)
    {
        using var scope = NewDisposeScope();
        if (real.shape[0] <= k || fake.shape[0] <= k) throw new ArgumentException($"PRDC needs more than k = {k} samples on each side");
        var (x, y) = (real.to_type(ScalarType.Float64), fake.to_type(ScalarType.Float64));
        var rReal = KthNeighbourDistances(x, k);                    // N
        var rFake = KthNeighbourDistances(y, k);                    // M
        long n = x.shape[0], m = y.shape[0];
        double precise = 0, dense = 0;
        var recalled = zeros(n, ScalarType.Bool);
        var nearestFake = full(n, double.PositiveInfinity, ScalarType.Float64);
        for (long start = 0; start < m; start += Chunk)
        {
            using var inner = NewDisposeScope();
            long len = Math.Min(Chunk, m - start);
            var d = Distances(y.narrow(0, start, len), x);                 // len×N: fake j against real i
            var inReal = d < rReal.unsqueeze(0);                       // yⱼ inside xᵢ's ball
            precise += inReal.any(1).sum().item<long>();
            dense += inReal.sum().item<long>();
            recalled = recalled.logical_or((d < rFake.narrow(0, start, len).unsqueeze(1)).any(0)).MoveToOuterDisposeScope();
            nearestFake = nearestFake.minimum(d.min(0).values).MoveToOuterDisposeScope();
        }
        return new Result(
            Precision: precise / m,
            Recall: recalled.to_type(ScalarType.Float64).mean().item<double>(),
            Density: dense / (k * (double)m),
            Coverage: (nearestFake < rReal).to_type(ScalarType.Float64).mean().item<double>(),
            K: k, Real: n, Fake: m);
    }
}
