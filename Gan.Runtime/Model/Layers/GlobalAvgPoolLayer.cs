using Gan.Dsl.Layers;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>global_avgpool: the mean over H×W.</summary>
internal sealed class GlobalAvgPoolBuilder : LayerBuilder<GlobalAvgPoolOp>
{
    protected override nn.Module Build(string name, GlobalAvgPoolOp op) => new FunctionLayer(name, x => x.mean([2, 3]));
}
