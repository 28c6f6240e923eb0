using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Bench;

/// <summary>
/// libtorch's two CPU product libraries on this machine: MKL, which serves matmul and addmm (so nn.Linear and the sgemm
/// figure of `efficiency` and `gan bench`), and oneDNN, which serves conv2d. On an AMD CPU with AVX-512, MKL runs its AVX2
/// kernels and oneDNN its AVX-512 ones (ONEDNN_VERBOSE=1 names them). Alternating rounds in one process:
/// (1) the mnist-mlp layers' products as matmul and as a 1×1 convolution, with the batch as the convolution's batch and
/// with the batch as its positions ([1, in, B, 1]); (2) a 3×3 convolution against sgemm 1024³; (3) the forward and backward
/// of mnist-mlp's G (without BatchNorm) with its linear layers as addmm and as 1×1 convolutions over feature-major
/// activations. A measurement for a design decision, not a GanDsl code path.
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
            var (asBatch, _) = Harness.Alternate(f, () => Repeat(20, () => nn.functional.conv2d(batch, w4)), 0, () => { }, 15);
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: matmul (MKL)", "GFLOP/s", mm));
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: 1x1 conv, batch as positions", "GFLOP/s", asPositions));
            Console.WriteLine(Harness.Summarise($"{b}x{i} -> {o}: 1x1 conv, batch as batch", "GFLOP/s", asBatch));
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
