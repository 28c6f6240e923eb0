using Gan.Dsl.Ir;
using Gan.Runtime.Errors;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// <c>gan apply</c>: one network of a run on inputs read from a safetensors file, its output written to another, so that other
/// tools (the emitted model.py, a user's own code) can check or use GanDsl's models.
/// </summary>
internal static class NetworkApply
{
    /// <summary>Runs <paramref name="net"/> in eval or train mode on the file's inputs and writes the output named
    /// <paramref name="output"/>
    /// (the network's default when null) to <paramref name="outPath"/> under that name. Returns the output's shape.</summary>
    public static long[] Run(NetworkModule net, string? output, string inPath, string outPath, string mode)
    {
        var ir = net.Ir;
        output ??= ir.DefaultOutput;
        if (!ir.Outputs.ContainsKey(output))
            throw new UserInputException($"--output {output}: network {ir.Name} has no output '{output}'; it has "
                                         + string.Join(", ", ir.Outputs.Keys));
        bool train = mode switch
        {
            "eval" => false,
            "train" => true,
            _ => throw new UserInputException($"--mode {mode}: use eval (running statistics, no updates) or train (batch statistics)"),
        };
        using var scope = NewDisposeScope();
        var header = SafetensorsFile.Read(inPath);
        var byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var inputs = new List<Tensor>();
        long batch = -1;
        foreach (var input in ir.Inputs)
        {
            var entry = byName.TryGetValue(input.Name, out var e) ? e
                : ir.Inputs.Length == 1 && header.Entries.Count == 1 ? header.Entries[0]
                : throw new UserInputException($"{inPath}: no tensor named '{input.Name}' (network {ir.Name}'s input); the file has "
                                               + $"{string.Join(", ", byName.Keys.Take(10))}; name the inputs "
                                               + string.Join(", ", ir.Inputs.Select(i => i.Name)));
            long[] want = [.. input.Kind == InputKind.Label ? [] : input.Shape.Select(d => (long)d)];
            if (entry.Shape.Length != want.Length + 1 || !entry.Shape.Skip(1).SequenceEqual(want) || entry.Shape[0] < 1)
                throw new UserInputException($"{inPath}: '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}]; input {input.Name} "
                                             + $"of {ir.Name} takes [N{string.Concat(want.Select(d => $", {d}"))}] with N ≥ 1");
            if (batch >= 0 && entry.Shape[0] != batch)
                throw new UserInputException($"{inPath}: '{entry.Name}' has {entry.Shape[0]} samples, the inputs before it {batch}; "
                                             + "give every input the same number of samples");
            batch = entry.Shape[0];
            var t = header.ReadTensor(entry);
            if (input.Kind == InputKind.Label)
            {
                if (t.is_floating_point()) throw new UserInputException($"{inPath}: '{entry.Name}' holds floats; input {input.Name} takes "
                                                                        + "integer labels (I64 or I32)");
                t = t.to_type(ScalarType.Int64);
                if (t.min().item<long>() < 0 || t.max().item<long>() >= input.Classes)
                    throw new UserInputException($"{inPath}: '{entry.Name}' holds labels outside 0..{input.Classes - 1}");
            }
            else if (!t.is_floating_point())
                throw new UserInputException($"{inPath}: '{entry.Name}' holds integers; input {input.Name} takes floats (F32)");
            else t = t.to_type(ScalarType.Float32);
            inputs.Add(t);
        }
        if (train) net.train(); else net.eval();
        using var _ = no_grad();
        var y = net.Output(inputs, output);
        WeightsExchange.PrepareOutput(outPath);
        SafetensorsFile.Write(outPath, [(output, y)], new Dictionary<string, string>
        {
            ["gandsl.network"] = ir.Name, ["gandsl.output"] = output, ["gandsl.mode"] = mode,
        });
        return y.shape;
    }
}
