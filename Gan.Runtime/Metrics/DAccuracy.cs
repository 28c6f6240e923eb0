using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Model;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Metrics;

/// <summary>
/// The discriminator's accuracy on real samples and as many fresh fakes (seed 000's per-epoch figure; `gan eval` for 2-D and image data).
/// </summary>
internal static class DAccuracy
{
    const int Chunk = 500;

    /// <summary>NaN when no loss applies a network to the real batch (the IR's RealCritic).</summary>
    /// <param name="device">the networks' device; the data may be elsewhere (the trainer's stays on the CPU).</param>
    public static double Of(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data, long seed, Device device)
    {
        if (model.RealCritic is not { } critic) return double.NaN;
        using var scope = NewDisposeScope();
        var d = nets[critic.Network];
        var latents = Generation.FixedLatents(model, device, (int)(seed % 1_000_000) + 77, (int)data.Count);   // fresh fakes each call
        double threshold = critic.EndsInSigmoid ? 0.5 : 0;
        using var _ = no_grad();
        double realOk = 0, fakeOk = 0;
        // In chunks of 500 (as fakes are generated for the metrics): a whole data set at once would hold every layer's
        // output for thousands of images.
        for (long i = 0; i < data.Count; i += Chunk)
        {
            using var chunk = NewDisposeScope();
            long n = Math.Min(Chunk, data.Count - i);
            var real = data.X.narrow(0, i, n).to(device);
            var fake = Generation.Generate(model, nets, latents.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, i, n)));
            realOk += (d.Output([real], critic.Output) > threshold).to_type(ScalarType.Float64).sum().item<double>();
            fakeOk += (d.Output([fake], critic.Output) <= threshold).to_type(ScalarType.Float64).sum().item<double>();
        }
        return (realOk + fakeOk) / (2.0 * data.Count);
    }
}
