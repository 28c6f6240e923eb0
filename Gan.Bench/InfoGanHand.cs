using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Bench;

/// <summary>
/// Seed 002's TF-slim AC-GAN (the document's code as printed), by hand. slim layers carry a bias and a
/// ReLU; slim.batch_norm has a shift but no scale, so each BatchNorm's weight is frozen at 1.
/// D minimises loss_d + loss_c + loss_con, G minimises loss_g + loss_c + loss_con.
/// </summary>
public sealed class AcGanHand : IHandWritten
{
    sealed class Disc : Module<Tensor, (Tensor disc, Tensor cat, Tensor cont)>
    {
        readonly Sequential trunk, recog;
        readonly Linear disc, cat, cont;
        public Disc() : base("D")
        {
            trunk = Sequential(Conv2d(1, 64, 4, stride: 2, padding: 1), LeakyReLU(0.01),
                               Conv2d(64, 128, 4, stride: 2, padding: 1), LeakyReLU(0.01),
                               Flatten(), Linear(6272, 1024), LeakyReLU(0.01));
            recog = Sequential(Linear(1024, 128), LeakyReLU(0.01));
            disc = Linear(1024, 1); cat = Linear(128, 10); cont = Linear(128, 2);
            RegisterComponents();
        }
        public override (Tensor, Tensor, Tensor) forward(Tensor x)
        {
            var shared = trunk.call(x);                  // N×1024
            var r = recog.call(shared);                  // N×128
            return (disc.call(shared).squeeze(-1), cat.call(r), cont.call(r).sigmoid());
        }
    }

    readonly Sequential g;
    readonly Disc d = new();
    readonly optim.Optimizer optG, optD;
    readonly Tensor real, labels, ones, zeros;
    public string Name => "acgan";
    public int Batch { get; }

    static BatchNorm1d ShiftOnly1d(long n) { var b = BatchNorm1d(n, eps: 1e-3, momentum: 1e-3); b.weight!.requires_grad = false; return b; }
    static BatchNorm2d ShiftOnly2d(long n) { var b = BatchNorm2d(n, eps: 1e-3, momentum: 1e-3); b.weight!.requires_grad = false; return b; }

    public AcGanHand(int batch, Device device)
    {
        Batch = batch;
        g = Sequential(Linear(50, 1024), ReLU(), ShiftOnly1d(1024), ReLU(),
                       Linear(1024, 6272), ReLU(), ShiftOnly1d(6272), ReLU(), Unflatten(1, [128, 7, 7]),
                       ConvTranspose2d(128, 64, 4, stride: 2, padding: 1), ShiftOnly2d(64), ReLU(),
                       ConvTranspose2d(64, 1, 4, stride: 2, padding: 1), Sigmoid());
        g.to(device); d.to(device);
        optG = optim.Adam(g.parameters().Where(p => p.requires_grad), 1e-3);
        optD = optim.Adam(d.parameters(), 1e-4);
        real = rand(55000, 1, 28, 28, device: device).DetachFromDisposeScope();   // TF's MNIST train split
        labels = randint(0, 10, batch, device: device).DetachFromDisposeScope();
        ones = torch.ones(batch, device: device).DetachFromDisposeScope();
        zeros = torch.zeros(batch, device: device).DetachFromDisposeScope();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        var real = Real.Draw(this.real, Batch);
        // D step
        optD.zero_grad();
        var zCon = randn(Batch, 2, device: real.device);
        var z = cat([F.one_hot(labels, 10).to_type(ScalarType.Float32), zCon, randn(Batch, 38, device: real.device)], 1);
        var fake = g.call(z).detach();                                   // N×1×28×28
        var (dr, cr, _) = d.call(real);
        var (df, cf, conf) = d.call(fake);
        var lossD = (F.binary_cross_entropy_with_logits(dr, ones) + F.binary_cross_entropy_with_logits(df, zeros)) / 2;
        var lossC = (F.cross_entropy(cf, labels) + F.cross_entropy(cr, labels)) / 2;
        var lossCon = (conf - zCon).square().mean();
        (lossD + lossC + lossCon).backward();
        optD.step();
        // G step
        optG.zero_grad();
        var zCon2 = randn(Batch, 2, device: real.device);
        var z2 = cat([F.one_hot(labels, 10).to_type(ScalarType.Float32), zCon2, randn(Batch, 38, device: real.device)], 1);
        var (df2, cf2, conf2) = d.call(g.call(z2));
        var (_, cr2, _) = d.call(real);
        var lossG = F.binary_cross_entropy_with_logits(df2, ones);
        var lossC2 = (F.cross_entropy(cf2, labels) + F.cross_entropy(cr2, labels)) / 2;
        var lossCon2 = (conf2 - zCon2).square().mean();
        (lossG + lossC2 + lossCon2).backward();
        optG.step();
    }

    public void Dispose() { g.Dispose(); d.Dispose(); real.Dispose(); labels.Dispose(); ones.Dispose(); zeros.Dispose(); }
}
