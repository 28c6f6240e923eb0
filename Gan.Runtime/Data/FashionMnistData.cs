using Gan.Dsl.Ir;
using Gan.Runtime.Metrics;
using static TorchSharp.torch;

namespace Gan.Runtime.Data;

/// <summary>
/// Fashion-MNIST (fetched into the cache): loaded as MNIST is (N×1×S×S, zero-padded or resized, labels 0..9), drawn as an
/// image grid, measured as image sets are (8×8 pixel Fréchet distance against the split, D accuracy) and by the
/// Fashion-MNIST judge as MNIST is by its own (judge-FID, KID, PRDC, judge-IS, class coverage, conditional accuracy).
/// </summary>
internal sealed class FashionMnistData : DataKind
{
    public static readonly FashionMnistData Instance = new();

    public override TensorDataset Load(DataIr data, int seed, Action<string> notice) =>
        Load((FashionMnistDataIr)data, FashionMnistCache.Ensure(notice));

    public static TensorDataset Load(FashionMnistDataIr f, string dir) =>
        MnistData.Load(new MnistData.IdxImages(f.Split, f.Low, f.High, f.Size, f.Resize), dir);

    public override void Draw(ModelIr model, Tensor fake, int rows, int cols, string path, string title, TensorDataset? real) =>
        ImageData.Grid(model, fake, rows, cols, path);

    public override void Evaluate(Evaluation e)
    {
        var f = (FashionMnistDataIr)e.Model.Data;
        using var data = Load(f, e.Seed, e.Say);
        ImageData.PixelMetrics(e, data, f.Low, f.High, $"Fashion-MNIST {f.Split} (1×{f.Size}×{f.Size})");
        JudgeEvaluation.Evaluate(e, JudgeSet.FashionMnist, f.Low, f.High, f.Size, f.Resize);
    }
}
