# fashion_judge.py: the Fashion-MNIST judge's training recipe in PyTorch, to compare augmentations quickly, outside
# GanDsl's trainer and TorchSharp (the numbers differ from GanDsl's judge in the last digits, not in their order).
#
# The network is GanDsl's judge (one 3x3 conv, BatchNorm, ReLU and 2x2 max-pool per stage, then a 128-wide linear
# layer, dropout 0.3 and the 10-way classifier); Adam 1e-3, batch 128, the learning rate divided by 3 for the last
# quarter of the epochs and by 10 for the last; each batch shifted by up to --shift pixels (one shift per group of 16
# images, zero fill) and half of it mirrored. Each epoch prints the test accuracy, and the accuracy when each image
# is judged with its mirror image as well ("mirror").
#
#   /usr/bin/python3 bench/pytorch/fashion_judge.py --data "$(./gan data fashion-mnist --where)" --shift 0
#
# README figures (8 epochs, one thread): --shift 2: 91.84%; --shift 1: 92.60% (mirror 92.73%); --shift 0: 93.07%
# (mirror 93.52%). Needs only python3, numpy and torch (on Debian 12: apt-get install python3-torch python3-numpy).
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(folder, name, offset):
    return np.fromfile(os.path.join(folder, name), dtype=np.uint8)[offset:]


def images(folder, prefix):
    x = idx(folder, prefix + "-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28) / 255.0
    y = idx(folder, prefix + "-labels-idx1-ubyte", 8).astype(np.int64)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def judge(widths):
    layers, channels, side = [], 1, 28
    for width in widths:
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
        channels, side = width, side // 2
    features = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * side * side, 128), nn.ReLU())
    return nn.Sequential(features, nn.Dropout(0.3), nn.Linear(128, 10))


def augment(x, shift):
    b = x.shape[0]
    if shift > 0:
        padded, out = F.pad(x, (shift, shift, shift, shift)), torch.empty_like(x)
        offsets = torch.randint(0, 2 * shift + 1, ((b + 15) // 16, 2))
        for g in range((b + 15) // 16):
            dy, dx = offsets[g].tolist()
            out[g * 16:(g + 1) * 16] = padded[g * 16:(g + 1) * 16, :, dy:dy + 28, dx:dx + 28]
        x = out
    return torch.where(torch.rand(b, 1, 1, 1) < 0.5, x.flip(3), x)


def accuracy(net, x, y, mirror):
    net.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(x), 500):
            probs = F.softmax(net(x[i:i + 500]), 1)
            if mirror:
                probs = (probs + F.softmax(net(x[i:i + 500].flip(3)), 1)) / 2
            right += (probs.argmax(1) == y[i:i + 500]).sum().item()
    return 100.0 * right / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, help="the folder `gan data fashion-mnist --where` prints")
    p.add_argument("--widths", default="32,64,128")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--shift", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    train_x, train_y = images(a.data, "train")
    test_x, test_y = images(a.data, "t10k")
    net = judge([int(w) for w in a.widths.split(",")])
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for epoch in range(a.epochs):
        net.train()
        start = time.time()
        last = epoch == a.epochs - 1 and a.epochs > 1
        lr = 1e-4 if last else 3e-4 if epoch >= a.epochs * 3 // 4 else 1e-3
        for g in opt.param_groups:
            g["lr"] = lr
        order = torch.randperm(len(train_x))
        for i in range(0, len(train_x) - 127, 128):
            batch = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(net(augment(train_x[batch], a.shift)), train_y[batch]).backward()
            opt.step()
        print(f"epoch {epoch + 1}/{a.epochs}: test accuracy {accuracy(net, test_x, test_y, False):.2f}%, "
              f"mirror {accuracy(net, test_x, test_y, True):.2f}% ({time.time() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
