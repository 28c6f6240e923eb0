using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Bench;

/// <summary>Real batches for the hand-written loops.</summary>
public static class Real
{
    /// <summary><paramref name="batch"/> random rows of <paramref name="data"/> (N×…).</summary>
    public static Tensor Draw(Tensor data, int batch) => data.index_select(0, randint(0, data.shape[0], [batch], device: data.device));
}

/// <summary>
/// Each seed model and its training step written by hand, as a TorchSharp user would without GanDsl:
/// plain nn.Sequential, one Adam per network, a dispose scope per step. These are the baselines the
/// compiled specs are measured against. Each step draws its real batch from an in-memory tensor the size
/// of the seed's dataset (random rows, index_select), as the compiled trainer draws from the loaded data.
/// </summary>
public interface IHandWritten : IDisposable
{
    string Name { get; }
    int Batch { get; }
    /// <summary>One training iteration (the seed's D and G updates).</summary>
    void Step();
}

/// <summary>Seed 001: PyTorch-GAN gan.py. G step then D step, BCE on probabilities.</summary>
public sealed class MnistMlpHand : IHandWritten
{
    readonly Sequential g, d;
    readonly optim.Optimizer optG, optD;
    readonly Tensor real, ones, zeros;
    public string Name => "mnist-mlp";
    public int Batch { get; }

    public MnistMlpHand(int batch, Device device)
    {
        Batch = batch;
        Module<Tensor, Tensor>[] Block(int i, int o, bool norm) => norm
            ? [Linear(i, o), BatchNorm1d(o, eps: 0.8), LeakyReLU(0.2)]
            : [Linear(i, o), LeakyReLU(0.2)];
        g = Sequential(Block(100, 128, false).Concat(Block(128, 256, true)).Concat(Block(256, 512, true))
            .Concat(Block(512, 1024, true)).Concat([Linear(1024, 784), Tanh()]).ToArray());
        d = Sequential(Linear(784, 512), LeakyReLU(0.2), Linear(512, 256), LeakyReLU(0.2), Linear(256, 1), Sigmoid());
        g.to(device); d.to(device);
        optG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
        optD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
        real = (rand(60000, 784, device: device) * 2 - 1).DetachFromDisposeScope();   // the MNIST train set's size
        ones = torch.ones(batch, 1, device: device).DetachFromDisposeScope();
        zeros = torch.zeros(batch, 1, device: device).DetachFromDisposeScope();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        Step(Real.Draw(real, Batch));
    }

    /// <summary>One iteration on a given real batch (N×784 in [−1, 1]).</summary>
    public void Step(Tensor real)
    {
        using var scope = NewDisposeScope();
        optG.zero_grad();
        var z = randn(Batch, 100, device: real.device);            // N×100
        var fake = g.call(z);                                        // N×784
        var gLoss = F.binary_cross_entropy(d.call(fake), ones);
        gLoss.backward();
        optG.step();

        optD.zero_grad();
        var dLoss = (F.binary_cross_entropy(d.call(real), ones) + F.binary_cross_entropy(d.call(fake.detach()), zeros)) / 2;
        dLoss.backward();
        optD.step();
    }

    /// <summary>Samples in training mode (batch statistics, as the seed's grids), in chunks of 500.</summary>
    public Tensor Sample(int n)
    {
        using var _ = no_grad();
        return cat(
            Enumerable.Range(0, (n + 499) / 500).Select(i => g.call(randn(Math.Min(500, n - 500 * i), 100))).ToArray(), 0);   // n×784
    }

    public void Dispose() { g.Dispose(); d.Dispose(); real.Dispose(); ones.Dispose(); zeros.Dispose(); }
}

/// <summary>Seed 004: the classic TF GAN, D 784-128-1, G 100-128-784, BCE on logits, D step then G step.</summary>
public sealed class TfBasicHand : IHandWritten
{
    readonly Sequential g, d;
    readonly optim.Optimizer optG, optD;
    readonly Tensor real, ones, zeros;
    public string Name => "tf-basic";
    public int Batch { get; }

    public TfBasicHand(int batch, Device device)
    {
        Batch = batch;
        g = Sequential(Linear(100, 128), ReLU(), Linear(128, 784), Sigmoid());
        d = Sequential(Linear(784, 128), ReLU(), Linear(128, 1));
        g.to(device); d.to(device);
        optG = optim.Adam(g.parameters());
        optD = optim.Adam(d.parameters());
        real = rand(60000, 784, device: device).DetachFromDisposeScope();
        ones = torch.ones(batch, 1, device: device).DetachFromDisposeScope();
        zeros = torch.zeros(batch, 1, device: device).DetachFromDisposeScope();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        var real = Real.Draw(this.real, Batch);
        var z = rand(Batch, 100, device: real.device) * 2 - 1;     // N×100 ~ U(-1, 1)
        optD.zero_grad();
        var fake = g.call(z);                                        // N×784
        var dLoss = F.binary_cross_entropy_with_logits(d.call(real), ones)
                  + F.binary_cross_entropy_with_logits(d.call(fake.detach()), zeros);
        dLoss.backward();
        optD.step();

        optG.zero_grad();
        var z2 = rand(Batch, 100, device: real.device) * 2 - 1;
        var gLoss = F.binary_cross_entropy_with_logits(d.call(g.call(z2)), ones);
        gLoss.backward();
        optG.step();
    }

    public void Dispose() { g.Dispose(); d.Dispose(); real.Dispose(); ones.Dispose(); zeros.Dispose(); }
}

/// <summary>Seed 000: 2-D Gaussian, G linear 2→2, D 2-5-3-1 with tanh, BCE on logits, batch 4.</summary>
public sealed class Gaussian2dHand : IHandWritten
{
    readonly Sequential g, d;
    readonly optim.Optimizer optG, optD;
    readonly Tensor real, ones, zeros;
    public string Name => "gaussian2d";
    public int Batch { get; }

    public Gaussian2dHand(int batch, Device device)
    {
        Batch = batch;
        g = Sequential(Linear(2, 2));
        d = Sequential(Linear(2, 5), Tanh(), Linear(5, 3), Tanh(), Linear(3, 1));
        g.to(device); d.to(device);
        optG = optim.Adam(g.parameters(), 0.01);
        optD = optim.Adam(d.parameters(), 0.05);
        real = randn(1000, 2, device: device).DetachFromDisposeScope();
        ones = torch.ones(batch, 1, device: device).DetachFromDisposeScope();
        zeros = torch.zeros(batch, 1, device: device).DetachFromDisposeScope();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        var real = Real.Draw(this.real, Batch);
        optD.zero_grad();
        var fake = g.call(randn(Batch, 2, device: real.device));    // N×2
        var dLoss = F.binary_cross_entropy_with_logits(d.call(real), ones)
                  + F.binary_cross_entropy_with_logits(d.call(fake.detach()), zeros);
        dLoss.backward();
        optD.step();

        optG.zero_grad();
        var gLoss = F.binary_cross_entropy_with_logits(d.call(g.call(randn(Batch, 2, device: real.device))), ones);
        gLoss.backward();
        optG.step();
    }

    public void Dispose() { g.Dispose(); d.Dispose(); real.Dispose(); ones.Dispose(); zeros.Dispose(); }
}

/// <summary>Seed 003: the anime DCGAN (Keras defaults), 3×64×64, BCE on logits, batch 64.</summary>
public sealed class AnimeDcganHand : IHandWritten
{
    readonly Sequential g, d;
    readonly optim.Optimizer optG, optD;
    readonly Tensor real, ones, zeros;
    public string Name => "anime-dcgan";
    public int Batch { get; }

    public AnimeDcganHand(int batch, Device device)
    {
        Batch = batch;
        g = Sequential(
            Linear(100, 3 * 3 * 512), Unflatten(1, [512, 3, 3]), LeakyReLU(0.2),
            ConvTranspose2d(512, 256, 3, stride: 3), BatchNorm2d(256, eps: 1e-3, momentum: 0.01), LeakyReLU(0.2),
            ConvTranspose2d(256, 128, 5, stride: 2), BatchNorm2d(128, eps: 1e-3, momentum: 0.01), LeakyReLU(0.2),
            ConvTranspose2d(128, 3, 4, stride: 3), Tanh());
        d = Sequential(
            Conv2d(3, 64, 5, stride: 3), LeakyReLU(0.2),
            Conv2d(64, 128, 5, stride: 3), BatchNorm2d(128, eps: 1e-3, momentum: 0.01), LeakyReLU(0.2),
            Conv2d(128, 256, 5, stride: 3), BatchNorm2d(256, eps: 1e-3, momentum: 0.01), LeakyReLU(0.2),
            Flatten(), Linear(256, 1));
        g.to(device); d.to(device);
        optG = optim.Adam(g.parameters(), 0.002, 0.5, 0.999);
        optD = optim.Adam(d.parameters(), 0.002, 0.5, 0.999);
        real = (rand(3786, 3, 64, 64, device: device) * 2 - 1).DetachFromDisposeScope();   // the emoji set's size
        ones = torch.ones(batch, 1, device: device).DetachFromDisposeScope();
        zeros = torch.zeros(batch, 1, device: device).DetachFromDisposeScope();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        var real = Real.Draw(this.real, Batch);
        optD.zero_grad();
        var fake = g.call(rand(Batch, 100, device: real.device) * 2 - 1);   // N×3×64×64
        var dLoss = F.binary_cross_entropy_with_logits(d.call(real), ones)
                  + F.binary_cross_entropy_with_logits(d.call(fake.detach()), zeros);
        dLoss.backward();
        optD.step();

        optG.zero_grad();
        var gLoss = F.binary_cross_entropy_with_logits(d.call(g.call(rand(Batch, 100, device: real.device) * 2 - 1)), ones);
        gLoss.backward();
        optG.step();
    }

    public void Dispose() { g.Dispose(); d.Dispose(); real.Dispose(); ones.Dispose(); zeros.Dispose(); }
}
