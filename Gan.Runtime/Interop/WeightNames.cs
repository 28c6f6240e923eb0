using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>How exported weights are named.</summary>
internal enum WeightNaming
{
    /// <summary>
    /// PyTorch's names for the emitted model.py: the node's name, then the tensor's, dotted (<c>3_linear.weight</c>,
    /// <c>4_batchnorm.num_batches_tracked</c>); a spectrally normalised weight as the legacy hook names it
    /// (<c>weight_orig</c>, <c>weight_u</c>, <c>weight_v</c>).
    /// </summary>
    PyTorch,

    /// <summary>
    /// PyTorch-GAN's (seed 001): <c>model.K.weight</c>, K counting the layers of its <c>nn.Sequential</c>, which leaves
    /// flatten and reshape to the forward (<c>view</c>). Only for a chain of layers.
    /// </summary>
    PyTorchGan,
}

/// <summary>
/// The names a network's tensors have outside GanDsl. GanDsl's own state dict names a spectrally normalised layer's
/// weight <c>weight</c> and its vectors <c>sn.u</c>, <c>sn.v</c>; everything else already has PyTorch's names.
/// </summary>
internal static class WeightNames
{
    /// <summary>Each state-dict tensor of <paramref name="net"/> under its exported name, in state-dict order.</summary>
    public static IReadOnlyList<(string Name, Tensor Tensor)> Of(NetworkModule net, WeightNaming naming)
    {
        var dict = net.state_dict();
        var sn = dict.Keys.Where(k => k.EndsWith(".sn.u", StringComparison.Ordinal)).Select(k => k[..^".sn.u".Length]).ToHashSet();
        var layerIndex = naming == WeightNaming.PyTorchGan ? SequentialIndices(net.Ir) : null;
        return [.. dict.Select(kv => (Rename(kv.Key, sn, layerIndex), kv.Value))];
    }

    static string Rename(string key, HashSet<string> snOwners, IReadOnlyDictionary<string, int>? layerIndex)
    {
        string name = key;
        if (key.EndsWith(".sn.u", StringComparison.Ordinal)) name = key[..^".sn.u".Length] + ".weight_u";
        else if (key.EndsWith(".sn.v", StringComparison.Ordinal)) name = key[..^".sn.v".Length] + ".weight_v";
        else if (key.EndsWith(".weight", StringComparison.Ordinal) && snOwners.Contains(key[..^".weight".Length]))
            name = key + "_orig";
        if (layerIndex is null) return name;
        int dot = name.IndexOf('.');
        return $"model.{layerIndex[name[..dot]]}{name[dot..]}";
    }

    /// <summary>
    /// The index of each node in PyTorch-GAN's <c>nn.Sequential</c>: the nodes in order, without flatten and reshape. Refused
    /// for a network that is not a chain (a node reading anything but the one before it).
    /// </summary>
    static Dictionary<string, int> SequentialIndices(NetworkIr net)
    {
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        int k = 0;
        foreach (var node in net.Nodes)
        {
            int expected = node.Id == 0 ? NetworkIr.InputRef(0) : node.Id - 1;
            if (node.Inputs.Length != 1 || node.Inputs[0] != expected || net.Inputs.Length != 1)
                throw new UserInputException($"--names pytorch-gan: network {net.Name} is not a chain of layers ({node.Name} reads "
                                             + "more than the layer before it); PyTorch-GAN's Sequential names fit chains only: "
                                             + "use the default names (pytorch)");
            if (node.Op is FlattenOp or ReshapeOp) continue;
            indices[node.Name] = k++;
        }
        return indices;
    }

    /// <summary>Parses <c>--names</c>.</summary>
    public static WeightNaming Parse(string? names) => names switch
    {
        null or "" or "pytorch" => WeightNaming.PyTorch,
        "pytorch-gan" => WeightNaming.PyTorchGan,
        _ => throw new UserInputException($"--names {names}: unknown naming; use pytorch (the emitted model.py's) or pytorch-gan "
                                          + "(PyTorch-GAN's model.K.weight)"),
    };
}
