# seed001.py: an independent PyTorch check of seed 001's recipe (PyTorch-GAN gan.py as the seed document
# prints it), outside GanDsl's compiler, trainer and TorchSharp.
#
# It reads MNIST's IDX files (the folder `gan data mnist --where` prints), trains the seed's G and D with the
# seed's loop (a G step, then a D step on the G step's detached fakes; BCE; Adam 2e-4, betas 0.5/0.999;
# batch 128; reshuffled each epoch, the last partial batch kept, as DataLoader(shuffle=True)), and writes
# --n samples as raw little-endian float32, N x 784 in [0, 1] (BatchNorm with batch statistics, in chunks of
# --chunk, as the seed's grids and `gan eval` with `sample { bn: batch }`). Judge them exactly as
# `gan eval` judges a run:
#
#   python3 bench/pytorch/seed001.py --data "$(./gan data mnist --where)" --out /tmp/pt-s0.bin --seed 0
#   dotnet Gan.Bench/bin/Release/net10.0/gan-bench.dll judge-raw /tmp/pt-s0.bin
#
# Needs only python3, numpy and torch (on Debian 12: apt-get install python3-torch python3-numpy).
import argparse
import struct
import time

import numpy as np
import torch
import torch.nn as nn


def read_images(folder):
    """MNIST train images as N x 784 float32 in [-1, 1] (ToTensor, then Normalize([0.5], [0.5]))."""
    with open(f"{folder}/train-images-idx3-ubyte", "rb") as f:
        _, count, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = np.frombuffer(f.read(), np.uint8).reshape(count, rows * cols)
    return (torch.from_numpy(pixels.astype(np.float32) / 255.0) - 0.5) / 0.5


def seed_networks(eps):
    """The seed's G (100-128-256-512-1024-784, BatchNorm1d(out, eps) after every hidden layer but the first) and D."""
    def fc(inputs, outputs, normalise=True):
        layers = [nn.Linear(inputs, outputs)]
        if normalise:
            layers.append(nn.BatchNorm1d(outputs, eps))   # the seed's BatchNorm1d(out_feat, 0.8): 0.8 is eps
        layers.append(nn.LeakyReLU(0.2))
        return layers

    g = nn.Sequential(*fc(100, 128, False), *fc(128, 256), *fc(256, 512), *fc(512, 1024), nn.Linear(1024, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())
    return g, d


def main():
    ap = argparse.ArgumentParser(description="Seed 001's recipe in PyTorch; writes samples for gan-bench judge-raw.")
    ap.add_argument("--data", required=True, help="folder with MNIST's IDX files")
    ap.add_argument("--out", required=True, help="raw float32 sample file to write")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=10000, help="samples to write")
    ap.add_argument("--chunk", type=int, default=500, help="samples per generator call (the BatchNorm batch)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eps", type=float, default=0.8, help="BatchNorm eps (the seed's 0.8)")
    opt = ap.parse_args()

    torch.set_num_threads(opt.threads)
    torch.manual_seed(opt.seed)
    np.random.seed(opt.seed)
    real = read_images(opt.data)                                              # 60000 x 784
    g, d = seed_networks(opt.eps)
    print("trainable parameters: G", sum(p.numel() for p in g.parameters()), "D", sum(p.numel() for p in d.parameters()))
    bce = nn.BCELoss()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))

    start = time.time()
    for epoch in range(opt.epochs):
        order = torch.randperm(real.shape[0])
        for i in range(0, real.shape[0], opt.batch):
            x = real[order[i:i + opt.batch]]                                  # B x 784
            b = x.shape[0]
            ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)

            opt_g.zero_grad()
            z = torch.tensor(np.random.normal(0, 1, (b, 100)), dtype=torch.float32)   # B x 100, as the seed draws it
            fake = g(z)                                                       # B x 784
            g_loss = bce(d(fake), ones)
            g_loss.backward()
            opt_g.step()

            opt_d.zero_grad()
            d_loss = (bce(d(x), ones) + bce(d(fake.detach()), zeros)) / 2
            d_loss.backward()
            opt_d.step()
        print(f"epoch {epoch + 1}/{opt.epochs}: d_loss {d_loss.item():.3f} g_loss {g_loss.item():.3f} ({time.time() - start:.0f} s)", flush=True)

    with torch.no_grad():                                                     # G stays in training mode, as in the seed
        samples = torch.cat([g(torch.randn(min(opt.chunk, opt.n - k), 100)) for k in range(0, opt.n, opt.chunk)])
    ((samples + 1) / 2).clamp(0, 1).numpy().astype("<f4").tofile(opt.out)
    print(f"wrote {opt.out}: {samples.shape[0]} x 784 float32 in [0, 1]")


if __name__ == "__main__":
    main()
