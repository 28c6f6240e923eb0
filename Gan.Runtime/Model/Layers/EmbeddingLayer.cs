using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// embedding: a count×dim table (made by TorchSharp's Embedding, so N(0, 1) by default), initialised by the spec's formula
/// when it names one, looked up by label; with spectral_norm the table is divided by its largest singular value, estimated
/// by power iteration over its rows (PyTorch's spectral_norm on nn.Embedding, mimicry SNEmbedding).
/// </summary>
internal sealed class EmbeddingLayer(string name, EmbeddingOp op, TorchSharp.Modules.Embedding made)
    : WeightedLayer(name, made.weight!, null, op.Init, op.Count, op.SpectralNorm, op.PowerIterations)
{
    public override Tensor forward(Tensor labels) => Weight.index_select(0, labels);   // N×dim

    sealed class Builder : LayerBuilder<EmbeddingOp>
    {
        protected override nn.Module Build(string name, EmbeddingOp op) => new EmbeddingLayer(name, op, nn.Embedding(op.Count, op.Dim));
    }
}
