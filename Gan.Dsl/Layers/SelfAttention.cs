using Gan.Dsl.Binding;
using Gan.Dsl.Ir;
using static Gan.Dsl.Binding.Signature;

namespace Gan.Dsl.Layers;

/// <summary>
/// The pooled SAGAN self-attention of BigGAN-PyTorch, StudioGAN and mimicry on a C×H×W input: 1×1 convolutions θ (C→C/8),
/// φ (C→C/8, then 2×2 max pooling), g (C→C/2, then 2×2 max pooling) and o (C/2→C), none with a bias, optionally spectrally
/// normalised; y = x + γ·o(g·softmax(θᵀφ)ᵀ), γ a learned scalar initialised to 0.
/// </summary>
internal sealed record SelfAttentionOp(int Channels, InitIr Init, bool SpectralNorm, int PowerIterations) : OpIr("self_attention");

internal sealed class SelfAttention() : LayerKind<SelfAttention.Config>("self_attention",
    "pooled SAGAN self-attention: C×H×W unchanged (C divisible by 8, H and W even); parameters 5C²/4 + 1",
    [Params.Init, new("spectral_norm", ArgType.Bool, Bool(false)), new("power_iterations", ArgType.Int, Int(1))])
{
    public static readonly SelfAttention Instance = new();
    internal sealed record Config(InitIr Init, bool SpectralNorm, int PowerIterations);

    public override Config? Configure(LayerArgs a) =>
        a.Positive("power_iterations") ? new Config(a.Init, a.Bool("spectral_norm"), a.Int("power_iterations")) : null;

    /// <summary>C×H×W unchanged; C/8 query and key channels need C divisible by 8, the 2×2 pooling needs H and W even.</summary>
    public override ShapeResult Shape(Config c, Operand x)
    {
        if (Layers.Shape.NotImage(x.Shape) is { } notImage) return notImage;
        var (channels, h, w) = (x.Shape[0], x.Shape[1], x.Shape[2]);
        if (channels % 8 != 0)
            return new RankError($"N×C×H×W with C divisible by 8 (its θ and φ have C/8 channels), got {Layers.Shape.Show(x.Shape)}; "
                                 + $"give the layer before it {Math.Max(8, channels / 8 * 8)} or {(channels / 8 + 1) * 8} channels");
        if (h % 2 != 0 || w % 2 != 0)
            return new SpatialError($"its φ and g paths max-pool 2×2, so H and W must be even, got {h}×{w}; "
                                    + "place it where the image size is even");
        return ShapeResult.Of(x.Shape);
    }

    /// <summary>θ and φ C·C/8 each, g and o C·C/2 each, and γ: 5C²/4 + 1.</summary>
    public override long Parameters(Config c, Operand x)
    {
        long channels = x.Shape[0];
        return 2 * channels * (channels / 8) + 2 * channels * (channels / 2) + 1;
    }

    public override OpIr Lower(Config c, Operand x) => new SelfAttentionOp(x.Shape[0], c.Init, c.SpectralNorm, c.PowerIterations);
}
