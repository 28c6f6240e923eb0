using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>embedding: TorchSharp's Embedding (weight N(0, 1) by default), initialised by the spec's formula when it names one.</summary>
internal sealed class EmbeddingBuilder : LayerBuilder<EmbeddingOp>
{
    protected override nn.Module Build(string name, EmbeddingOp op)
    {
        var e = nn.Embedding(op.Count, op.Dim);
        if (op.Init.Kind != InitKind.Default) Initialise.Apply(e.weight!, null, op.Init, op.Count);
        return e;
    }
}
