using static TorchSharp.torch;

namespace Gan.Runtime.Interop;

/// <summary>
/// The safetensors dtypes GanDsl reads and writes, with their TorchSharp scalar types and element sizes. The rank is the
/// position in the reference implementation's <c>Dtype</c> enum (huggingface/safetensors, safetensors/src/tensor.rs),
/// which lists dtypes in increasing alignment: its writer orders tensors by descending rank, then by name.
/// </summary>
internal static class SafetensorsDtype
{
    /// <summary>One dtype: its name in a header, its scalar type, its element size in bytes and its reference enum rank.</summary>
    internal sealed record Info(string Name, ScalarType Type, int ItemSize, int Rank);

    /// <summary>The reference enum also has U16, U32, U64 and the 8-, 6- and 4-bit floats: TorchSharp 0.107 has no such type.</summary>
    static readonly Info[] All =
    [
        new("BOOL", ScalarType.Bool, 1, 0),
        new("U8", ScalarType.Byte, 1, 1),
        new("I8", ScalarType.Int8, 1, 2),
        new("I16", ScalarType.Int16, 2, 5),
        new("F16", ScalarType.Float16, 2, 7),
        new("BF16", ScalarType.BFloat16, 2, 8),
        new("I32", ScalarType.Int32, 4, 9),
        new("F32", ScalarType.Float32, 4, 11),
        new("F64", ScalarType.Float64, 8, 12),
        new("I64", ScalarType.Int64, 8, 13),
    ];

    static readonly Dictionary<string, Info> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);
    static readonly Dictionary<ScalarType, Info> ByType = All.ToDictionary(d => d.Type);

    /// <summary>The dtype names GanDsl reads, for messages: "F64, F32, ...".</summary>
    public static string Supported => string.Join(", ", All.OrderByDescending(d => d.Rank).Select(d => d.Name));

    /// <summary>The dtype a header names, or null when GanDsl does not read it.</summary>
    public static Info? Parse(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The dtype of a TorchSharp scalar type, or null when safetensors (as GanDsl writes it) has none.</summary>
    public static Info? Of(ScalarType type) => ByType.GetValueOrDefault(type);

    /// <summary>How a message names a scalar type: its safetensors name where it has one, else TorchSharp's.</summary>
    public static string NameOf(ScalarType type) => Of(type)?.Name ?? type.ToString();
}
