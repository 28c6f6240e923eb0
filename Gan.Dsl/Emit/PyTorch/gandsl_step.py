# One optimiser step of a GanDsl spec, written by `gan emit pytorch`: the loss primitives, DiffAugment, the gradient
# penalties, the step's memo of equal subexpressions, and Draws, the one source of every random number training uses.
# Every formula follows GanDsl's runtime (Gan.Runtime/Losses, Gan.Runtime/Training/StepContext.cs), not PyTorch's defaults.
# Runs on PyTorch 1.13 and 2.x.
import torch
import torch.nn.functional as F


# ---- Loss primitives (Gan.Runtime/Losses/LossFunctions.cs and LossTable.cs): x is N×1 (or N), each a mean over the batch.

def _tensor(v, like):
    return torch.as_tensor(v, dtype=like.dtype, device=like.device) if not torch.is_tensor(v) else v


def _bce_inputs(x, target):
    x = x if x.dim() == 2 else x.reshape(x.shape[0], -1)                       # N×1
    if not torch.is_tensor(target):
        return x, torch.full_like(x, target)
    return x, target if target.shape == x.shape else target.expand_as(x)


def bce_logits(x, target):
    return F.binary_cross_entropy_with_logits(*_bce_inputs(x, target))


def bce(p, target):
    return F.binary_cross_entropy(*_bce_inputs(p, target))


def cross_entropy(logits, labels):
    """Labels as class indices (N), or one-hot rows (N×K), whose argmax is the class."""
    return F.cross_entropy(logits, labels.argmax(1) if labels.dim() == 2 else labels)


def mse(a, b):
    return (a - _tensor(b, a).expand_as(a)).square().mean()


def l1(a, b):
    return (a - _tensor(b, a).expand_as(a)).abs().mean()


def mean(x):
    return x.mean()


def wasserstein_d(real, fake):
    return fake.mean() - real.mean()


def wasserstein_g(fake):
    return -fake.mean()


def hinge_d(real, fake):
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def hinge_g(fake):
    return -fake.mean()


def lsgan_d(real, fake):
    return 0.5 * (real - 1).square().mean() + 0.5 * fake.square().mean()


def lsgan_g(fake):
    return 0.5 * (fake - 1).square().mean()


def ragan_d(real, fake):
    return 0.5 * (F.binary_cross_entropy_with_logits(real - fake.mean(), torch.full_like(real, 1))
                  + F.binary_cross_entropy_with_logits(fake - real.mean(), torch.full_like(fake, 0)))


def ragan_g(real, fake):
    return 0.5 * (F.binary_cross_entropy_with_logits(fake - real.mean(), torch.full_like(fake, 1))
                  + F.binary_cross_entropy_with_logits(real - fake.mean(), torch.full_like(real, 0)))


# ---- Draws: every random number of training, from one generator (each rank its own), or replayed from GanDsl's record.

class Draws:
    """The draws of training: real batches, latent parts, GP's ε, augmentation, and the layers' noise and dropout masks.
    `what` names each draw (as GanDsl's record does), so that a replay can check it is asked for the draw GanDsl made."""

    def __init__(self, seed, device):
        self.device = torch.device(device)
        self.gen = torch.Generator(self.device)
        self.gen.manual_seed(seed)

    def batch(self, what, take):
        """The next real batch (x, labels or None): take() gives it."""
        return take()

    def normal(self, what, shape, mean, std):
        x = torch.randn(shape, generator=self.gen, device=self.device)
        x = x * std if std != 1 else x
        return x + mean if mean != 0 else x

    def uniform(self, what, shape, low, high):
        x = torch.rand(shape, generator=self.gen, device=self.device)
        x = x * (high - low) if high - low != 1 else x
        return x + low if low != 0 else x

    def rand(self, what, shape, like):
        return torch.rand(shape, generator=self.gen, dtype=like.dtype, device=like.device)

    def randint(self, what, low, high, shape):
        return torch.randint(low, high, shape, generator=self.gen, device=self.device)

    def randn(self, what, shape, like):
        """A layer's noise (rosinality's NoiseInjection): from torch's generator, as GanDsl draws it from libtorch's."""
        return torch.randn(shape, dtype=like.dtype, device=like.device)

    def keep_mask(self, what, like, p):
        """Dropout's mask: 1 where a value is kept (probability 1 − p), else 0."""
        return torch.bernoulli(torch.full_like(like, 1 - p))


class ReplayedDraws(Draws):
    """Hands out the draws GanDsl recorded, in order, checking that each is the draw asked for (its name and shape)."""

    def __init__(self, draws, device, dtype=torch.float32):
        super().__init__(0, device)
        self.draws, self.at, self.dtype = draws, 0, dtype          # [(what, tensor)]; floats handed out as dtype

    def _next(self, what, shape=None):
        if self.at >= len(self.draws):
            raise RuntimeError(f"draw {self.at} ({what}): GanDsl's record holds only {len(self.draws)} draws")
        recorded, t = self.draws[self.at]
        if recorded != what or (shape is not None and tuple(t.shape) != tuple(shape)):
            raise RuntimeError(f"draw {self.at}: train.py asks for {what} {tuple(shape or ())}, GanDsl drew {recorded} "
                               f"{tuple(t.shape)}: the two loops differ in their order of draws")
        self.at += 1
        return t.to(self.device, self.dtype if t.is_floating_point() else t.dtype)

    def batch(self, what, take):
        x = self._next("real")
        y = self._next("labels") if self.at < len(self.draws) and self.draws[self.at][0] == "labels" else None
        return x, y

    def normal(self, what, shape, mean, std):
        return self._next(what, shape)

    def uniform(self, what, shape, low, high):
        return self._next(what, shape)

    def rand(self, what, shape, like):
        return self._next(what, shape).to(like.dtype)

    def randint(self, what, low, high, shape):
        return self._next(what, shape).long()

    def randn(self, what, shape, like):
        return self._next(what, shape).to(like.dtype)

    def keep_mask(self, what, like, p):
        return self._next(what, like.shape).to(like.dtype)


# ---- DiffAugment and consistency regularisation's flip and reflect-padded shift (Gan.Runtime/Losses/DiffAugment.cs).

def augment(x, policies, draws):
    """The policies in order, each ("color",), ("translation", ratio), ("cutout", ratio), ("flip",) or
    ("translation_reflect", ratio), with fresh per-sample draws."""
    for policy in policies:
        x = _augment(x, policy[0], policy[1] if len(policy) > 1 else 0.0, draws)
    return x.contiguous()


def _augment(x, kind, ratio, draws):
    n, h, w = x.shape[0], x.shape[2], x.shape[3]

    def u(what):
        return draws.rand(what, (n, 1, 1, 1), x)

    def ints(what, low, high):
        return draws.randint(what, low, high, (n, 1, 1)).to(x.device)
    if kind == "color":
        x = x + (u("augment brightness") - 0.5)
        s = u("augment saturation")
        m = x.mean(1, keepdim=True)
        x = (x - m) * (s * 2) + m
        c = u("augment contrast")
        m = x.mean((1, 2, 3), keepdim=True)
        return (x - m) * (c + 0.5) + m
    if kind == "translation":
        sx, sy = int(h * ratio + 0.5), int(w * ratio + 0.5)
        tx = ints("augment translation x", -sx, sx + 1)
        ty = ints("augment translation y", -sy, sy + 1)
        rows = (torch.arange(h, device=x.device).view(1, h, 1) + tx + 1).clamp(0, h + 1)
        cols = (torch.arange(w, device=x.device).view(1, 1, w) + ty + 1).clamp(0, w + 1)
        return _gather(F.pad(x, [1, 1, 1, 1]), rows, cols)
    if kind == "cutout":
        cx, cy = int(h * ratio + 0.5), int(w * ratio + 0.5)
        ox = ints("augment cutout x", 0, h + (1 - cx % 2))
        oy = ints("augment cutout y", 0, w + (1 - cy % 2))
        if cx == 0 or cy == 0:
            return x
        rows = (torch.arange(cx, device=x.device).view(1, cx, 1) + ox - cx // 2).clamp(0, h - 1)
        cols = (torch.arange(cy, device=x.device).view(1, 1, cy) + oy - cy // 2).clamp(0, w - 1)
        mask = torch.ones(n, h, w, dtype=x.dtype, device=x.device)
        mask[torch.arange(n, device=x.device).view(n, 1, 1), rows, cols] = 0
        return x * mask.unsqueeze(1)
    if kind == "flip":
        coin = draws.rand("augment flip", (n,), x)
        return torch.where((coin < 0.5).view(-1, 1, 1, 1), x.flip(3), x)
    if kind == "translation_reflect":
        sx, sy = int(h * ratio), int(w * ratio)
        tx = ints("augment translation_reflect x", -sx, sx + 1)
        ty = ints("augment translation_reflect y", -sy, sy + 1)
        padded = x if sx == 0 and sy == 0 else F.pad(x, [sy, sy, sx, sx], mode="reflect")
        rows = torch.arange(h, device=x.device).view(1, h, 1) + tx + sx
        cols = torch.arange(w, device=x.device).view(1, 1, w) + ty + sy
        return _gather(padded, rows, cols)
    raise ValueError(f"unknown augmentation policy {kind}")


def _gather(x, rows, cols):
    """y[n, c, i, j] = x[n, c, rows[n, i], cols[n, j]]."""
    n = x.shape[0]
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return x.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)


# ---- One optimiser step's evaluation (Gan.Runtime/Training/StepContext.cs).

class Share:
    """Under fakes: per_iteration, what the steps of one iteration share: the latent parts, and every network output a
    later step may read under detach() (PyTorch-GAN's gen_imgs.detach())."""

    def __init__(self):
        self.latents, self.detached = {}, {}


class StepState:
    """What a loss function reads (`s`): the real batch, its labels, the latent parts, network applications and penalties.
    Structurally equal subexpressions are computed once per step (the key of a value is the expression that made it), so
    `G(z)` written twice is one forward pass on one latent sample, and `D(x).disc`, `D(x).cat` share one forward."""

    def __init__(self, trainer, real, labels, share, bookkeeping):
        self.trainer, self.real, self.labels, self.share = trainer, real, labels, share
        self.bookkeeping = bookkeeping
        self.memo, self.forwards, self.keys = {}, {}, {}
        self.named, self.d_real, self.d_fake = {}, None, None
        self._name(real, "real")
        if labels is not None:
            self._name(labels, "labels")

    def _name(self, value, key):
        self.keys[id(value)] = (key, value)       # the value is kept alive, so its id is not reused within the step
        return value

    def _remember(self, key, value):
        self.memo[key] = value
        return self._name(value, key)

    def key(self, value):
        """The expression a value was made by (a value made elsewhere gets a key of its own)."""
        if not torch.is_tensor(value):
            return repr(float(value))
        if id(value) not in self.keys:
            self._name(value, f"#{id(value)}")
        return self.keys[id(value)][0]

    def latent(self, name):
        """A latent part, drawn once per step (once per iteration under fakes: per_iteration)."""
        key = "latent " + name
        if key in self.memo:
            return self.memo[key]
        if self.share is not None and name in self.share.latents:
            return self._remember(key, self.share.latents[name])
        part, draws, n = self.trainer.spec.LATENTS[name], self.trainer.draws, self.real.shape[0]
        if part.kind == "normal":
            value = draws.normal(key, (n, part.dim), part.a, part.b)
        elif part.kind == "uniform":
            value = draws.uniform(key, (n, part.dim), part.a, part.b)
        else:
            idx = self.labels if part.from_labels and self.labels is not None else draws.randint(key, 0, part.classes, (n,))
            value = F.one_hot(idx.long(), part.classes).to(self.real.dtype) if part.kind == "one_hot" else idx
        if self.share is not None:
            self.share.latents[name] = value
        return self._remember(key, value)

    def loss(self, name):
        """Another named loss (evaluated once per step; its value is logged under its name)."""
        key = "loss " + name
        if key not in self.memo:
            value = self.trainer.spec.LOSSES[name](self)
            self.named[name] = value.detach()
            self._remember(key, value)
        return self.memo[key]

    def _apply_key(self, network, args, output):
        forward = f"{network}({','.join(self.key(a) for a in args)})"
        return forward, forward + (f".{output}" if output else "")

    def apply(self, network, *args, output=None, log=None, sigmoid=False):
        """The network applied to the arguments (several parts for a one-input network are concatenated); `output` names
        a head (default: the network's default). `log` is the log column its mean feeds (d_real or d_fake)."""
        forward, key = self._apply_key(network, args, output)
        if key in self.memo:
            return self.memo[key]
        if forward not in self.forwards:
            self.forwards[forward] = self.trainer.forward(network, args, "*")
        value = self.forwards[forward][output or self.trainer.spec.NETS[network][1]]
        if self.share is not None and key not in self.share.detached:
            self.share.detached[key] = value.detach()
        if self.bookkeeping and log:
            p = (value if sigmoid else value.sigmoid()).detach().mean()
            if log == "d_real":
                self.d_real = p
            else:
                self.d_fake = p
        return self._remember(key, value)

    def detached(self, network, *args, output=None, log=None, sigmoid=False):
        """detach(network(args)): under fakes: per_iteration the value an earlier step of the iteration computed."""
        _, key = self._apply_key(network, args, output)
        if "detach(" + key + ")" in self.memo:
            return self.memo["detach(" + key + ")"]
        if self.share is not None and key in self.share.detached:
            return self._remember("detach(" + key + ")", self.share.detached[key])
        value = self.apply(network, *args, output=output, log=log, sigmoid=sigmoid).detach()
        return self._remember("detach(" + key + ")", value)

    def detach(self, x):
        key = f"detach({self.key(x)})"
        return self.memo[key] if key in self.memo else self._remember(key, x.detach())

    def augment(self, x, *policies):
        """DiffAugment of an image batch, one draw per step for equal augmentations."""
        key = f"augment({self.key(x)},{policies})"
        return self.memo[key] if key in self.memo else self._remember(key, augment(x, policies, self.trainer.draws))

    def gradient_penalty(self, network, real, fake, target=1.0, weight=10.0, output=None):
        """WGAN-GP: x̂ = ε·real + (1−ε)·fake, ε ~ U(0, 1) per sample; weight · mean((‖∇x̂ D(x̂)‖₂ − target)²)."""
        key = f"gradient_penalty({network}.{output},{self.key(real)},{self.key(fake)},{target},{weight})"
        if key in self.memo:
            return self.memo[key]
        eps = self.trainer.draws.rand("gradient_penalty eps", (real.shape[0],) + (1,) * (real.dim() - 1), real)
        mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
        out = self.trainer.forward(network, [mixed], output)
        grad = torch.autograd.grad([out], [mixed], [torch.ones_like(out)], retain_graph=True, create_graph=True)[0]
        norm = (grad.flatten(1).square().sum(1) + 1e-12).sqrt()
        return self._remember(key, weight * (norm - target).square().mean())

    def r1(self, network, real, gamma, output=None):
        """R1: gamma/2 · mean(‖∇x D(x)‖₂²) on real data."""
        key = f"r1({network}.{output},{self.key(real)},{gamma})"
        if key in self.memo:
            return self.memo[key]
        x = real.detach().requires_grad_(True)
        out = self.trainer.forward(network, [x], output)
        grad = torch.autograd.grad([out], [x], [torch.ones_like(out)], retain_graph=True, create_graph=True)[0]
        return self._remember(key, gamma / 2 * grad.flatten(1).square().sum(1).mean())
