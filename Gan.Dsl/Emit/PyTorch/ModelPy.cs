using System.Text;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Emit.PyTorch;

/// <summary>
/// model.py: one <c>nn.Module</c> per network, its submodules registered under the nodes' names (so its state_dict keys are
/// GanDsl's PyTorch-style names: <c>3_linear.weight</c>, <c>5_batchnorm.running_mean</c>, <c>2_conv2d.weight_orig</c>), a forward
/// that reads like the spec (one line a node), and <c>NETWORKS</c>, the classes by network name.
/// </summary>
internal static class ModelPy
{
    public static string Emit(ModelIr model, string header)
    {
        var sb = new StringBuilder();
        sb.Append(header);
        sb.AppendLine("import torch");
        sb.AppendLine("import torch.nn as nn");
        sb.AppendLine("import torch.nn.functional as F");
        sb.AppendLine();
        sb.AppendLine("from gandsl_layers import (BatchNorm, Const, Conv2d, ConvTranspose2d, Embedding, Film, Linear, ModConv2d, Noise,");
        sb.AppendLine("                           SelfAttention, dropout, load_state, minibatch_stddev)");
        foreach (var net in model.Networks) Network(sb, net);
        sb.AppendLine();
        sb.AppendLine();
        sb.AppendLine($"NETWORKS = {{{string.Join(", ", model.Networks.Select(n => $"\"{n.Name}\": {ClassName(n.Name)}"))}}}");
        sb.AppendLine();
        var classes = string.Concat(model.Networks.Select(n => $", \"{ClassName(n.Name)}\""));
        sb.AppendLine($"__all__ = [\"NETWORKS\", \"load_state\"{classes}]");
        return sb.ToString();
    }

    static void Network(StringBuilder sb, NetworkIr net)
    {
        var inputs = net.Inputs.Select(i => Identifier(i.Name)).ToArray();
        sb.AppendLine();
        sb.AppendLine();
        sb.AppendLine($"class {ClassName(net.Name)}(nn.Module):");
        string ins = string.Join(", ", net.Inputs.Select(i => i.Kind == InputKind.Label
            ? $"{i.Name}: labels in [0, {i.Classes})"
            : $"{i.Name}: N×{string.Join("×", i.Shape)}"));
        string outs = string.Join(", ", net.Outputs.OrderBy(o => o.Value).Select(o =>
            $"{o.Key}{(o.Key == net.DefaultOutput ? " (default)" : "")}: N×{string.Join("×", net.Nodes[o.Value].Shape)}"));
        sb.AppendLine($"    \"\"\"Network {net.Name}: {ins} → {outs}; {net.Parameters:N0} trainable parameters.\"\"\"");
        sb.AppendLine();
        sb.AppendLine("    def __init__(self):");
        sb.AppendLine("        super().__init__()");
        foreach (var node in net.Nodes)
            if (PyOps.Module(node.Op) is { } ctor)
                sb.AppendLine($"        self.add_module(\"{node.Name}\", {ctor})");
        sb.AppendLine();
        sb.AppendLine($"    def forward(self, {string.Join(", ", inputs)}, output=None):");
        sb.AppendLine($"        \"\"\"The output named `output` (default: {net.DefaultOutput}); \"*\": every output by name.\"\"\"");
        sb.AppendLine("        m = self._modules");
        foreach (var node in net.Nodes)
        {
            var args = node.Inputs.Select(r => r < 0 ? inputs[-1 - r] : $"h{r}").ToArray();
            string shape = $"N×{string.Join("×", node.Shape)}";
            sb.AppendLine($"        h{node.Id} = {PyOps.Forward(node.Op, args, $"m[\"{node.Name}\"]")}  # {node.Name}: {shape}");
        }
        var outputs = net.Outputs.OrderBy(o => o.Value).Select(o => $"\"{o.Key}\": h{o.Value}");
        sb.AppendLine($"        outputs = {{{string.Join(", ", outputs)}}}");
        sb.AppendLine($"        return outputs if output == \"*\" else outputs[output or \"{net.DefaultOutput}\"]");
    }

    /// <summary>A network's class name: its name, made a Python identifier.</summary>
    public static string ClassName(string network) => Identifier(network);

    static readonly HashSet<string> Keywords =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass",
        "raise", "return", "try", "while", "with", "yield", "output", "self", "m", "torch", "nn", "F", "BatchNorm", "Const", "Conv2d",
        "ConvTranspose2d", "Embedding", "Film", "Linear", "ModConv2d", "Noise", "SelfAttention", "dropout", "load_state",
        "minibatch_stddev", "NETWORKS",
    ];

    /// <summary>A spec name as a Python identifier: a keyword or a name the generated code uses gets a trailing underscore.</summary>
    public static string Identifier(string name) => Keywords.Contains(name) || name.StartsWith('h') && name.Skip(1).All(char.IsDigit)
        ? name + "_" : name;
}
