using Gan.Dsl.Ir;
using Gan.Runtime.Imaging;
using Gan.Runtime.Metrics;
using Gan.Runtime.Model;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>2-D Gaussian points (seed 000): drawn as a scatter over the real points; D accuracy each epoch; 2-Wasserstein.</summary>
internal sealed class Gaussian2dData : DataKind
{
    public static readonly Gaussian2dData Instance = new();

    public override TensorDataset Load(DataIr data, int seed, Action<string> notice) => Points((Gaussian2dDataIr)data, seed);

    /// <summary>
    /// x = n·A + b with n ~ N(0, I₂) (row vectors, so the covariance is AᵀA and the mean b), drawn from
    /// TorchSharp's CPU generator seeded with seed + 1000: the same seed gives the same points.
    /// </summary>
    public static TensorDataset Points(Gaussian2dDataIr g, int seed)
    {
        float[] host;
        using (NewDisposeScope())
        {
            var gen = new Generator((ulong)seed + 1000);
            var n = randn([g.Count, 2], generator: gen, dtype: ScalarType.Float64);                     // count×2
            var a = tensor(new double[,] { { g.Transform[0][0], g.Transform[0][1] }, { g.Transform[1][0], g.Transform[1][1] } });  // 2×2
            var b = tensor(g.Mean.ToArray());                                                            // 2
            host = TensorDataset.ToHostFloats(n.matmul(a) + b);                                          // count×2
        }
        return TensorDataset.FromHost(host, [2], null);
    }

    /// <summary>A picture holds as many generated points as the data has.</summary>
    public override int PictureCount(ModelIr model) => ((Gaussian2dDataIr)model.Data).Count;

    public override void Draw(ModelIr model, Tensor fake, int rows, int cols, string path, string title, TensorDataset? real)
    {
        using var own = real is null ? Points((Gaussian2dDataIr)model.Data, model.Schedule.Seed) : null;
        Images.SaveScatter((real ?? own)!.X, fake, path, title);
    }

    public override double? EpochStatistic(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data,
                                           long step, Device device) =>
        DAccuracy.Of(model, nets, data, step, device);

    public override void Evaluate(Evaluation e)
    {
        // Held-out real points: the same distribution drawn with another seed than the training set's.
        var g = (Gaussian2dDataIr)e.Model.Data;
        using var real = Points(g with { Count = e.N }, e.Seed + 9999);
        var fake = Generation.Generate(e.Model, e.Nets, Generation.FixedLatents(e.Model, CPU, e.Seed + 1, e.N));
        var r = Gaussian2dMetrics.Compare(real.X, fake);
        e.Metrics["w2"] = r.Wasserstein2;
        e.Metrics["mean_error"] = r.MeanError;
        e.Metrics["covariance_error"] = r.CovarianceError;
        e.Metrics["d_accuracy"] = DAccuracy.Of(e.Model, e.Nets, real, e.Seed + 2, CPU);
        e.Protocol["reference"] = $"{e.N} fresh points of the spec's Gaussian (seed {e.Seed + 9999}), "
                                  + $"against {e.N} generated from fresh noise";
    }
}
