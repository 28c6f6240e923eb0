# GanDsl's layers as PyTorch modules, written by `gan emit pytorch`. Every formula follows GanDsl's TorchSharp runtime,
# where it differs from PyTorch's defaults: TF-'same' padding as an explicit pad, a transposed convolution computed in
# full and then cropped, BatchNorm with only a scale or only a shift, spectral norm updating v then u (as the legacy
# torch.nn.utils.spectral_norm hook, with its names weight_orig, weight_u, weight_v), the equalized learning rate.
# Runs on PyTorch 1.13 and 2.x.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# The source of the random numbers layers draw in training (Noise's ε, dropout's mask): torch's own generator, unless
# gandsl_train sets DRAWS to its draws object (to give each rank its own stream, or to replay GanDsl's draws).
DRAWS = None


def dropout(x, p, training):
    """Dropout as GanDsl's runtime applies it: in training each value is kept with probability 1 − p and scaled by 1/(1 − p)."""
    if not training or p == 0:
        return x
    if DRAWS is None:
        return F.dropout(x, p, True)
    return x * DRAWS.keep_mask("dropout", x, p) / (1 - p)


def init_weight(weight, bias, init, fan_in):
    """Initialises a weight by the spec's formula: init = (kind, mean, std, gain); the bias is zero unless kind is default."""
    kind, mean, std, gain = init
    with torch.no_grad():
        if kind == "default":
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
            if bias is not None:
                nn.init.uniform_(bias, -bound, bound)
            return
        if kind == "xavier_uniform":
            nn.init.xavier_uniform_(weight, gain or 1)
        elif kind == "xavier_normal":
            nn.init.xavier_normal_(weight, gain or 1)
        elif kind == "kaiming_uniform":
            nn.init.kaiming_uniform_(weight)
        elif kind == "kaiming_normal":
            nn.init.kaiming_normal_(weight)
        elif kind == "normal":
            nn.init.normal_(weight, mean, std)
        elif kind == "normal_fan_in":
            nn.init.normal_(weight, mean, math.sqrt(gain / fan_in))
        elif kind == "zeros":
            nn.init.zeros_(weight)
        elif kind == "orthogonal":
            nn.init.orthogonal_(weight, gain or 1)
        if bias is not None:
            nn.init.zeros_(bias)


class Weighted(nn.Module):
    """A weight (out-dimension sn_dim) and an optional bias, with spectral norm (sn_iters > 0) or the equalized learning rate
    (the stored w used as w·gain, b as b·bias_gain)."""

    def __init__(self, shape, bias, init, fan_in, sn_iters=0, sn_dim=0, equalized=None):
        super().__init__()
        self.sn_iters, self.sn_dim = sn_iters, sn_dim
        self.gain, self.bias_gain = 1.0, 1.0
        weight = nn.Parameter(torch.empty(shape))
        self.register_parameter("bias", nn.Parameter(torch.zeros(shape[1 if sn_dim else 0])) if bias else None)
        if equalized is None:
            init_weight(weight, self.bias, init, fan_in)
        else:
            lr_mul, bias_init = equalized
            with torch.no_grad():
                nn.init.normal_(weight, 0, 1 / lr_mul)
                if self.bias is not None:
                    self.bias.fill_(bias_init)
            self.gain, self.bias_gain = lr_mul / math.sqrt(fan_in), lr_mul
        if sn_iters:
            self.weight_orig = weight
            rows = shape[sn_dim]
            self.register_buffer("weight_u", F.normalize(torch.randn(rows), dim=0))
            self.register_buffer("weight_v", torch.zeros(math.prod(shape) // rows))
            self._power_iterations(15)
        else:
            self.weight = weight

    def _matrix(self, w):
        return w.reshape(w.shape[0], -1) if self.sn_dim == 0 else w.transpose(0, self.sn_dim).reshape(w.shape[self.sn_dim], -1)

    def _power_iterations(self, n):
        with torch.no_grad():
            w = self._matrix(self.weight_orig)
            for _ in range(n):
                self.weight_v.copy_(F.normalize(w.t().mv(self.weight_u), dim=0, eps=1e-12))
                self.weight_u.copy_(F.normalize(w.mv(self.weight_v), dim=0, eps=1e-12))

    def w(self):
        """The weight as the forward uses it: W/σ under spectral norm (u, v refined first in training), W·gain otherwise."""
        if not self.sn_iters:
            return self.weight * self.gain if self.gain != 1 else self.weight
        if self.training:
            self._power_iterations(self.sn_iters)
            u, v = self.weight_u.clone(), self.weight_v.clone()
        else:
            u, v = self.weight_u, self.weight_v
        sigma = torch.dot(u, self._matrix(self.weight_orig).mv(v))
        return self.weight_orig / sigma

    def b(self):
        return self.bias * self.bias_gain if self.bias is not None and self.bias_gain != 1 else self.bias


class Linear(Weighted):
    def __init__(self, n_in, n_out, bias, init, sn_iters=0, equalized=None):
        super().__init__((n_out, n_in), bias, init, n_in, sn_iters, 0, equalized)

    def forward(self, x):
        return F.linear(x, self.w(), self.b())


class Conv2d(Weighted):
    """A convolution with explicit (top, bottom, left, right) zero padding, so TF's 'same' pads its extra pixel as TF."""

    def __init__(self, c_in, c_out, kernel, stride, pad, dilation, bias, init, sn_iters=0, equalized=None):
        super().__init__((c_out, c_in) + tuple(kernel), bias, init, c_in * kernel[0] * kernel[1], sn_iters, 0, equalized)
        self.stride, self.pad, self.dilation = tuple(stride), pad, dilation

    def forward(self, x):
        top, bottom, left, right = self.pad
        if top == bottom and left == right:
            return F.conv2d(x, self.w(), self.b(), self.stride, (top, left), self.dilation)
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.w(), self.b(), self.stride, 0, self.dilation)


class ConvTranspose2d(Weighted):
    """The full transposed convolution, then a crop of (top, bottom, left, right): PyTorch's padding + output_padding
    would crop one pixel more at the top than TF's 'same' does."""

    def __init__(self, c_in, c_out, kernel, stride, crop, bias, init, sn_iters=0):
        super().__init__((c_in, c_out) + tuple(kernel), bias, init, c_out * kernel[0] * kernel[1], sn_iters, 1)
        self.stride, self.crop = tuple(stride), crop

    def forward(self, x):
        top, bottom, left, right = self.crop
        full = F.conv_transpose2d(x, self.w(), self.bias, self.stride)
        return F.pad(full, (-left, -right, -top, -bottom))


class Embedding(Weighted):
    def __init__(self, count, dim, init, sn_iters=0):
        super().__init__((count, dim), False, init, count, sn_iters, 0)
        if init[0] == "default":
            with torch.no_grad():
                nn.init.normal_(self.weight_orig if sn_iters else self.weight)

    def forward(self, labels):
        return self.w().index_select(0, labels.long())


class BatchNorm(nn.Module):
    """BatchNorm with a scale (γ), a shift (β), both or neither; PyTorch's names and momentum. With batch_stats_in_eval
    (the spec's sample { bn: batch }) an eval forward normalises with the batch's statistics; with freeze_stats a training
    forward leaves the running statistics alone (schedule bn_stats: own)."""

    def __init__(self, features, eps, momentum, scale, shift):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.register_parameter("weight", nn.Parameter(torch.ones(features)) if scale else None)
        self.register_parameter("bias", nn.Parameter(torch.zeros(features)) if shift else None)
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        self.batch_stats_in_eval = False
        self.freeze_stats = False

    def forward(self, x):
        if self.training and not self.freeze_stats:
            self.num_batches_tracked.add_(1)
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, True, self.momentum, self.eps)
        if self.training or self.batch_stats_in_eval:
            return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)


class Film(nn.Module):
    """x·(1 + γ(v)) + β(v), γ and β linear maps of v (a label one-hot encoded, or a flat value); per channel on an image."""

    def __init__(self, features, channels, by_label, bias, init, sn_iters=0):
        super().__init__()
        self.features, self.by_label = features, by_label
        self.gamma = Linear(features, channels, bias, init, sn_iters)
        self.beta = Linear(features, channels, bias, init, sn_iters)

    def forward(self, x, v):
        if self.by_label:
            v = F.one_hot(v.long(), self.features).to(x.dtype)
        g, b = self.gamma(v), self.beta(v)
        if x.dim() == 4:
            g, b = g[:, :, None, None], b[:, :, None, None]
        return x * (g + 1) + b


class SelfAttention(nn.Module):
    """SAGAN's self-attention in mimicry's pooled form: 1×1 convolutions θ, φ, g, o and a learned gate γ."""

    def __init__(self, channels, init, sn_iters=0):
        super().__init__()
        c = channels

        def conv(c_in, c_out):
            return Conv2d(c_in, c_out, (1, 1), (1, 1), (0, 0, 0, 0), 1, False, init, sn_iters)
        self.theta, self.phi, self.g, self.o = conv(c, c // 8), conv(c, c // 8), conv(c, c // 2), conv(c // 2, c)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        n, c, h, w = x.shape
        locations = h * w
        theta = self.theta(x).view(n, c // 8, locations)
        phi = F.max_pool2d(self.phi(x), 2, 2).view(n, c // 8, locations // 4)
        attention = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        value = F.max_pool2d(self.g(x), 2, 2).view(n, c // 2, locations // 4)
        attended = torch.bmm(value, attention.transpose(1, 2)).view(n, c // 2, h, w)
        return x + self.gamma * self.o(attended)


class ModConv2d(nn.Module):
    """StyleGAN2's modulated convolution (equalized weights, 'same' padding), demodulated unless told not to."""

    def __init__(self, c_in, c_out, kernel, style_dim, demodulate, bias):
        super().__init__()
        self.c_in, self.c_out, self.kernel, self.demodulate = c_in, c_out, kernel, demodulate
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel))
        self.modulation_weight = nn.Parameter(torch.randn(c_in, style_dim))
        self.modulation_bias = nn.Parameter(torch.ones(c_in))
        self.register_parameter("bias", nn.Parameter(torch.zeros(c_out)) if bias else None)
        self.scale = 1 / math.sqrt(c_in * kernel * kernel)
        self.modulation_scale = 1 / math.sqrt(style_dim)

    def forward(self, x, style):
        n, _, h, w = x.shape
        s = F.linear(style, self.modulation_weight * self.modulation_scale, self.modulation_bias)
        wt = self.weight.unsqueeze(0) * self.scale * s[:, None, :, None, None]
        if self.demodulate:
            wt = wt * (wt.pow(2).sum((2, 3, 4)) + 1e-8).rsqrt()[:, :, None, None, None]
        y = F.conv2d(x.reshape(1, n * self.c_in, h, w), wt.reshape(n * self.c_out, self.c_in, self.kernel, self.kernel),
                     padding=self.kernel // 2, groups=n)
        y = y.reshape(n, self.c_out, h, w)
        return y if self.bias is None else y + self.bias[None, :, None, None]


class Noise(nn.Module):
    """Adds per-pixel Gaussian noise times a learned strength (zero at first); ε from torch's generator, or DRAWS."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        shape = (x.shape[0], 1, x.shape[2], x.shape[3])
        eps = DRAWS.randn("noise", shape, x) if DRAWS is not None else torch.randn(shape, dtype=x.dtype, device=x.device)
        return x + self.weight * eps


class Const(nn.Module):
    """A learned C×H×W input, repeated over the batch."""

    def __init__(self, c, h, w):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, c, h, w))

    def forward(self, x):
        return self.input.repeat(x.shape[0], 1, 1, 1)


def minibatch_stddev(x, group, channels):
    """StyleGAN's minibatch standard deviation: per group of samples, appended as `channels` feature maps."""
    n, c, h, w = x.shape
    g = max(1, min(group, n))
    while n % g:
        g -= 1
    grouped = x.view(g, n // g, channels, c // channels, h, w)
    sigma = (grouped.var(0, unbiased=False) + 1e-8).sqrt()
    per_column = sigma.mean((2, 3, 4), keepdim=True).squeeze(2)
    return torch.cat([x, per_column.repeat(g, 1, h, w)], 1)


def load_state(module, state, prefix=""):
    """Loads a state dict strictly (keys with `prefix` taken, the prefix stripped); every shape must match exactly."""
    own = module.state_dict()
    taken = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    for k, v in taken.items():
        if k in own and tuple(own[k].shape) != tuple(v.shape):
            raise ValueError(f"{prefix}{k}: shape {tuple(v.shape)} in the file, {tuple(own[k].shape)} in the model")
    module.load_state_dict(taken, strict=True)
