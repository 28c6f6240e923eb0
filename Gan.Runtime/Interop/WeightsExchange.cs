using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using Gan.Runtime.Runs;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// Networks' weights to and from safetensors files. One network's file holds its tensors under their bare names (what its
/// model.py class's <c>load_state_dict</c> takes); a file of several prefixes each with the network's name and a dot
/// (<c>G.3_linear.weight</c>), as <c>gan export</c> without <c>--network</c> and the emitted train.py write it.
/// </summary>
internal static class WeightsExchange
{
    /// <summary>Writes the networks (every one when <paramref name="only"/> is null) to <paramref name="path"/>.</summary>
    public static (int Tensors, long Bytes) Export(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, string path,
                                                   string? only, WeightNaming naming, long step)
    {
        if (only is not null && !nets.ContainsKey(only))
            throw new UserInputException($"--network {only}: {model.Name} has no network '{only}'; it has {string.Join(", ", nets.Keys)}");
        var chosen = only is null ? nets.Keys.ToList() : [only];
        var tensors = new List<(string Name, Tensor Tensor)>();
        foreach (var name in chosen)
            foreach (var (key, t) in WeightNames.Of(nets[name], naming))
                tensors.Add((only is null ? $"{name}.{key}" : key, t));
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["gandsl.version"] = RuntimeInfo.GanDslVersion,
            ["gandsl.spec"] = model.Name,
            ["gandsl.spec_sha256"] = CheckpointFiles.SpecHash(model),
            ["gandsl.networks"] = string.Join(",", chosen),
            ["gandsl.names"] = naming == WeightNaming.PyTorch ? "pytorch" : "pytorch-gan",
            ["gandsl.step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        PrepareOutput(path);
        SafetensorsFile.Write(path, tensors, metadata);
        return (tensors.Count, tensors.Sum(t => t.Tensor.numel() * t.Tensor.ElementSize));
    }

    /// <summary>
    /// Loads weights into networks: into <paramref name="network"/> from a one-network file, or, when it is null, into each network
    /// whose name prefixes keys of the file (every key must belong to one). Everything is checked (names, dtypes, exact shapes)
    /// before anything is copied. An EMA copy (<paramref name="emas"/>) the file does not hold starts again from its loaded
    /// network. Returns the networks loaded.
    /// </summary>
    public static IReadOnlyList<string> Import(IReadOnlyDictionary<string, NetworkModule> nets, string path, string? network,
                                               IEnumerable<EmaIr> emas, WeightNaming naming = WeightNaming.PyTorch)
    {
        var header = SafetensorsFile.Read(path);
        List<string> targets;
        if (network is not null)
        {
            if (!nets.ContainsKey(network))
                throw new UserInputException($"--init {network}={path}: no network '{network}'; the spec has "
                                             + string.Join(", ", nets.Keys));
            targets = [network];
        }
        else
        {
            targets = [.. nets.Keys.Where(n => header.Entries.Any(e => e.Name.StartsWith(n + ".", StringComparison.Ordinal)))];
            if (targets.Count == 0)
                throw new UserInputException($"{path}: no key starts with a network's name "
                                             + $"({string.Join(", ", nets.Keys.Select(n => n + "."))}); "
                                             + "a file of one network's weights is given as --init NETWORK=FILE");
        }
        var expected = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in targets)
            foreach (var (key, t) in WeightNames.Of(nets[name], naming))
                expected[network is null ? $"{name}.{key}" : key] = t;
        SafetensorsFile.LoadInto(header, expected, network is null ? $"networks {string.Join(", ", targets)}" : $"network {network}");
        foreach (var e in emas)
            if (targets.Contains(e.Network) && !targets.Contains(e.Name) && nets.TryGetValue(e.Name, out var copy))
                Training.EmaCopies.Update(copy, nets[e.Network], 0);
        return targets;
    }

    /// <summary>Creates the folder an output file goes into; a path that cannot be written is the user's to fix.</summary>
    public static void PrepareOutput(string path)
    {
        try
        {
            if (Directory.Exists(path))
                throw new UserInputException($"--out {path} is a folder; give a file name such as {path}/weights.safetensors");
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserInputException($"--out {path}: cannot write there ({e.Message}); choose a writable file path");
        }
    }
}
