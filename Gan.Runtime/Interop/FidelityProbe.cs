using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// What the emitted check.py compares against: every network of a spec built from its seed, its parameters and running
/// statistics perturbed (so that no zero-initialised gate, bias or noise strength hides a term), written to
/// weights.safetensors; and probe.safetensors with inputs of a small batch, GanDsl's outputs in eval mode, then in train
/// mode (one forward), and the buffers after that training forward.
/// <para>Noise layers keep a zero strength and networks with dropout are compared in eval mode only: their draws are each
/// framework's own random numbers. A minibatch_stddev network gets a batch its group divides.</para>
/// </summary>
internal static class FidelityProbe
{
    public const int Batch = 4;

    public static void Write(ModelIr model, string folder, int seed)
    {
        using var scope = NewDisposeScope();
        var nets = Devices.Build(model, seed, CPU);
        try
        {
            manual_seed(seed + 1);
            foreach (var net in nets.Values) Perturb(net);
            WeightsExchange.Export(model, nets, Path.Combine(folder, "weights.safetensors"), null, WeightNaming.PyTorch, 0);
            var tensors = new List<(string, Tensor)>();
            var meta = new Dictionary<string, string> { ["gandsl.networks"] = string.Join(",", nets.Keys) };
            foreach (var (name, net) in nets)
            {
                var ir = net.Ir;
                int batch = ir.Nodes.Select(n => n.Op).OfType<MinibatchStddevOp>().Select(m => m.Group).Append(Batch).Max();
                var inputs = ir.Inputs.Select(i => i.Kind == InputKind.Label
                    ? randint(0, i.Classes, [batch], ScalarType.Int64)
                    : randn([batch, .. i.Shape.Select(d => (long)d)])).ToArray();
                var outputs = ir.Outputs.OrderBy(o => o.Value).Select(o => o.Key).ToArray();
                meta[$"{name}.class"] = model.Schedule.Emas.FirstOrDefault(e => e.Name == name)?.Network ?? name;
                meta[$"{name}.inputs"] = string.Join(",", ir.Inputs.Select(i => i.Name));
                meta[$"{name}.outputs"] = string.Join(",", outputs);
                for (int i = 0; i < inputs.Length; i++) tensors.Add(($"{name}/in/{ir.Inputs[i].Name}", inputs[i]));
                using (no_grad())
                {
                    net.eval();
                    var eval = net.Forward(inputs);
                    foreach (var o in outputs) tensors.Add(($"{name}/eval/{o}", eval[ir.Outputs[o]]));
                    bool random = ir.Nodes.Any(n => n.Op is DropoutOp);
                    meta[$"{name}.train"] = random ? "dropout draws differ between frameworks" : "compared";
                    if (random) continue;
                    net.train();
                    var train = net.Forward(inputs);
                    foreach (var o in outputs) tensors.Add(($"{name}/train/{o}", train[ir.Outputs[o]]));
                    var buffers = net.named_buffers().Select(b => b.name).ToHashSet();
                    foreach (var (key, t) in WeightNames.Of(net, WeightNaming.PyTorch).Zip(net.state_dict().Keys)
                                 .Where(p => buffers.Contains(p.Second)).Select(p => p.First))
                        tensors.Add(($"{name}/after/{key}", t.clone()));
                }
            }
            SafetensorsFile.Write(Path.Combine(folder, "probe.safetensors"), tensors, meta);
        }
        finally
        {
            foreach (var n in nets.Values) n.Dispose();
        }
    }

    /// <summary>Adds N(0, 0.1²) to every float parameter (not a noise layer's strength) and moves BatchNorm's running
    /// statistics.</summary>
    internal static void Perturb(NetworkModule net)
    {
        using var _ = no_grad();
        var noise = net.Ir.Nodes.Where(n => n.Op is NoiseOp).Select(n => n.Name + ".").ToArray();
        foreach (var (name, p) in net.named_parameters())
            if (!noise.Any(name.StartsWith)) p.add_(randn_like(p) * 0.1);
        foreach (var (name, b) in net.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) b.add_(randn_like(b) * 0.1);
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) b.mul_(rand_like(b) + 0.5);
        }
    }
}
