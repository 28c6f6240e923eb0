# A GanDsl spec's data, written by `gan emit pytorch`: each kind loaded as GanDsl's runtime loads it (Gan.Runtime/Data),
# and the batch stream: GanDsl's own order in a single process (the same seed serves the same batches, flips included),
# torch's DistributedSampler under torchrun (each rank its share of every epoch, reshuffled by set_epoch).
import gzip
import math
import os
import struct

import torch
import torch.nn.functional as F

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def cache_root(folder=None):
    """GanDsl's dataset cache: --data DIR, else $GANDSL_DATA, else ~/.cache/gandsl."""
    return os.path.abspath(folder or os.environ.get("GANDSL_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "gandsl"))


def load(data, seed, folder=None):
    """The whole dataset: X (N×sample shape, float32) and labels (N, int64) or None."""
    kind = data["kind"]
    if kind == "gaussian2d":
        return gaussian2d(data, seed), None
    if kind in ("mnist", "fashion_mnist"):
        return idx_images(os.path.join(cache_root(folder), "mnist" if kind == "mnist" else "fashion-mnist"), data)
    if kind == "emoji":
        path = os.path.join(cache_root(folder), "emoji-twitter-64")
        if not os.path.exists(os.path.join(path, ".complete")):
            raise SystemExit(f"{path}: the emoji images are not there; run `gan data emoji` (or pass --data DIR)")
        return image_folder(path, data), None
    if kind == "images":
        return image_folder(os.path.expanduser(data["path"]), data), None
    raise SystemExit(f"unknown data kind {kind}")


def gaussian2d(data, seed):
    """x = n·A + b, n ~ N(0, I₂) in float64 from a generator seeded seed + 1000 (as GanDsl draws them)."""
    gen = torch.Generator().manual_seed(seed + 1000)
    n = torch.randn((data["count"], 2), generator=gen, dtype=torch.float64)
    a = torch.tensor(data["transform"], dtype=torch.float64)
    return (n.matmul(a) + torch.tensor(data["mean"], dtype=torch.float64)).float()


def _read_idx(path, magic, dims):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    if not os.path.exists(path):
        raise SystemExit(f"{path}: no such file; run `gan data mnist` (or `gan data fashion-mnist`), or pass --data DIR")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    head = struct.unpack(">" + "i" * (1 + dims), raw[:4 * (1 + dims)])
    size = 4 * (1 + dims) + math.prod(head[1:])
    if head[0] != magic or len(raw) != size:
        raise SystemExit(f"{path}: not an IDX file of magic {magic} and {size} bytes")
    return torch.frombuffer(bytearray(raw[4 * (1 + dims):]), dtype=torch.uint8), head[1:]


def idx_images(folder, data):
    """An MNIST-layout split: N×1×S×S in [low, high] (zero-padded, centred, or bilinearly resized to S), labels 0..9."""
    prefix = "train" if data["split"] == "train" else "t10k"
    pixels, (count, rows, cols) = _read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), 2051, 3)
    labels, (n,) = _read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), 2049, 1)
    if n != count:
        raise SystemExit(f"{folder}: {count} images but {n} labels")
    size, low, high = data["size"], data["low"], data["high"]
    x = pixels.reshape(count, 1, rows, cols)
    if rows == cols and (size == rows or (data["resize"] == "pad" and size > rows)):
        scale = torch.tensor((high - low) / 255, dtype=torch.float32)
        scaled = x.float() * scale + torch.tensor(low, dtype=torch.float32)
        before = (size - rows) // 2
        out = torch.full((count, 1, size, size), low, dtype=torch.float32)
        out[:, :, before:before + rows, before:before + cols] = scaled
        return out, labels.long()
    x = x.float() / 255
    if data["resize"] == "pad":
        total = size - rows
        x = F.pad(x, [total // 2, total - total // 2, total // 2, total - total // 2])
    else:
        x = F.interpolate(x, [size, size], mode="bilinear", align_corners=False)
    return x * float(torch.tensor(high - low, dtype=torch.float32)) + float(torch.tensor(low, dtype=torch.float32)), labels.long()


def image_folder(folder, data):
    """The PNG/JPEG files of a folder in name order, stretched to S×S, over white, RGB or grey (Rec. 601 luma), scaled.
    Decoded with PIL, not GanDsl's SkiaSharp: at the images' own size the values are the same; a whole-number reduction
    takes a box filter (as SkiaSharp's mipmaps: on the emoji at 32×32, 0.2 grey levels apart on average, 2 at most);
    other sizes are resized bilinearly (at 48×48, 1 grey level apart on average, 48 at most)."""
    try:
        from PIL import Image
    except ImportError:
        raise SystemExit("image folders need PIL (Debian: apt-get install python3-pil; pip: pillow)")
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith((".png", ".jpg", ".jpeg")))
    size, channels, low, high = data["size"], data["channels"], data["low"], data["high"]
    images = []
    for name in files:
        try:
            im = Image.open(os.path.join(folder, name)).convert("RGBA")
        except OSError:
            continue
        box = im.width % size == 0 and im.height % size == 0
        im = im.resize((size, size), Image.BOX if box else Image.BILINEAR)
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        rgb = torch.frombuffer(bytearray(Image.alpha_composite(white, im).convert("RGB").tobytes()), dtype=torch.uint8)
        rgb = rgb.reshape(size, size, 3).permute(2, 0, 1).float()
        if channels == 1:
            rgb = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]).unsqueeze(0)
        images.append(rgb * ((high - low) / 255) + low)
    if not images:
        raise SystemExit(f"{folder}: no usable .png, .jpg or .jpeg file")
    return torch.stack(images)


# ---- GanDsl's batch order (Gan.Runtime/Data/BatchOrder.cs, Batcher.cs): SplitMix64 shuffles and flips.

class SplitMix64:
    """SplitMix64 (Steele, Lea and Flood 2014), fully specified, so a shuffle depends only on its seed."""

    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + GAMMA) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject)."""
        m = (self.next() >> 32) * n
        if (m & 0xFFFFFFFF) < n:
            threshold = ((1 << 32) - n) % n
            while (m & 0xFFFFFFFF) < threshold:
                m = (self.next() >> 32) * n
        return m >> 32


def _splitmix(seed):
    """The first output of SplitMix64 seeded with `seed`."""
    return SplitMix64(seed).next()


def permutation(n, seed):
    """Fisher–Yates over 0..n-1, as GanDsl's SplitMix64.Permutation."""
    rng, p = SplitMix64(seed), list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def flips(seed, epoch, slot):
    """Whether the sample served at `slot` of `epoch` is mirrored (data flip: true), as GanDsl's Batcher.Flips."""
    key = _splitmix((seed & 0xFFFFFFFF) ^ 0x6A09E667F3BCC909) ^ ((epoch * 0xD1B54A32D192ED03) & M64)
    key = _splitmix(key)
    return _splitmix((key + slot * GAMMA) & M64) >> 63 == 1


class Batches:
    """The batch stream: epochs of batches over the dataset, continuing into the next epoch when one is exhausted. One
    process: GanDsl's order (epoch e is a SplitMix64 permutation seeded by (seed, e)). Under torchrun: each rank its share
    of a DistributedSampler's epoch (shuffled from the seed, set_epoch each epoch, drop_last), `batch` per rank."""

    def __init__(self, x, y, batch, seed, drop_last, flip, rank=0, world=1):
        self.x, self.y, self.batch, self.seed, self.drop_last, self.flip = x, y, batch, seed, drop_last, flip
        self.rank, self.world, self.epoch, self.index, self.order, self.order_epoch = rank, world, 0, 0, None, -1
        self.sampler = None
        if world > 1:
            from torch.utils.data.distributed import DistributedSampler
            self.sampler = DistributedSampler(range(len(x)), num_replicas=world, rank=rank, shuffle=True, seed=seed,
                                              drop_last=True)
        self.count = len(self.sampler) if self.sampler is not None else len(x)
        if drop_last and batch > self.count:
            raise SystemExit(f"the dataset has {self.count} samples per rank, fewer than one batch of {batch}; lower --batch")

    @property
    def batches_per_epoch(self):
        return self.count // self.batch if self.drop_last else -(-self.count // self.batch)

    def exhausted(self):
        return self.index + (self.batch if self.drop_last else 1) > self.count

    def batches_left(self):
        left = self.count - self.index
        return left // self.batch if self.drop_last else -(-left // self.batch)

    def _epoch_order(self, epoch):
        if self.order_epoch != epoch:
            if self.sampler is not None:
                self.sampler.set_epoch(epoch)
                self.order = list(self.sampler)
            else:
                self.order = permutation(self.count, _splitmix(self.seed & 0xFFFFFFFF) ^ ((epoch * 0xD1B54A32D192ED03) & M64))
            self.order_epoch = epoch
        return self.order

    def next(self):
        if self.exhausted():
            self.epoch, self.index = self.epoch + 1, 0
        take = min(self.batch, self.count - self.index)
        idx = self._epoch_order(self.epoch)[self.index:self.index + take]
        x = self.x[idx].clone()
        if self.flip:
            # GanDsl's slot in one process; under torchrun the sample's slot in the epoch's global order.
            slots = [(self.index + i) * self.world + self.rank for i in range(take)]
            mirror = [k for k, s in enumerate(slots) if flips(self.seed, self.epoch, s)]
            x[mirror] = x[mirror].flip(-1)
        self.index += take
        return x, (self.y[idx] if self.y is not None else None)
