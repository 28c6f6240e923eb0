using System.Collections.Immutable;

namespace Gan.Dsl.Ir;

/// <summary>The real data of a spec. <see cref="Shape"/> is one sample's shape (no batch dim).</summary>
internal abstract record DataIr(ImmutableArray<int> Shape, int Classes)
{
    /// <summary>Scale range of image pixels (low, high), e.g. (-1, 1).</summary>
    public virtual (double Low, double High)? Scale => null;

    /// <summary><c>flip: true</c>: each real image is mirrored left–right with p = ½ on every draw (from the run seed).</summary>
    public bool Flip { get; init; }
}

/// <summary>x = n·A + b with n ~ N(0, I₂); <c>Count</c> points drawn once from the run seed.</summary>
internal sealed record Gaussian2dDataIr(ImmutableArray<double> Mean, ImmutableArray<ImmutableArray<double>> Transform, int Count)
    : DataIr([2], 0);

/// <summary>MNIST split (train/test), pixels scaled to [Low, High], optionally zero-padded (pad) or resized to Size.</summary>
internal sealed record MnistDataIr(string Split, double Low, double High, int Size, string Resize)
    : DataIr([1, Size, Size], 10)
{
    public override (double Low, double High)? Scale => (Low, High);
}

/// <summary>
/// Fashion-MNIST (Zalando; 10 classes of clothing, 28×28 grey, 60,000 + 10,000), fetched into the data cache: the same
/// options as <see cref="MnistDataIr"/>.
/// </summary>
internal sealed record FashionMnistDataIr(string Split, double Low, double High, int Size, string Resize)
    : DataIr([1, Size, Size], 10)
{
    public override (double Low, double High)? Scale => (Low, High);
}

/// <summary>Images without labels, resized to Size×Size, Channels 1 (grey) or 3 (RGB), pixels scaled to [Low, High].</summary>
internal abstract record ImageDataIr(int Size, int Channels, double Low, double High) : DataIr([Channels, Size, Size], 0)
{
    public override (double Low, double High)? Scale => (Low, High);
}

/// <summary>A user's folder of PNG/JPEG images (<c>images(path)</c>): always read from <c>Path</c>.</summary>
internal sealed record ImageFolderDataIr(string Path, int Size, int Channels, double Low, double High)
    : ImageDataIr(Size, Channels, Low, High);

/// <summary>The built-in set of 3,786 Twitter emoji (<c>emoji(...)</c>), fetched into the data cache: RGB.</summary>
internal sealed record EmojiDataIr(int Size, double Low, double High) : ImageDataIr(Size, 3, Low, High);
