using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Bench;

/// <summary>
/// specs/sngan32.gan by hand: mimicry's SNGAN 32 (ResNet G with bilinear upsampling; spectrally normalised ResNet D whose
/// blocks start with the in-place ReLU the shortcut also sees, sum pooling), hinge loss, Adam(2e-4, β = (0, 0.9)) with
/// linear decay, order [D × 5, G], DiffAugment (color, translation, cutout) on every D input, and an EMA copy of G. Written
/// as a TorchSharp user would port it: modules, F.* ops, PyTorch's spectral-norm algorithm (one power iteration per
/// training forward), DiffAugment_pytorch.py's ops, a dispose scope per step.
/// </summary>
public sealed class SnganHand : IHandWritten
{
    const int Nz = 128, Ngf = 256, Ndf = 128;
    const double Lr = 2e-4;
    const long Iterations = 100_000, EmaStart = 1000;
    const double EmaDecay = 0.9999;

    readonly Generator g, gEma;
    readonly Discriminator d;
    readonly optim.Optimizer optG, optD;
    readonly Tensor real;
    long t;
    public string Name => "sngan32";
    public int Batch { get; }
    public long GParameters => g.parameters().Sum(p => p.numel());
    public long DParameters => d.parameters().Sum(p => p.numel());

    // For the profile (SnganBench.Profile): the parts of a step one at a time.
    internal Module<Tensor, Tensor> G => g;
    internal Module<Tensor, Tensor> D => d;
    internal static Tensor Augment(Tensor x) => DiffAugment(x);
    internal void EmaUpdate(double beta) => Ema(beta);

    public SnganHand(int batch, Device device)
    {
        Batch = batch;
        g = new Generator(); d = new Discriminator(); gEma = new Generator();
        g.to(device); d.to(device); gEma.to(device);
        foreach (var p in gEma.parameters()) p.requires_grad = false;
        Ema(1);
        optG = optim.Adam(g.parameters(), Lr, 0.0, 0.9);
        optD = optim.Adam(d.parameters(), Lr, 0.0, 0.9);
        real = (rand(3786, 3, 32, 32, device: device) * 2 - 1).DetachFromDisposeScope();   // the 32×32 emoji set's size
    }

    /// <summary>One iteration: five D steps, each on a fresh real batch and fresh fakes, then one G step and the EMA update.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        double lr = Lr * (1 - Math.Min(1.0, (double)t / Iterations));                          // linear decay to 0
        foreach (var o in new[] { optD, optG }) foreach (var group in o.ParamGroups) group.LearningRate = lr;
        for (int i = 0; i < 5; i++)
        {
            using var step = NewDisposeScope();
            var x = Real.Draw(real, Batch);                                                     // N×3×32×32
            optD.zero_grad();
            var fake = g.call(randn(Batch, Nz, device: x.device)).detach();
            var lossD = F.relu(1 - d.call(DiffAugment(x))).mean() + F.relu(1 + d.call(DiffAugment(fake))).mean();
            lossD.backward();
            optD.step();
        }
        using (NewDisposeScope())
        {
            optG.zero_grad();
            var lossG = -d.call(DiffAugment(g.call(randn(Batch, Nz, device: real.device)))).mean();
            lossG.backward();
            optG.step();
            Ema(t < EmaStart ? 0 : EmaDecay);
        }
        t++;
    }

    /// <summary>θ_ema ← β·θ_ema + (1 − β)·θ over G's parameters and floating buffers.</summary>
    void Ema(double beta)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (e, p) in gEma.parameters().Zip(g.parameters())) e.lerp_(p, 1 - beta);
        foreach (var (e, p) in gEma.buffers().Zip(g.buffers()))
            if (e.is_floating_point()) e.lerp_(p, 1 - beta); else e.copy_(p);                 // num_batches_tracked: copied
    }

    // DiffAugment (Zhao et al. 2020), policy color,translation,cutout with the default ratios 0.125 and 0.5.
    static Tensor DiffAugment(Tensor x)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        Tensor U() => rand(n, 1, 1, 1, device: x.device);
        x = x + (U() - 0.5);                                                                    // brightness
        var m = x.mean([1], keepdim: true);
        x = (x - m) * (U() * 2) + m;                                                            // saturation
        m = x.mean([1, 2, 3], keepdim: true);
        x = (x - m) * (U() + 0.5) + m;                                                          // contrast

        long sx = (long)(h * 0.125 + 0.5), sy = (long)(w * 0.125 + 0.5);
        var tx = randint(-sx, sx + 1, [n, 1, 1], device: x.device);
        var ty = randint(-sy, sy + 1, [n, 1, 1], device: x.device);
        var grid = meshgrid([arange(n, device: x.device), arange(h, device: x.device), arange(w, device: x.device)], indexing: "ij");
        var gx = (grid[1] + tx + 1).clamp(0, h + 1);
        var gy = (grid[2] + ty + 1).clamp(0, w + 1);
        x = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1).contiguous().index(grid[0], gx, gy).permute(0, 3, 1, 2);

        long cx = (long)(h * 0.5 + 0.5), cy = (long)(w * 0.5 + 0.5);
        var ox = randint(0, h + (1 - cx % 2), [n, 1, 1], device: x.device);
        var oy = randint(0, w + (1 - cy % 2), [n, 1, 1], device: x.device);
        var cut = meshgrid([arange(n, device: x.device), arange(cx, device: x.device), arange(cy, device: x.device)], indexing: "ij");
        var mx = (cut[1] + ox - cx / 2).clamp(0, h - 1);
        var my = (cut[2] + oy - cy / 2).clamp(0, w - 1);
        var mask = ones(n, h, w, device: x.device);
        mask.index_put_(0, cut[0], mx, my);
        return (x * mask.unsqueeze(1)).contiguous();
    }

    static Tensor Up(Tensor x) => F.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Bilinear, align_corners: false);

    static Conv2d Conv(long cin, long cout, long k, double gain)
    {
        var c = Conv2d(cin, cout, k, padding: k / 2);
        init.xavier_uniform_(c.weight!, gain);
        init.zeros_(c.bias!);
        return c;
    }

    /// <summary>mimicry's GBlock: BN, ReLU, bilinear ×2, conv 3×3, BN, ReLU, conv 3×3; shortcut bilinear ×2, conv 1×1.</summary>
    sealed class GBlock : Module<Tensor, Tensor>
    {
        readonly BatchNorm2d b1 = BatchNorm2d(Ngf), b2 = BatchNorm2d(Ngf);
        readonly Conv2d c1 = Conv(Ngf, Ngf, 3, Math.Sqrt(2)), c2 = Conv(Ngf, Ngf, 3, Math.Sqrt(2)), c_sc = Conv(Ngf, Ngf, 1, 1);
        public GBlock(string name) : base(name) => RegisterComponents();
        public override Tensor forward(Tensor x)
        {
            var h = c1.call(Up(F.relu(b1.call(x))));
            h = c2.call(F.relu(b2.call(h)));
            return h + c_sc.call(Up(x));                                                       // N×256×2H×2W
        }
    }

    sealed class Generator : Module<Tensor, Tensor>
    {
        readonly Linear l1 = Linear(Nz, 16 * Ngf);
        readonly GBlock block2 = new("block2"), block3 = new("block3"), block4 = new("block4");
        readonly BatchNorm2d b5 = BatchNorm2d(Ngf);
        readonly Conv2d c5 = Conv(Ngf, 3, 3, 1);
        public Generator() : base("G")
        {
            init.xavier_uniform_(l1.weight!);
            init.zeros_(l1.bias!);
            RegisterComponents();
        }
        public override Tensor forward(Tensor z)
        {
            var h = l1.call(z).view(-1, Ngf, 4, 4);
            h = block4.call(block3.call(block2.call(h)));                                      // N×256×32×32
            return c5.call(F.relu(b5.call(h))).tanh();                                         // N×3×32×32
        }
    }

    /// <summary>PyTorch's spectral norm: W/σ, σ = uᵀWv after one power iteration on the buffers u, v per training forward.</summary>
    sealed class SpectralNorm : Module
    {
        readonly Tensor u, v;
        public SpectralNorm(Tensor weight) : base("sn")
        {
            long rows = weight.shape[0];
            u = F.normalize(randn(rows), dim: 0);
            v = F.normalize(randn(weight.numel() / rows), dim: 0);
            register_buffer("u", u);
            register_buffer("v", v);
        }
        public Tensor Normalise(Tensor weight)
        {
            var w = weight.view(weight.shape[0], -1);
            if (!training) return weight / u.dot(w.mv(v));
            using (no_grad())
            {
                v.copy_(F.normalize(w.t().mv(u), dim: 0));
                u.copy_(F.normalize(w.mv(v), dim: 0));
            }
            return weight / u.clone().dot(w.mv(v.clone()));
        }
    }

    sealed class SNConv2d : Module<Tensor, Tensor>
    {
        readonly Parameter weight, bias;
        readonly SpectralNorm sn;
        readonly long padding;
        public SNConv2d(long cin, long cout, long k, double gain) : base("snconv")
        {
            using var c = Conv(cin, cout, k, gain);
            weight = new Parameter(c.weight!.detach().clone());
            bias = new Parameter(c.bias!.detach().clone());
            padding = k / 2;
            sn = new SpectralNorm(weight);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => F.conv2d(x, sn.Normalise(weight), bias, padding: [padding, padding]);
    }

    /// <summary>mimicry's DBlock (and, with <c>optimized</c>, DBlockOptimized, the first block, which has no leading ReLU).</summary>
    sealed class DBlock : Module<Tensor, Tensor>
    {
        readonly SNConv2d c1, c2, c_sc;
        readonly bool down, optimized, learnable;
        public DBlock(string name, long cin, bool down, bool optimized) : base(name)
        {
            (this.down, this.optimized, learnable) = (down, optimized, down || cin != Ndf);
            c1 = new SNConv2d(cin, Ndf, 3, Math.Sqrt(2));
            c2 = new SNConv2d(Ndf, Ndf, 3, Math.Sqrt(2));
            c_sc = learnable ? new SNConv2d(cin, Ndf, 1, 1) : null!;
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            if (!optimized) x = F.relu(x);                        // mimicry's in-place ReLU: the shortcut sees relu(x) too
            var h = c2.call(F.relu(c1.call(x)));
            if (down) h = F.avg_pool2d(h, 2);
            var sc = !learnable ? x
                : optimized ? c_sc.call(F.avg_pool2d(x, 2))
                : F.avg_pool2d(c_sc.call(x), 2);
            return h + sc;
        }
    }

    sealed class Discriminator : Module<Tensor, Tensor>
    {
        readonly DBlock block1 = new("block1", 3, true, true), block2 = new("block2", Ndf, true, false),
                        block3 = new("block3", Ndf, false, false), block4 = new("block4", Ndf, false, false);
        readonly Parameter l5_weight, l5_bias;
        readonly SpectralNorm l5_sn;
        public Discriminator() : base("D")
        {
            using var l5 = Linear(Ndf, 1);
            init.xavier_uniform_(l5.weight!);
            l5_weight = new Parameter(l5.weight!.detach().clone());
            l5_bias = new Parameter(zeros(1));
            l5_sn = new SpectralNorm(l5_weight);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x)
        {
            var h = block4.call(block3.call(block2.call(block1.call(x))));                     // N×128×8×8
            h = F.relu(h).sum([2, 3]);                                                         // N×128: sum pooling
            return F.linear(h, l5_sn.Normalise(l5_weight), l5_bias);                           // N×1
        }
    }

    public void Dispose() { g.Dispose(); gEma.Dispose(); d.Dispose(); real.Dispose(); }
}
