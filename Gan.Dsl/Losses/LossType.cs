using Gan.Dsl.Layers;

namespace Gan.Dsl.Losses;

/// <summary>What a loss subexpression is: a scalar loss value, a tensor of a shape, class labels, or a network name.</summary>
internal abstract record LossType
{
    public string Describe() => this switch
    {
        TensorType tt => $"a tensor {Shape.Show(tt.Shape)}",
        LabelType => "class labels",
        NetworkType n => $"the network {n.Name} (apply it: {n.Name}(...))",
        _ => "a scalar",
    };
}

internal sealed record ScalarType : LossType;
internal sealed record TensorType(int[] Shape) : LossType;
internal sealed record LabelType(int Classes) : LossType;
internal sealed record NetworkType(string Name) : LossType;
