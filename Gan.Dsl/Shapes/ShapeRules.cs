namespace Gan.Dsl.Shapes;

/// <summary>Padding of a convolution: TensorFlow's 'same' or 'valid', or an explicit symmetric number.</summary>
public readonly record struct Padding(string Mode, int Amount)
{
    public static Padding Same => new("same", 0);
    public static Padding Valid => new("valid", 0);
    public static Padding Explicit(int n) => new("explicit", n);
}

/// <summary>
/// One small pure function per layer kind: it names the dimensions it expects and returns the output
/// shape (batch dimension excluded) or a diagnostic code and message. No state, no TorchSharp.
/// </summary>
public static class ShapeRules
{
    /// <summary>Every layer kind that has a rule; the meta-test checks each has a golden case and docs.</summary>
    public static readonly IReadOnlyList<string> LayerKinds =
    [
        "linear", "conv2d", "conv_transpose2d", "batchnorm", "layernorm", "instancenorm", "dropout",
        "relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "softplus",
        "reshape", "flatten", "concat", "embedding", "upsample", "avgpool", "maxpool", "global_avgpool",
    ];

    /// <summary>Largest number of elements one sample may have at any point of a network (2³¹ − 1).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>
    /// The output shape <paramref name="dims"/>, computed in 64 bits, or GAN0309 when a dimension or the
    /// per-sample element count exceeds <see cref="MaxElements"/> (the int shapes would wrap around).
    /// </summary>
    public static ShapeResult Sized(params long[] dims)
    {
        long count = 1;
        foreach (var d in dims)
        {
            count = d > 0 && count > MaxElements / d ? MaxElements + 1 : count * d;
            if (d > MaxElements || count > MaxElements)
                return ShapeResult.Fail("GAN0309", $"N×{string.Join("×", dims)} has more than {MaxElements:N0} elements per sample; check the sizes");
        }
        return ShapeResult.Of([.. dims.Select(d => (int)d)]);
    }

    /// <summary>linear: N×F → N×out. With an explicit <paramref name="inFeatures"/>, F must equal it.</summary>
    public static ShapeResult Linear(int[] input, int? inFeatures, int outFeatures)
    {
        if (input.Length != 1)
            return ShapeResult.Fail("GAN0302", $"N×F (a flat vector), got {Shape.Show(input)}; add flatten before it");
        if (inFeatures is int f && f != input[0])
            return ShapeResult.Fail("GAN0301", $"{f}|{input[0]}");
        return Sized(outFeatures);
    }

    /// <summary>Output length and padding (before, after) of a convolution along one axis.</summary>
    public static (int Out, int Before, int After) ConvAxis(int size, int kernel, int stride, int dilation, Padding padding)
    {
        var (o, b, a) = ConvAxisLong(size, kernel, stride, dilation, padding);
        return ((int)o, (int)b, (int)a);
    }

    /// <summary><see cref="ConvAxis"/> in 64 bits, so huge kernels, dilations or paddings cannot wrap around.</summary>
    static (long Out, long Before, long After) ConvAxisLong(long size, long kernel, long stride, long dilation, Padding padding)
    {
        long span = dilation * (kernel - 1) + 1;
        switch (padding.Mode)
        {
            case "same":
            {
                long outSize = (size + stride - 1) / stride;
                long total = Math.Max((outSize - 1) * stride + span - size, 0);
                return (outSize, total / 2, total - total / 2);
            }
            case "valid":
                return (size - span < 0 ? 0 : (size - span) / stride + 1, 0, 0);
            default:
            {
                long p = padding.Amount;
                long padded = size + 2 * p;
                return (padded - span < 0 ? 0 : (padded - span) / stride + 1, p, p);
            }
        }
    }

    /// <summary>A convolution's input must be N×C×H×W, with C equal to a stated channel count.</summary>
    static ShapeResult? ImageInput(int[] input, int? inChannels)
    {
        if (input.Length != 3)
            return ShapeResult.Fail("GAN0302", $"N×C×H×W, got {Shape.Show(input)}{(input.Length == 1 ? "; add reshape(C, H, W) before it" : "")}");
        if (inChannels is int c && c != input[0])
            return ShapeResult.Fail("GAN0302", $"N×{c}×H×W ({c} input channels), got {Shape.Show(input)}");
        return null;
    }

    /// <summary>conv2d: N×C×H×W → N×out×H'×W'.</summary>
    public static ShapeResult Conv2d(int[] input, int? inChannels, int outChannels, int kernel, int stride, int dilation, Padding padding)
    {
        if (ImageInput(input, inChannels) is { } bad) return bad;
        var (h, _, _) = ConvAxisLong(input[1], kernel, stride, dilation, padding);
        var (w, _, _) = ConvAxisLong(input[2], kernel, stride, dilation, padding);
        if (h <= 0 || w <= 0)
            return ShapeResult.Fail("GAN0305", $"kernel {kernel} with stride {stride} and {padding.Mode} padding leaves no output on {input[1]}×{input[2]}: the spatial size reaches zero");
        return Sized(outChannels, h, w);
    }

    /// <summary>
    /// Output length and crop (before, after) of a transposed convolution along one axis, computed as a
    /// padding-0 transposed convolution (length (size−1)·stride + kernel) then cropped. A negative
    /// crop adds zero rows (TF when kernel &lt; stride).
    /// </summary>
    public static (int Out, int CropBefore, int CropAfter) ConvTransposeAxis(int size, int kernel, int stride, Padding padding, int outputPadding)
    {
        var (o, b, a) = ConvTransposeAxisLong(size, kernel, stride, padding, outputPadding);
        return ((int)o, (int)b, (int)a);
    }

    /// <summary><see cref="ConvTransposeAxis"/> in 64 bits, so huge strides or kernels cannot wrap around.</summary>
    static (long Out, long CropBefore, long CropAfter) ConvTransposeAxisLong(long size, long kernel, long stride, Padding padding, long outputPadding)
    {
        long full = (size - 1) * stride + kernel;
        switch (padding.Mode)
        {
            case "same":
            {
                long outSize = size * stride;
                long total = full - outSize;                     // = kernel − stride
                long before = total > 0 ? total / 2 : 0;
                return (outSize, before, total - before);
            }
            case "valid":
            {
                long outSize = size * stride + Math.Max(kernel - stride, 0);
                return (outSize, 0, full - outSize);
            }
            default:
            {
                long p = padding.Amount;
                return (full - 2 * p + outputPadding, p, p - outputPadding);
            }
        }
    }

    /// <summary>conv_transpose2d: N×C×H×W → N×out×H'×W'.</summary>
    public static ShapeResult ConvTranspose2d(int[] input, int? inChannels, int outChannels, int kernel, int stride, Padding padding, int outputPadding)
    {
        if (ImageInput(input, inChannels) is { } bad) return bad;
        var (h, _, _) = ConvTransposeAxisLong(input[1], kernel, stride, padding, outputPadding);
        var (w, _, _) = ConvTransposeAxisLong(input[2], kernel, stride, padding, outputPadding);
        if (h <= 0 || w <= 0)
            return ShapeResult.Fail("GAN0305", $"padding {padding.Amount} crops away the whole {input[1]}×{input[2]} output: the spatial size reaches zero");
        return Sized(outChannels, h, w);
    }

    /// <summary>batchnorm: N×F or N×C×H×W, same shape out. An explicit feature count must match.</summary>
    public static ShapeResult BatchNorm(int[] input, int? features)
    {
        if (input.Length is not (1 or 3))
            return ShapeResult.Fail("GAN0302", $"N×F or N×C×H×W, got {Shape.Show(input)}");
        if (features is int f && f != input[0])
            return ShapeResult.Fail("GAN0302", $"N×{f} or N×{f}×H×W ({f} features), got {Shape.Show(input)}");
        return ShapeResult.Of(input);
    }

    /// <summary>layernorm over all non-batch dimensions: shape unchanged.</summary>
    public static ShapeResult LayerNorm(int[] input) => ShapeResult.Of(input);

    /// <summary>instancenorm: N×C×H×W, shape unchanged.</summary>
    public static ShapeResult InstanceNorm(int[] input)
    {
        if (input.Length != 3) return ShapeResult.Fail("GAN0302", $"N×C×H×W, got {Shape.Show(input)}");
        if (input[1] * (long)input[2] < 2)
            return ShapeResult.Fail("GAN0305", $"it normalises each channel over H×W, and {input[1]}×{input[2]} has one element (PyTorch refuses it); use batchnorm or layernorm, or normalise before the size reaches 1×1");
        return ShapeResult.Of(input);
    }

    /// <summary>Element-wise layers (dropout, activations): shape unchanged.</summary>
    public static ShapeResult Elementwise(int[] input) => ShapeResult.Of(input);

    /// <summary>reshape to <paramref name="target"/> (one −1 is inferred); the element count must not change.</summary>
    public static ShapeResult Reshape(int[] input, int[] target)
    {
        long count = Shape.Count(input);
        int unknown = Array.IndexOf(target, -1);
        if (target.Count(d => d == -1) > 1 || target.Any(d => d == 0 || d < -1))
            return ShapeResult.Fail("GAN0213", "sizes must be positive, with at most one -1");
        if (unknown >= 0)
        {
            long known = target.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
            if (count % known != 0)
                return ShapeResult.Fail("GAN0305", $"{count} elements of {Shape.Show(input)} are not a whole multiple of {known}, so -1 cannot be inferred");
            target = (int[])target.Clone();
            target[unknown] = (int)(count / known);
        }
        if (target.Aggregate(1.0, (a, d) => a * d) != count)
            return ShapeResult.Fail("GAN0303", $"{Shape.Dims(target)}|{target.Aggregate(1.0, (a, d) => a * d).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}");
        return ShapeResult.Of(target);
    }

    /// <summary>flatten: N×… → N×(product).</summary>
    public static ShapeResult Flatten(int[] input) => Sized(Shape.Count(input));

    /// <summary>concat along the first non-batch axis: all other dimensions must agree.</summary>
    public static ShapeResult Concat(IReadOnlyList<int[]> inputs)
    {
        var first = inputs[0];
        for (int i = 1; i < inputs.Count; i++)
        {
            var x = inputs[i];
            if (x.Length != first.Length || !x.Skip(1).SequenceEqual(first.Skip(1)))
                return ShapeResult.Fail("GAN0304", $"cannot join {Shape.Show(first)} and {Shape.Show(x)} along dimension 1: the other dimensions must agree");
        }
        return Sized([inputs.Sum(x => (long)x[0]), .. first.Skip(1).Select(d => (long)d)]);
    }

    /// <summary>embedding: an integer label in [0, K) → N×dim; the table needs at least K rows.</summary>
    public static ShapeResult Embedding(int labelClasses, int[] input, int count, int dim)
    {
        if (labelClasses <= 0)
            return ShapeResult.Fail("GAN0302", $"an integer label input (declare it as label(K)), got a float tensor {Shape.Show(input)}");
        if (count < labelClasses)
            return ShapeResult.Fail("GAN0213", $"its table has {count} rows, but the label input has {labelClasses} classes (0..{labelClasses - 1}); use embedding({labelClasses}, {dim})");
        return Sized(dim);
    }

    /// <summary>upsample by an integer factor: N×C×H×W → N×C×(sH)×(sW).</summary>
    public static ShapeResult Upsample(int[] input, double scale)
    {
        if (input.Length != 3) return ShapeResult.Fail("GAN0302", $"N×C×H×W, got {Shape.Show(input)}");
        if (scale < 1 || Math.Abs(scale - Math.Round(scale)) > 1e-9)
            return ShapeResult.Fail("GAN0305", $"scale {scale} gives {input[1] * scale}×{input[2] * scale}, which is not a whole size; use an integer scale");
        long s = (long)Math.Min(Math.Round(scale), int.MaxValue);
        return Sized(input[0], input[1] * s, input[2] * s);
    }

    /// <summary>avg/max pool: N×C×H×W → N×C×H'×W' with H' = ⌊(H + 2p − k)/s⌋ + 1.</summary>
    public static ShapeResult Pool(int[] input, int kernel, int stride, int padding)
    {
        if (input.Length != 3) return ShapeResult.Fail("GAN0302", $"N×C×H×W, got {Shape.Show(input)}");
        if (2L * padding > kernel)
            return ShapeResult.Fail("GAN0305", $"padding {padding} is more than half the {kernel}×{kernel} window (PyTorch allows at most {kernel / 2}); lower the padding or widen the window");
        long h = (input[1] + 2L * padding - kernel) / stride + 1;
        long w = (input[2] + 2L * padding - kernel) / stride + 1;
        if (input[1] + 2L * padding < kernel || input[2] + 2L * padding < kernel || h <= 0 || w <= 0)
            return ShapeResult.Fail("GAN0305", $"a {kernel}×{kernel} window does not fit in {input[1]}×{input[2]}: the spatial size reaches zero");
        return Sized(input[0], h, w);
    }

    /// <summary>global average pool: N×C×H×W → N×C.</summary>
    public static ShapeResult GlobalAvgPool(int[] input) =>
        input.Length == 3 ? ShapeResult.Of(input[0]) : ShapeResult.Fail("GAN0302", $"N×C×H×W, got {Shape.Show(input)}");
}
