using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>dropout in training, the identity in eval: TorchSharp's Dropout.</summary>
internal sealed class DropoutBuilder : LayerBuilder<DropoutOp>
{
    protected override nn.Module Build(string name, DropoutOp op) => nn.Dropout(op.P);
}
