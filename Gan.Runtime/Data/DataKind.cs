using Gan.Dsl.Ir;
using Gan.Runtime.Metrics;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// One strategy per kind of data: how it is loaded, how generated samples are drawn (an image grid, or a scatter over
/// the real points), its per-epoch statistic and its metrics. The trainer, `gan sample` and `gan eval` ask the
/// strategy instead of testing the data's type.
/// </summary>
internal abstract class DataKind
{
    public static DataKind For(DataIr data) => data switch
    {
        Gaussian2dDataIr => Gaussian2dData.Instance,
        MnistDataIr => MnistData.Instance,
        FashionMnistDataIr => FashionMnistData.Instance,
        ImageDataIr => ImageData.Instance,
        _ => throw new NotSupportedException($"no data strategy for {data.GetType().Name}"),
    };

    /// <summary>The whole dataset: N×(sample shape) float32, with labels when the data has them.</summary>
    public abstract TensorDataset Load(DataIr data, int seed, Action<string> notice);

    /// <summary>How many samples one fixed-noise picture holds.</summary>
    public virtual int PictureCount(ModelIr model) => model.Sampling.Rows * model.Sampling.Cols;

    /// <summary>Draws generated samples as a PNG; <paramref name="real"/> is the training data when at hand.</summary>
    public abstract void Draw(ModelIr model, Tensor fake, int rows, int cols, string path, string title, TensorDataset? real);

    /// <summary>The statistic logged at the end of each epoch (epochs.csv's d_accuracy: D's accuracy), or null.</summary>
    /// <param name="device">the networks' device (the data may be on the CPU).</param>
    public virtual double? EpochStatistic(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data,
                                          long step, Device device) => null;

    /// <summary>The metrics that fit this data, with their protocol.</summary>
    public abstract void Evaluate(Evaluation e);
}

/// <summary>What a data kind's metrics read and fill: the run's model and networks, the sample count and seed, the results.</summary>
internal sealed record Evaluation(ModelIr Model, IReadOnlyDictionary<string, NetworkModule> Nets, int N, int Seed, Action<string> Say)
{
    public Dictionary<string, object> Metrics { get; } = [];
    public Dictionary<string, object> Protocol { get; } = [];
}
