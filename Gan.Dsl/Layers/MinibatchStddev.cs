using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// StyleGAN's minibatch standard deviation (rosinality stylegan2-pytorch Discriminator): the batch split into groups of
/// <c>Group</c>, the channels into <c>Channels</c> parts; each part's standard deviation over the group, averaged over its
/// channels and pixels, is appended as a channel: C×H×W → (C + Channels)×H×W.
/// </summary>
internal sealed record MinibatchStddevOp(int Group, int Channels) : OpIr("minibatch_stddev");

internal sealed class MinibatchStddev() : OpLayerKind<MinibatchStddevOp>("minibatch_stddev",
    "appends the group standard deviation of the batch as channels: C×H×W → (C + channels)×H×W; no parameters",
    [new("group", ArgType.Int, Int(4)), new("channels", ArgType.Int, Int(1))])
{
    public static readonly MinibatchStddev Instance = new();

    public override MinibatchStddevOp? Configure(LayerArgs a) =>
        a.Positive("group", "channels") ? new MinibatchStddevOp(a.Int("group"), a.Int("channels")) : null;

    /// <summary>C×H×W → (C + F)×H×W, F = channels, which must divide C.</summary>
    public override ShapeResult Shape(MinibatchStddevOp c, Operand x)
    {
        if (Layers.Shape.NotImage(x.Shape) is { } notImage) return notImage;
        int channels = x.Shape[0];
        if (channels % c.Channels != 0)
        {
            var divisors = Enumerable.Range(1, channels).Where(d => channels % d == 0).Select(d => d.ToString());
            return new RankError($"N×C×H×W with C divisible by channels: {c.Channels}, got {Layers.Shape.Show(x.Shape)}; "
                                 + $"use channels: {string.Join(", ", divisors.Take(6))}{(divisors.Count() > 6 ? ", …" : "")}");
        }
        return Layers.Shape.Sized((long)channels + c.Channels, x.Shape[1], x.Shape[2]);
    }

    /// <summary>
    /// The group a batch of <paramref name="batch"/> samples is split into: min(group, batch), and when that does not
    /// divide the batch (a last partial batch), the largest group size below it that does.
    /// </summary>
    public static int GroupFor(int group, int batch)
    {
        int g = Math.Max(1, Math.Min(group, batch));
        while (batch % g != 0) g--;
        return g;
    }

    /// <summary>Whether a batch of this size is split as written: min(group, batch) divides it.</summary>
    public static bool Divides(int group, int batch) => batch % Math.Min(group, batch) == 0;
}
