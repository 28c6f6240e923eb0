# GanDsl's training loop, written by `gan emit pytorch`: train.py declares the spec (its data, latent parts, losses,
# optimisers and schedule) and calls gandsl_run.main, which runs this loop. It follows GanDsl's runtime
# (Gan.Runtime/Training/Trainer.cs): each iteration runs the step order (a step repeated n times draws a fresh real batch
# for each repeat after the first; an `every N` step runs on iterations t ≡ 0 mod N); a step zeroes its optimiser's
# gradients, evaluates its loss, steps, clips, and updates the EMA copies of the networks it trains. Runs on PyTorch 1.13
# and 2.x, in one process or under torchrun (DistributedDataParallel: the spec's batch is the global batch).
import contextlib
import copy
import os

import torch
import torch.distributed as dist

import safetensors_io
from gandsl_layers import BatchNorm, load_state
from gandsl_step import Share, StepState


class Latent:
    """A latent part: normal (a = mean, b = std), uniform (a = low, b = high), one_hot or label (classes; from the batch's
    labels when from_labels and the data has them, else drawn uniformly)."""

    def __init__(self, kind, dim, a=0.0, b=1.0, classes=0, from_labels=False):
        self.kind, self.dim, self.a, self.b, self.classes, self.from_labels = kind, dim, a, b, classes, from_labels


class LinearDecay:
    """lr_decay: linear(to, start, end): lr(t) = lr₀ + (to − lr₀)·clamp((t − start)/(end − start), 0, 1); end None: the
    run's total iterations."""

    def __init__(self, to, start=0, end=None):
        self.to, self.start, self.end = to, start, end

    def at(self, lr0, t, total):
        end = self.end if self.end is not None else total
        if end <= self.start:
            return lr0 if t < self.start else self.to
        return lr0 + (self.to - lr0) * min(max((t - self.start) / (end - self.start), 0.0), 1.0)


class Optimizer:
    """An optimiser: kind (adam, rmsprop, sgd), the networks it updates, the loss it minimises, its hyper-parameters; an
    alias (shares) steps the very optimiser object of the one it names (lazy regularisation)."""

    def __init__(self, kind, networks, loss, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum=0.0, alpha=0.99,
                 lr_decay=None, shares=None):
        self.kind, self.networks, self.loss, self.lr, self.betas, self.eps = kind, networks, loss, lr, betas, eps
        self.weight_decay, self.momentum, self.alpha, self.lr_decay, self.shares = weight_decay, momentum, alpha, lr_decay, shares


class Step:
    """An entry of the step order: its optimiser's step, repeat times, on iterations t ≡ 0 (mod every)."""

    def __init__(self, optimizer, repeat=1, every=1):
        self.optimizer, self.repeat, self.every = optimizer, repeat, every


class Ema:
    """ema: a copy NET_ema, updated after each step of an optimiser that trains NET: θ_ema ← β·θ_ema + (1 − β)·θ (float
    buffers alike, integer ones copied). β = 0 before start, else decay; or with a half-life in images,
    β = 0.5^(B / max(min(H, rampup·B·t), 1e-8)) (without rampup: H)."""

    def __init__(self, network, decay=0.999, start=0, half_life=None, rampup=None):
        self.network, self.decay, self.start, self.half_life, self.rampup = network, decay, start, half_life, rampup

    def beta(self, t, batch):
        if self.half_life is None:
            return 0.0 if t < self.start else self.decay
        images = min(self.half_life, self.rampup * batch * t) if self.rampup is not None else self.half_life
        return 0.5 ** (batch / max(images, 1e-8))


class Schedule:
    """The schedule: batch (global), epochs or steps, the step order, clips {network: c}, EMA copies, seed, drop_last,
    bn_stats own (running statistics change only in their network's own steps), fakes per_iteration."""

    def __init__(self, batch, order, epochs=0, steps=0, clips=None, emas=(), seed=0, drop_last=True, own_bn_stats=False,
                 fakes_per_iteration=False, sample_every=0, checkpoint_every=0):
        self.batch, self.order, self.epochs, self.steps, self.clips, self.emas = batch, order, epochs, steps, clips or {}, emas
        self.seed, self.drop_last, self.own_bn_stats, self.fakes_per_iteration = seed, drop_last, own_bn_stats, fakes_per_iteration
        self.sample_every, self.checkpoint_every = sample_every, checkpoint_every


class Sampling:
    """Sample pictures: `generator` (its EMA copy `sampled` when it differs) on `latents`, rows × cols; per_class rows take
    class r in row r; code_sweep sweeps column `code_index` of the code part over [0, 1]; batch_stats: BatchNorm with the
    samples' own statistics."""

    def __init__(self, sampled, latents, rows, cols, output=None, mode="fixed", class_latent=None, code_latent=None,
                 code_index=0, batch_stats=False):
        self.sampled, self.latents, self.rows, self.cols, self.output, self.mode = sampled, latents, rows, cols, output, mode
        self.class_latent, self.code_latent, self.code_index, self.batch_stats = class_latent, code_latent, code_index, batch_stats


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, BatchNorm)]


class SyncedBatchNorm(BatchNorm):
    """--sync-bn: a training forward normalises with the statistics of the global batch (every rank's), CUDA only."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        from torch.nn.modules._functions import SyncBatchNorm as sync
        mean, var = (None, None) if self.freeze_stats else (self.running_mean, self.running_var)
        if not self.freeze_stats:
            self.num_batches_tracked.add_(1)
        return sync.apply(x, self.weight, self.bias, mean, var, self.eps, self.momentum, dist.group.WORLD, dist.get_world_size())


class Trainer:
    """The networks (EMA copies included), the optimisers and the draws; iteration(t) runs one pass of the step order."""

    def __init__(self, spec, nets, device, draws, batch, calls=None):
        self.spec, self.nets, self.device, self.draws, self.batch = spec, nets, device, draws, batch
        self.calls = calls or nets                       # what forward() calls: the DDP wrappers under torchrun
        self.on_step = None                              # --replay: called as each step starts,
        self.on_backward = None                          # and with the optimiser after its backward
        self.trainable = {n: [p for p in net.parameters() if p.requires_grad] for n, net in nets.items()}
        self.opts = {}
        for name, o in spec.OPTIMIZERS.items():          # an alias steps the object of the optimiser it shares
            if o.shares is None:
                self.opts[name] = self._make(o)
        for name, o in spec.OPTIMIZERS.items():
            if o.shares is not None:
                self.opts[name] = self.opts[o.shares]

    def _make(self, o):
        ps = [p for n in o.networks for p in self.nets[n].parameters() if p.requires_grad]
        if o.kind == "adam":
            return torch.optim.Adam(ps, o.lr, betas=o.betas, eps=o.eps, weight_decay=o.weight_decay)
        if o.kind == "rmsprop":
            return torch.optim.RMSprop(ps, o.lr, alpha=o.alpha, eps=o.eps, weight_decay=o.weight_decay, momentum=o.momentum)
        return torch.optim.SGD(ps, o.lr, momentum=o.momentum, weight_decay=o.weight_decay)

    def forward(self, network, args, output):
        """One application: several parts for a one-input network are concatenated (one-hot ++ code ++ noise)."""
        inputs = [torch.cat(list(args), 1)] if self.spec.NETS[network][0] == 1 and len(args) > 1 else list(args)
        return self.calls[network](*inputs, output=output)

    def batches_per_iteration(self, t):
        return 1 + sum(e.repeat - 1 for e in self.spec.SCHEDULE.order if t % e.every == 0)

    def iteration(self, t, total, next_batch, log):
        """Iteration t: sets the learning rates, runs the steps; returns each step's logged values, in order."""
        for name, o in self.spec.OPTIMIZERS.items():
            if o.lr_decay is not None and o.shares is None:
                for g in self.opts[name].param_groups:
                    g["lr"] = o.lr_decay.at(o.lr, t, total)
        share = Share() if self.spec.SCHEDULE.fakes_per_iteration else None
        steps, batch = [], next_batch()
        for entry in self.spec.SCHEDULE.order:
            if t % entry.every:
                continue
            for r in range(entry.repeat):
                if r > 0:
                    batch = next_batch()
                steps.append((entry.optimizer, self.optimizer_step(entry.optimizer, batch, t, share, log)))
        return steps

    def optimizer_step(self, name, batch, t, share, log):
        o, spec = self.spec.OPTIMIZERS[name], self.spec
        if self.on_step is not None:
            self.on_step()
        x, y = batch[0].to(self.device), batch[1].to(self.device) if batch[1] is not None else None
        if spec.SCHEDULE.own_bn_stats:
            for net_name, net in self.nets.items():
                for bn in batch_norms(net):
                    bn.freeze_stats = net_name not in o.networks
        s = StepState(self, x, y, share, bookkeeping=log)
        opt = self.opts[name]
        opt.zero_grad(set_to_none=False)                 # as GanDsl: a gradient once there is zeroed, not dropped
        with self._no_sync(o), self._frozen(o):
            loss = spec.LOSSES[o.loss](s)
            touch = self._touch(o)
            total = loss if touch is None else loss + touch
            if total.requires_grad:                      # as GanDsl: a loss without a graph leaves the gradients at zero
                total.backward()
        if self.on_backward is not None:
            self.on_backward(o)
        opt.step()
        with torch.no_grad():
            for net_name, c in spec.SCHEDULE.clips.items():
                if net_name in o.networks:
                    for p in self.nets[net_name].parameters():
                        p.clamp_(-c, c)
            for e in spec.SCHEDULE.emas:
                if e.network in o.networks:
                    update_ema(self.nets[e.network + "_ema"], self.nets[e.network], e.beta(t, self.batch))
        if not log:
            return None
        row = {o.loss: loss.detach()}
        row.update(s.named)
        if s.d_real is not None:
            row["d_real"] = s.d_real
        if s.d_fake is not None:
            row["d_fake"] = s.d_fake
        return row

    def _touch(self, o):
        """Under torchrun, 0·(one element of every parameter the optimiser trains): DDP's reducer waits for a gradient of
        each, and some losses leave one out (R1 does not reach D's last bias); a zero gradient is what GanDsl's zeroed
        gradients give them once they have one. None in one process."""
        if not any(hasattr(self.calls[n], "no_sync") for n in o.networks):
            return None
        return 0.0 * sum(p.reshape(-1)[0] for n in o.networks for p in self.nets[n].parameters() if p.requires_grad)

    @contextlib.contextmanager
    def _frozen(self, o):
        """As GanDsl: the networks this optimiser does not train are frozen for its forward and backward, so the G step
        computes no D weight gradients (D's own step zeroes them first: every value is the same)."""
        others = [p for n, ps in self.trainable.items() if n not in o.networks for p in ps]
        for p in others:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in others:
                p.requires_grad_(True)

    def _no_sync(self, o):
        """Under torchrun, the networks this optimiser does not train skip DDP's gradient all-reduce in its step."""
        stack = contextlib.ExitStack()
        for net_name, call in self.calls.items():
            if hasattr(call, "no_sync") and net_name not in o.networks:
                stack.enter_context(call.no_sync())
        return stack


def update_ema(ema, net, beta):
    """θ_ema ← β·θ_ema + (1 − β)·θ in place (lerp toward θ), float buffers alike, integer buffers copied."""
    source = net.state_dict()
    for key, value in ema.state_dict().items():
        if value.is_floating_point():
            value.lerp_(source[key], 1 - beta)
        else:
            value.copy_(source[key])


def build(spec, device):
    """Every network of model.py, and the EMA copies (each a copy of its network, never trained)."""
    nets = {name: cls().to(device) for name, cls in spec.NETWORKS.items()}
    for e in spec.SCHEDULE.emas:
        nets[e.network + "_ema"] = copy.deepcopy(nets[e.network]).requires_grad_(False)
    for net in nets.values():
        net.train()
    return nets


def load_weights(nets, path):
    """Loads NET.<key> tensors into each network the file has (strictly); an EMA copy the file lacks starts from its network."""
    state, _ = safetensors_io.load(path)
    loaded = [name for name in nets if any(k.startswith(name + ".") for k in state)]
    for name in loaded:
        load_state(nets[name], state, prefix=name + ".")
    for name, net in nets.items():
        if name.endswith("_ema") and name not in loaded and name[:-4] in loaded:
            update_ema(net, nets[name[:-4]], 0.0)
    return loaded


def checkpoint(nets, path, meta):
    """Every network's state dict as NET.<key>, written atomically (a temporary file, then a rename)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    safetensors_io.save(path, {f"{name}.{k}": v for name, net in nets.items() for k, v in net.state_dict().items()}, meta)


def fixed_latents(spec, n, seed, device):
    """The sample pictures' latents: drawn once from their own generator (seed + 4242), class rows, code sweeps."""
    s, gen, out = spec.SAMPLING, torch.Generator().manual_seed(seed + 4242), {}
    for name in dict.fromkeys(s.latents):
        part = spec.LATENTS[name]
        if part.kind in ("normal", "uniform"):
            v = torch.randn(n, part.dim, generator=gen) if part.kind == "normal" else torch.rand(n, part.dim, generator=gen)
            v = v * part.b + part.a if part.kind == "normal" else v * (part.b - part.a) + part.a
        else:
            v = torch.randint(0, part.classes, (n,), generator=gen)
            if name == s.class_latent:
                v = torch.arange(n) // s.cols
            v = torch.nn.functional.one_hot(v, part.classes).float() if part.kind == "one_hot" else v
        if name == s.code_latent:
            v[:, s.code_index] = torch.linspace(0, 1, s.cols).repeat(s.rows)
        out[name] = v.to(device)
    return out


def draw_samples(trainer, latents, path):
    """samples/step-N.safetensors: the sampled network (eval mode) on the fixed latents."""
    spec = trainer.spec
    g = trainer.nets[spec.SAMPLING.sampled]
    g.eval()
    for bn in batch_norms(g):
        bn.batch_stats_in_eval = spec.SAMPLING.batch_stats
    with torch.no_grad():
        args = [latents[n] for n in spec.SAMPLING.latents]
        inputs = spec.NETS[spec.SAMPLING.sampled if spec.SAMPLING.sampled in spec.NETS else spec.SAMPLING.sampled[:-4]][0]
        out = g(*([torch.cat(args, 1)] if inputs == 1 and len(args) > 1 else args), output=spec.SAMPLING.output)
    for bn in batch_norms(g):
        bn.batch_stats_in_eval = False
    g.train()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    safetensors_io.save(path, {"samples": out}, {"rows": str(spec.SAMPLING.rows), "cols": str(spec.SAMPLING.cols)})

