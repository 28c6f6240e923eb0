using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>The real data of a spec. <see cref="Shape"/> is one sample's shape (no batch dim).</summary>
public abstract record DataIr(ImmutableArray<int> Shape, int Classes)
{
    /// <summary>Scale range of image pixels (low, high), e.g. (-1, 1).</summary>
    public virtual (double Low, double High)? Scale => null;
}

/// <summary>x = n·A + b with n ~ N(0, I₂); <c>Count</c> points drawn once from the run seed.</summary>
public sealed record Gaussian2dDataIr(ImmutableArray<double> Mean, ImmutableArray<ImmutableArray<double>> Transform, int Count)
    : DataIr([2], 0);

/// <summary>MNIST split (train/test), pixels scaled to [Low, High], optionally zero-padded (pad) or resized to Size.</summary>
public sealed record MnistDataIr(string Split, double Low, double High, int Size, string Resize)
    : DataIr([1, Size, Size], 10)
{
    public override (double Low, double High)? Scale => (Low, High);
}

/// <summary>A folder of PNG/JPEG images (or the built-in emoji set when Path is "emoji"), resized to Size×Size.</summary>
public sealed record ImageFolderDataIr(string Path, int Size, int Channels, double Low, double High)
    : DataIr([Channels, Size, Size], 0)
{
    public override (double Low, double High)? Scale => (Low, High);
    public bool IsEmoji => Path == "emoji";
}
