using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// libtorch's two CPU product libraries on this machine: MKL, which serves matmul and addmm (so nn.Linear and the sgemm
/// figure of `efficiency` and `gan bench`), and oneDNN, which serves conv2d. On an AMD CPU with AVX-512, MKL runs its AVX2
/// kernels and oneDNN its AVX-512 ones (ONEDNN_VERBOSE=1 names them). Alternating rounds in one process:
/// (1) the mnist-mlp layers' products as matmul and as a 1×1 convolution, with the batch as the convolution's batch, as
/// its positions ([1, in, B, 1]) and as its channels-last positions (CpuLinear's layout); (2) a 3×3 convolution against
/// sgemm 1024³; (3) the forward and backward of mnist-mlp's G (without BatchNorm) with its linear layers as addmm and as 1×1
/// convolutions over feature-major activations; (4) <see cref="Layers"/>. (1)–(3) measured the design decision; (4) runs GanDsl's own path, CpuLinear.
/// </summary>
public static class OneDnnBench
{
    public static void Run()
    {
        foreach (var (b, i, o) in new[] { (128, 1024, 784), (128, 784, 512), (1024, 1024, 1024) })
        {
            using var scope = NewDisposeScope();
            var (x, w) = (randn(b, i), randn(o, i));
            var (positions, w4, batch) = (x.t().contiguous().reshape(1, i, b, 1), w.reshape(o, i, 1, 1), x.reshape(b, i, 1, 1));
            double f = 20 * 2.0 * b * i * o / 1e9;
            var (mm, asPositions) = Harness.Alternate(f, () => Repeat(20, () => x.matmul(w.t())),
                                                      f, () => Repeat(20, () => nn.functional.conv2d(positions, w4)), 15);
            var channelsLast = x.view(1, b, 1, i).permute(0, 3, 1, 2);
            var (asBatch, asChannelsLast) = Harness.Alternate(f, () => Repeat(20, () => nn.functional.conv2d(batch, w4)),
                                                              f, () => Repeat(20, () => nn.functional.conv2d(channelsLast, w4)), 15);
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: matmul (MKL)", "GFLOP/s", mm));
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: 1x1 conv, batch as positions", "GFLOP/s", asPositions));
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: 1x1 conv, batch as batch", "GFLOP/s", asBatch));
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: 1x1 conv, batch as channels-last positions", "GFLOP/s", asChannelsLast));
        }
        foreach (var (n, c, hw) in new[] { (64, 128, 16), (64, 256, 8) })
        {
            using var scope = NewDisposeScope();
            var (x, w) = (randn(n, c, hw, hw), randn(c, c, 3, 3));
            var (a, b, o) = (randn(1024, 1024), randn(1024, 1024), empty(1024, 1024));
            double f = 3 * 2.0 * n * c * hw * hw * c * 9 / 1e9;
            var (conv, sgemm) = Harness.Alternate(f, () => Repeat(3, () => nn.functional.conv2d(x, w, padding: [1, 1])),
                                                  7 * 2.0 * 1024 * 1024 * 1024 / 1e9,
                                                  () => { for (int k = 0; k < 7; k++) o.addmm_(a, b, beta: 0, alpha: 1); }, 9);
            Console.WriteLine(Harness.Summarise($"3x3 conv {n}x{c}x{hw}x{hw}, {c} out (oneDNN)", "GFLOP/s", conv));
            Console.WriteLine(Harness.Summarise("sgemm 1024x1024x1024 (MKL)", "GFLOP/s", sgemm));
        }
        Mlp();
        Layers();
    }

    /// <summary>One linear layer's forward and backward (input, weight and bias gradients), through addmm and through
    /// CpuLinear's oneDNN path, alternating: where oneDNN's per-call cost (its reorders of the weights) outweighs its faster
    /// kernels. <c>GAN_BENCH_LAYERS="BxIxO ..."</c> gives other shapes; <c>GAN_BENCH_NO_INPUT_GRAD=1</c> leaves out the
    /// input gradient, as for D's first layer on real data.</summary>
    public static void Layers()
    {
        bool inputGradient = Environment.GetEnvironmentVariable("GAN_BENCH_NO_INPUT_GRAD") != "1";
        var env = Environment.GetEnvironmentVariable("GAN_BENCH_LAYERS");
        var shapes = env is null
            ? new[] { (128, 784, 128), (128, 256, 1), (128, 256, 512), (128, 512, 256), (64, 512, 256), (128, 784, 512),
                      (128, 512, 1024), (128, 1024, 784), (512, 256, 256), (64, 1024, 1024) }
            : env.Split(' ').Select(t => t.Split('x')).Select(p => (int.Parse(p[0]), int.Parse(p[1]), int.Parse(p[2]))).ToArray();
        foreach (var (b, i, o) in shapes)
        {
            using var scope = NewDisposeScope();
            var x = randn(b, i).requires_grad_(inputGradient);
            var w = (randn(o, i) * 0.05).requires_grad_(true);
            var bias = zeros(o).requires_grad_(true);
            var g = randn(b, o);
            double f = 20 * (inputGradient ? 3 : 2) * 2.0 * b * i * o / 1e9;
            void Pass(bool oneDnn)
            {
                Gan.Runtime.Model.CpuLinear.ThisThread = oneDnn;
                for (int k = 0; k < 20; k++)
                {
                    using var inner = NewDisposeScope();
                    (Gan.Runtime.Model.CpuLinear.Forward(x, w, bias) * g).sum().backward();
                    x.grad = null; w.grad = null; bias.grad = null;
                }
                Gan.Runtime.Model.CpuLinear.ThisThread = null;
            }
            var (mklRates, dnnRates) = Harness.Alternate(f, () => Pass(false), f, () => Pass(true), 15);
            var (mkl, dnn) = (Harness.Summarise("", "", mklRates), Harness.Summarise("", "", dnnRates));
            Console.WriteLine($"{b}x{i} -> {o} ({(double)b * i * o / 1e6:F1} M MACs): forward+backward, oneDNN / addmm "
                              + $"{dnn.Median / mkl.Median:F2} ({dnn.Median:F1} / {mkl.Median:F1} GFLOP/s)");
        }
    }

    static void Repeat(int n, Func<Tensor> product)
    {
        for (int k = 0; k < n; k++) product().Dispose();
    }

    /// <summary>G's forward and backward (leaky ReLU between its linear layers, tanh after the last) both ways.</summary>
    static void Mlp()
    {
        const int b = 128;
        int[] widths = [100, 128, 256, 512, 1024, 784];
        var ws = Enumerable.Range(0, widths.Length - 1).Select(i => (randn(widths[i + 1], widths[i]) * 0.05).requires_grad_(true)).ToList();
        var bs = Enumerable.Range(0, widths.Length - 1).Select(i => zeros(widths[i + 1]).requires_grad_(true)).ToList();
        var x = randn(b, widths[0]);
        double macs = Enumerable.Range(0, widths.Length - 1).Sum(i => (double)widths[i] * widths[i + 1]);
        double flops = 20 * 2.0 * b * (3 * macs - widths[0] * widths[1]) / 1e9;      // no input gradient for the first layer
        void Step(bool conv)
        {
            using var scope = NewDisposeScope();
            var h = conv ? x.t().contiguous().reshape(1, widths[0], b, 1) : x;
            for (int i = 0; i < ws.Count; i++)
            {
                h = conv ? nn.functional.conv2d(h, ws[i].reshape(widths[i + 1], widths[i], 1, 1), bs[i])
                         : nn.functional.linear(h, ws[i], bs[i]);
                if (i + 1 < ws.Count) h = nn.functional.leaky_relu(h, 0.2);
            }
            (conv ? h.reshape(widths[^1], b).t() : h).tanh().sum().backward();
            foreach (var p in ws.Concat(bs)) p.grad = null;
        }
        for (int k = 0; k < 3; k++)
        {
            var (linear, conv) = Harness.Alternate(flops, () => { for (int i = 0; i < 20; i++) Step(false); },
                                                   flops, () => { for (int i = 0; i < 20; i++) Step(true); }, 11);
            Console.WriteLine(Harness.Summarise("mnist-mlp G forward+backward, addmm (MKL)", "GFLOP/s", linear));
            Console.WriteLine(Harness.Summarise("mnist-mlp G forward+backward, 1x1 conv (oneDNN)", "GFLOP/s", conv));
        }
    }
}
