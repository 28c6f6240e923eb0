namespace Gan.Dsl.Ir;

internal enum LatentKind
{
    /// <summary>Gaussian noise N(A, B²) (A = mean, B = std).</summary>
    Normal,
    /// <summary>Uniform noise U(A, B).</summary>
    Uniform,
    /// <summary>One-hot of a class index; Dim = classes.</summary>
    OneHot,
    /// <summary>An integer class index (for embeddings); Dim = 1, Classes = count.</summary>
    Label,
}

/// <summary>A named latent part. Categorical parts come from the batch labels or are sampled uniformly.</summary>
internal sealed record LatentIr(string Name, LatentKind Kind, int Dim, double A, double B, int Classes, bool FromLabels);
