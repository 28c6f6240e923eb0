using System.Security.Cryptography;
using System.Text;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Emit.PyTorch;

/// <summary>
/// <c>gan emit pytorch</c>: a spec as a folder of readable PyTorch. The layers' formulas live once, in gandsl_layers.py
/// (shipped as a resource beside this file); model.py wires them as the spec's networks. train.py declares the spec's
/// training (<see cref="TrainPy"/>); its loop, data and command line are resources too (gandsl_train.py, gandsl_step.py,
/// gandsl_data.py, gandsl_run.py, gandsl_replay.py).
/// </summary>
internal static class PyTorchEmitter
{
    /// <summary>The files to write, by name.</summary>
    public static IReadOnlyDictionary<string, string> Emit(ModelIr model)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model.SpecText)));
        string header = $"# {model.Name}: {model.Description}\n"
                        + $"# Written by `gan emit pytorch` from {System.IO.Path.GetFileName(model.SpecPath)} (SHA-256 {sha}).\n"
                        + "# The state_dict keys equal `gan export`'s names, so its weights load with strict=True.\n";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["model.py"] = ModelPy.Emit(model, header),
            ["gandsl_layers.py"] = Resource("gandsl_layers.py"),
            ["safetensors_io.py"] = Resource("safetensors_io.py"),
            ["check.py"] = Resource("check.py"),
            ["train.py"] = TrainPy.Emit(model, header),
            ["gandsl_train.py"] = Resource("gandsl_train.py"),
            ["gandsl_run.py"] = Resource("gandsl_run.py"),
            ["gandsl_replay.py"] = Resource("gandsl_replay.py"),
            ["gandsl_step.py"] = Resource("gandsl_step.py"),
            ["gandsl_data.py"] = Resource("gandsl_data.py"),
        };
    }

    static string Resource(string name)
    {
        using var stream = typeof(PyTorchEmitter).Assembly.GetManifestResourceStream($"Gan.Dsl.Emit.PyTorch.{name}")
                           ?? throw new InvalidOperationException($"the resource {name} is missing from Gan.Dsl");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
