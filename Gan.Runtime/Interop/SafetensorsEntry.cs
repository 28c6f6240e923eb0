using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// One tensor of a validated safetensors header: its name, dtype (the header's name and TorchSharp's type), shape and byte
/// range [<see cref="Begin"/>, <see cref="End"/>) in the data section (which starts after the header).
/// </summary>
internal sealed record SafetensorsEntry(string Name, string Dtype, ScalarType Type, long[] Shape, long Begin, long End)
{
    /// <summary>The number of data bytes: numel × element size (checked when the header was read).</summary>
    public long Length => End - Begin;

    /// <summary>The dtype and shape as messages show them, e.g. <c>F32 [64, 3, 3, 3]</c>.</summary>
    public string Describe() => $"{Dtype} {SafetensorsFile.FormatShape(Shape)}";
}
