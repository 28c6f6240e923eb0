using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Profiling;

/// <summary>
/// The data <c>gan bench</c> trains on: the spec's own dataset when it is on this machine already (the data cache, an image
/// folder, generated 2-D points), since real batches cost what they cost in training; otherwise, or when asked, random
/// samples of the spec's shape and classes. It never fetches: a missing dataset must not make a benchmark fail or wait.
/// </summary>
internal static class BenchData
{
    /// <summary>The dataset and a line saying what it is.</summary>
    public static (TensorDataset Data, string Description, bool Real) Load(DataIr data, int batch, int seed, bool synthetic,
                                                                          Action<string> notice)
    {
        string why = "--synthetic";
        if (!synthetic)
        {
            if (Missing(data) is { } missing) why = missing;
            else
            {
                try
                {
                    var real = DataKind.For(data).Load(data, seed, notice);
                    if (real.Count >= batch) return (real, $"{Name(data)}, real ({real.Count:N0} samples)", true);
                    why = $"the dataset has {real.Count} samples, fewer than one batch of {batch}";
                    real.Dispose();
                }
                catch (UserInputException e) { why = $"it could not be loaded: {e.Message}"; }
            }
        }
        return (Synthetic(data, batch, seed), $"synthetic: random samples of {Name(data)}'s shape {Shape(data)} ({why})", false);
    }

    /// <summary>Why the spec's dataset is not on this machine, or null when it is.</summary>
    static string? Missing(DataIr data) => data switch
    {
        MnistDataIr when !DataCache.HasMnist => $"MNIST is not in {DataCache.MnistDir}; `gan data mnist` fetches it",
        FashionMnistDataIr when !FashionMnistCache.Has =>
            $"Fashion-MNIST is not in {FashionMnistCache.Dir}; `gan data fashion-mnist` fetches it",
        EmojiDataIr when !DataCache.HasEmoji => $"the emoji set is not in {DataCache.EmojiDir}; `gan data emoji` fetches it",
        ImageFolderDataIr f when !Directory.Exists(ImageData.FolderPath(f)) => $"the folder {f.Path} does not exist",
        _ => null,
    };

    static string Name(DataIr data) => data switch
    {
        MnistDataIr => "mnist",
        FashionMnistDataIr => "fashion-mnist",
        EmojiDataIr => "emoji",
        ImageFolderDataIr f => $"images({f.Path})",
        Gaussian2dDataIr => "gaussian2d",
        _ => data.GetType().Name,
    };

    static string Shape(DataIr data) => Gan.Dsl.Layers.Shape.Dims(data.Shape) + (data.Classes > 0 ? $", {data.Classes} classes" : "");

    /// <summary>Two batches of uniform values in the data's range (normal values for 2-D points), with labels if it has classes.</summary>
    static TensorDataset Synthetic(DataIr data, int batch, int seed)
    {
        var (low, high) = data switch
        {
            MnistDataIr m => (m.Low, m.High),
            FashionMnistDataIr f => (f.Low, f.High),
            ImageDataIr i => (i.Low, i.High),
            _ => (double.NaN, double.NaN),
        };
        long size = Gan.Dsl.Layers.Shape.Count(data.Shape);
        long n = 2L * batch;
        double bytes = 4.0 * n * size, free = Training.AvailableMemory.Host().Bytes;
        if (n * size > Array.MaxLength || bytes > free / 4)
            throw new UserInputException($"--batch {batch}: two synthetic batches of {size:N0} values per sample take "
                                         + $"{MemoryEstimate.Size(bytes)}, too much beside training ({MemoryEstimate.Size(free)} "
                                         + "available); lower --batch");
        var rng = new Random(seed);
        var x = new float[n * size];
        for (long i = 0; i < x.LongLength; i++)
            x[i] = double.IsNaN(low)
                ? (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))
                : (float)(low + (high - low) * rng.NextDouble());
        long[]? y = data.Classes > 0 ? [.. Enumerable.Range(0, (int)n).Select(i => (long)(i % data.Classes))] : null;
        return TensorDataset.FromHost(x, [.. data.Shape.Select(d => (long)d)], y);
    }
}
