using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model;

/// <summary>
/// A linear layer's product on the CPU, through one of libtorch's two product libraries. nn.Linear's addmm runs on MKL, and
/// MKL runs its AVX2 kernels on CPUs that are not Intel's, even where they have AVX-512 (AMD Zen 4 and 5); oneDNN, which
/// libtorch's convolutions run on, runs its AVX-512 kernels there (bench/RESULTS.md, "oneDNN"). On such a CPU the product
/// is taken as oneDNN's 1×1 convolution over the batch as positions: x [N, in] is the channels-last tensor [1, in, N, 1]
/// as it lies in memory, the output [1, out, N, 1] channels-last is y [N, out], and autograd's convolution backward gives
/// the gradients, with no copy of the activations either way. Above <see cref="LargeWeights"/>, with fewer rows than
/// outputs, the roles swap: W [out, in] is the channels-last input [1, in, out, 1], x the kernel [N, in, 1, 1], and yᵀ
/// comes out, copied once into y.
/// <para>
/// The rule is fixed for a run. The CPU: not Intel's, with AVX-512. The product: at least <see cref="MinimumRows"/> rows and
/// <see cref="MinimumOutputs"/> outputs, where oneDNN's kernels outrun its per-call reorders of the weights, and where
/// libtorch itself takes oneDNN for the convolution (more than one thread, more than 20,480 input elements; below that it
/// takes its slow 1×1 path). The same seed on the same machine and thread count gives the same numbers; the products round
/// differently from addmm's (within 1.4e-6 of the largest value in CpuLinearTests, addmm within 8.7e-7), so a run on
/// another CPU kind or thread count reproduces as closely as MKL's own code paths do. <c>GAN_ONEDNN_LINEAR=0</c> keeps every
/// product on MKL, <c>1</c> takes oneDNN on any CPU where the product qualifies (for tests and comparisons).
/// </para>
/// </summary>
internal static class CpuLinear
{
    /// <summary>Input elements (N × in) up to which libtorch runs a 1×1 convolution without oneDNN.</summary>
    const long LibTorchOneDnnMinimum = 20480;

    /// <summary>The smallest batch and output width taken to oneDNN (`gan-bench onednn layers`, bench/RESULTS.md, 2026-12-05):
    /// with 32–64 rows or 10–64 outputs its product, forward and backward, ran at 0.2–1.0 of addmm's speed (its per-call
    /// reorders of the weights cost more than its faster kernels save); with 128 outputs 1.1–1.2 alone, but tf-basic's step,
    /// whose one such layer it is, ran 1–2% slower; from 96 rows and 256 outputs, 1.14–1.61.</summary>
    public const long MinimumRows = 96, MinimumOutputs = 256;

    /// <summary>Weight elements (2 MiB of float32, twice this CPU's L2) above which the weights, not the batch, are the
    /// convolution's input when the batch has fewer rows than the layer has outputs: oneDNN then reorders the smaller batch
    /// into its blocked layout at each call, not the weights. Measured
    /// with `gan-bench onednn layers` (2026-12-05): 1024 → 784 at batch 128 ran at 1.70–1.80 of addmm's speed that way
    /// against 1.16–1.17 the other way; 512 → 1024 (exactly 2 MiB) at 1.57 against 1.76.</summary>
    public const long LargeWeights = 512 * 1024;

    static readonly bool? Forced = Environment.GetEnvironmentVariable("GAN_ONEDNN_LINEAR") switch
    {
        "0" => false, "1" => true, _ => null,
    };

    static readonly ThreadLocal<bool?> OnThread = new();
    static readonly ThreadLocal<long> Taken = new(), TakenLarge = new();

    /// <summary>The products this thread has sent to oneDNN (tests: that a product took the path they mean to test).</summary>
    public static long OneDnnProducts => Taken.Value;

    /// <summary>Of those, the products in the large-weight form (<see cref="LargeWeights"/>).</summary>
    public static long LargeWeightProducts => TakenLarge.Value;

    /// <summary>Whether this CPU is one where oneDNN's kernels outrun MKL's: not Intel's, with AVX-512.</summary>
    public static bool CpuPrefersOneDnn { get; } = Avx512F.IsSupported && Vendor() == "AuthenticAMD";

    /// <summary>oneDNN for this thread's linear layers: true, false, or null for the rule (tests set it; null again after).</summary>
    public static bool? ThisThread
    {
        get => OnThread.Value;
        set => OnThread.Value = value;
    }

    /// <summary>Whether the products of this process's linear layers go to oneDNN where libtorch would take it.</summary>
    public static bool Enabled => OnThread.Value ?? Forced ?? CpuPrefersOneDnn;

    /// <summary>For run folders and `gan bench`, at this thread count: which library a CPU linear layer's product runs on,
    /// and why.</summary>
    public static string Description
    {
        get
        {
            bool forced = OnThread.Value is not null || Forced is not null;
            if (!Enabled) return $"MKL addmm ({(forced ? "forced" : "this CPU's default")})";
            if (get_num_threads() < 2) return "MKL addmm (one thread: libtorch takes no oneDNN for a 1x1 convolution)";
            return $"oneDNN 1x1 convolutions for {MinimumRows}+ rows and {MinimumOutputs}+ outputs, else MKL addmm "
                   + $"({(forced ? "forced" : "AMD CPU with AVX-512")})";
        }
    }

    /// <summary>y = x Wᵀ + b for x [N, in], W [out, in], b [out] or null.</summary>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias) =>
        Applies(x, weight.shape[0]) ? OneDnn(x, weight, bias) : F.linear(x, weight, bias);

    /// <summary>Whether this product goes to oneDNN: a float32 CPU batch of rows under the rule, large enough that libtorch
    /// takes oneDNN for the convolution, with more than one thread.</summary>
    public static bool Applies(Tensor x, long outputs) =>
        x.dim() == 2 && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && Enabled
        && x.shape[0] >= MinimumRows && outputs >= MinimumOutputs
        && x.shape[0] * x.shape[1] > LibTorchOneDnnMinimum && get_num_threads() > 1;

    static Tensor OneDnn(Tensor x, Tensor weight, Tensor? bias)
    {
        long n = x.shape[0], inputs = x.shape[1], outputs = weight.shape[0];
        Taken.Value++;
        if (weight.numel() <= LargeWeights || n >= outputs)
        {
            var positions = x.contiguous().view(1, n, 1, inputs).permute(0, 3, 1, 2);     // [1, in, N, 1], channels-last
            var y = F.conv2d(positions, weight.reshape(outputs, inputs, 1, 1), bias);      // [1, out, N, 1], channels-last
            return y.permute(0, 2, 3, 1).reshape(n, outputs);
        }
        // Large weights: Wᵀ's rows are the positions and the batch is the kernel, so oneDNN reorders the batch at each call
        // instead of the weights. The result, yᵀ, is copied once into y's layout.
        TakenLarge.Value++;
        var rows = weight.contiguous().view(1, outputs, 1, inputs).permute(0, 3, 1, 2);   // [1, in, out, 1], channels-last
        var yt = F.conv2d(rows, x.contiguous().view(n, inputs, 1, 1));                     // [1, N, out, 1], channels-last
        var product = yt.permute(0, 2, 3, 1).reshape(outputs, n).t().contiguous();         // [N, out]
        return bias is null ? product : product + bias;
    }

    static string Vendor()
    {
        if (!X86Base.IsSupported) return "";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> words = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words));
    }
}
