#!/usr/bin/python3
"""Trainable-parameter counts of the reference GAN implementations (issue #14).

Instantiates the reference code itself (mimicry, PyTorch-StudioGAN, rosinality/stylegan2-pytorch) with Debian's
python3-torch (1.13.1, CPU; visible to /usr/bin/python3 only), prints a table, writes counts.json and one
breakdown/<model>.txt per model (parameters per module, module facts, initialiser check, execution order).

    /usr/bin/python3 specs/reference/count_params.py MIMICRY STUDIOGAN ROSINALITY
    # or MIMICRY_DIR=... STUDIOGAN_DIR=... ROSINALITY_DIR=... /usr/bin/python3 specs/reference/count_params.py

Each path is the root of a checkout (or `git archive` extract) of the commit in COMMITS. The git blob id of every
reference file the models are built from is recorded in counts.json, so a checkout can be compared with
`git ls-tree -r <commit>`. Count = sum(p.numel() for p in m.parameters() if p.requires_grad).
"""
import contextlib
import hashlib
import io
import json
import math
import os
import sys
import types

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
COMMITS = {
    "mimicry": "a7fda06c4aff1e6af8dc4c4a35ed6636e434c766",
    "studiogan": "947b35e9835b67860fdce44d337f6d7fee7c8db3",
    "rosinality": "bef283a1c24087da704d16c30abc8e36e63efa0e",
}
BATCH = 4
NUM_CLASSES = 10
USED_FILES = {}  # repo -> {relative path: git blob id}


def blob_id(path):
    data = open(path, "rb").read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def note_file(repo, root, rel):
    USED_FILES.setdefault(repo, {})[rel] = blob_id(os.path.join(root, rel))


def load_patched(module_name, root, rel, replacements, repo):
    """Executes a reference file with exact, once-only text replacements (the 1-channel variants)."""
    path = os.path.join(root, rel)
    src = open(path).read()
    for old, new in replacements:
        if src.count(old) != 1:
            raise SystemExit(f"{rel}: expected exactly one occurrence of {old!r}, found {src.count(old)}")
        src = src.replace(old, new)
    note_file(repo, root, rel)
    mod = types.ModuleType(module_name)
    mod.__file__ = path
    sys.modules[module_name] = mod
    exec(compile(src, f"{path} [patched]", "exec"), mod.__dict__)
    return mod


# ---------------------------------------------------------------- mimicry
MIMICRY_1CH = {
    "cgan_pd": [("DBlockOptimized(3, self.ndf)", "DBlockOptimized(1, self.ndf)"),
                ("self.c5 = nn.Conv2d(self.ngf, 3, 3, 1, padding=1)", "self.c5 = nn.Conv2d(self.ngf, 1, 3, 1, padding=1)")],
    "sagan": [("DBlockOptimized(3, self.ndf)", "DBlockOptimized(1, self.ndf)"),
              ("self.c5 = SNConv2d(self.ngf, 3, 3, 1, padding=1)", "self.c5 = SNConv2d(self.ngf, 1, 3, 1, padding=1)")],
}


def mimicry_models(root):
    # The package __init__ imports metrics/datasets (TensorFlow, torchvision): register a bare package instead.
    pkg = types.ModuleType("torch_mimicry")
    pkg.__path__ = [os.path.join(root, "torch_mimicry")]
    sys.modules["torch_mimicry"] = pkg
    from torch_mimicry.nets import sngan, wgan_gp, cgan_pd, sagan, dcgan  # noqa: F401
    for rel in ["nets/sngan/sngan_32.py", "nets/wgan_gp/wgan_gp_32.py", "nets/wgan_gp/wgan_gp_resblocks.py",
                "nets/cgan_pd/cgan_pd_32.py", "nets/sagan/sagan_32.py", "nets/dcgan/dcgan_cifar.py",
                "modules/__init__.py", "modules/resblocks.py", "modules/layers.py", "modules/spectral_norm.py"]:
        note_file("mimicry", root, "torch_mimicry/" + rel)
    cg1 = load_patched("torch_mimicry.nets.cgan_pd.cgan_pd_32_1ch", root, "torch_mimicry/nets/cgan_pd/cgan_pd_32.py",
                       MIMICRY_1CH["cgan_pd"], "mimicry")
    sa1 = load_patched("torch_mimicry.nets.sagan.sagan_32_1ch", root, "torch_mimicry/nets/sagan/sagan_32.py",
                       MIMICRY_1CH["sagan"], "mimicry")
    k = NUM_CLASSES
    unc = dict(kind="uncond")
    cond = dict(kind="mimicry_cond")
    return [
        ("mimicry_sngan32", "SNGANGenerator32()", lambda: sngan.SNGANGenerator32(),
         "SNGANDiscriminator32()", lambda: sngan.SNGANDiscriminator32(), 128, 3, unc),
        ("mimicry_wgangp32", "WGANGPGenerator32()", lambda: wgan_gp.WGANGPGenerator32(),
         "WGANGPDiscriminator32()", lambda: wgan_gp.WGANGPDiscriminator32(), 128, 3, unc),
        ("mimicry_dcgan_cifar", "DCGANGeneratorCIFAR()", lambda: dcgan.DCGANGeneratorCIFAR(),
         "DCGANDiscriminatorCIFAR()", lambda: dcgan.DCGANDiscriminatorCIFAR(), 128, 3, unc),
        ("mimicry_cganpd32", "CGANPDGenerator32(num_classes=10)", lambda: cgan_pd.CGANPDGenerator32(num_classes=k),
         "CGANPDDiscriminator32(num_classes=10)", lambda: cgan_pd.CGANPDDiscriminator32(num_classes=k), 128, 3, cond),
        ("mimicry_cganpd32_1ch", "CGANPDGenerator32(num_classes=10) [1-channel patch]",
         lambda: cg1.CGANPDGenerator32(num_classes=k), "CGANPDDiscriminator32(num_classes=10) [1-channel patch]",
         lambda: cg1.CGANPDDiscriminator32(num_classes=k), 128, 1, cond),
        ("mimicry_sagan32", "SAGANGenerator32(num_classes=10)", lambda: sagan.SAGANGenerator32(num_classes=k),
         "SAGANDiscriminator32(num_classes=10)", lambda: sagan.SAGANDiscriminator32(num_classes=k), 128, 3, cond),
        ("mimicry_sagan32_1ch", "SAGANGenerator32(num_classes=10) [1-channel patch]",
         lambda: sa1.SAGANGenerator32(num_classes=k), "SAGANDiscriminator32(num_classes=10) [1-channel patch]",
         lambda: sa1.SAGANDiscriminator32(num_classes=k), 128, 1, cond),
    ]


# ---------------------------------------------------------------- StudioGAN
STUDIOGAN_1CH = [
    ('"32": [3] + [d_conv_dim * 2, d_conv_dim * 2, d_conv_dim * 2],',
     '"32": [1] + [d_conv_dim * 2, d_conv_dim * 2, d_conv_dim * 2],'),
    ("self.conv2d5 = MODULES.g_conv2d(in_channels=self.out_dims[-1], out_channels=3,",
     "self.conv2d5 = MODULES.g_conv2d(in_channels=self.out_dims[-1], out_channels=1,"),
]


def studiogan_models(root):
    src = os.path.join(root, "src")
    sys.path.insert(0, src)
    # config.py imports training-only helpers (torchvision, seaborn, scipy ...): stub the modules it names.
    misc = types.ModuleType("utils.misc")

    class make_empty_object(object):
        pass

    misc.make_empty_object = make_empty_object
    misc.dummy_context_mgr = contextlib.nullcontext
    sys.modules["utils.misc"] = misc
    for name in ["losses", "diffaug", "cr", "simclr_aug", "ada_aug"]:
        sys.modules["utils." + name] = types.ModuleType("utils." + name)
    import utils  # namespace package src/utils
    for name in ["misc", "losses", "diffaug", "cr", "simclr_aug", "ada_aug"]:
        setattr(utils, name, sys.modules["utils." + name])
    from config import Configurations
    import models.model as model
    for rel in ["config.py", "utils/ops.py", "utils/ema.py", "models/model.py", "models/big_resnet.py",
                "models/deep_conv.py", "configs/CIFAR10/BigGAN.yaml", "configs/CIFAR10/DCGAN.yaml"]:
        note_file("studiogan", root, "src/" + rel)
    load_patched("models.big_resnet_1ch", root, "src/models/big_resnet.py", STUDIOGAN_1CH, "studiogan")

    def build(name, backbone=None):
        cfgs = Configurations(os.path.join(src, "configs", "CIFAR10", name + ".yaml"))
        cfgs.RUN.mixed_precision = False
        if backbone:
            cfgs.MODEL.backbone = backbone
        with contextlib.redirect_stdout(io.StringIO()):  # Ema prints a line
            out = model.load_generator_discriminator(DATA=cfgs.DATA, OPTIMIZATION=cfgs.OPTIMIZATION, MODEL=cfgs.MODEL,
                                                     STYLEGAN=cfgs.STYLEGAN, MODULES=cfgs.MODULES, RUN=cfgs.RUN,
                                                     device="cpu", logger=None)
        return out[0], out[3], cfgs.MODEL.z_dim

    cache = {}

    def part(name, backbone, i):
        key = (name, backbone)
        if key not in cache:
            torch.manual_seed(0)
            cache[key] = build(name, backbone)
        return cache[key][i]

    kw = dict(kind="studiogan")
    return [
        ("studiogan_biggan_cifar10", "big_resnet.Generator via load_generator_discriminator, CIFAR10/BigGAN.yaml",
         lambda: part("BigGAN", None, 0), "big_resnet.Discriminator (same builder call)",
         lambda: part("BigGAN", None, 1), 80, 3, kw),
        ("studiogan_biggan_cifar10_1ch", "big_resnet.Generator, CIFAR10/BigGAN.yaml [1-channel patch]",
         lambda: part("BigGAN", "big_resnet_1ch", 0), "big_resnet.Discriminator [1-channel patch]",
         lambda: part("BigGAN", "big_resnet_1ch", 1), 80, 1, kw),
        ("studiogan_dcgan_cifar10", "deep_conv.Generator via load_generator_discriminator, CIFAR10/DCGAN.yaml",
         lambda: part("DCGAN", None, 0), "deep_conv.Discriminator (same builder call)",
         lambda: part("DCGAN", None, 1), 128, 3, kw),
    ]


# ---------------------------------------------------------------- rosinality
def rosinality_models(root):
    import torch.utils.cpp_extension as cpp
    real_load = cpp.load
    cpp.load = lambda *a, **k: None  # op/ compiles CUDA kernels at import; the CPU paths are pure PyTorch
    sys.path.insert(0, root)
    try:
        import model as rmodel
    finally:
        cpp.load = real_load
    for rel in ["model.py", "op/fused_act.py", "op/upfirdn2d.py", "op/conv2d_gradfix.py"]:
        note_file("rosinality", root, rel)
    return [("rosinality_stylegan2_32", "Generator(32, 512, 8, channel_multiplier=2)",
             lambda: rmodel.Generator(32, 512, 8, channel_multiplier=2),
             "Discriminator(32, channel_multiplier=2)", lambda: rmodel.Discriminator(32, channel_multiplier=2),
             512, 3, dict(kind="rosinality"))]


# ---------------------------------------------------------------- counting and description
def count(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def uniform_law(amax, std, n, fan_in, fan_out):
    if fan_in is None:
        return None
    cands = [("PyTorch default U(+-1/sqrt(fan_in))", 1 / math.sqrt(fan_in))]
    if fan_out is not None:
        cands += [("xavier_uniform(gain 1)", math.sqrt(6 / (fan_in + fan_out))),
                  ("xavier_uniform(gain sqrt2)", math.sqrt(12 / (fan_in + fan_out)))]
    lo = 0.97 if n >= 10000 else 0.8
    for label, b in cands:
        if lo * b <= amax <= b * (1 + 1e-6) and abs(std - b / math.sqrt(3)) < 0.15 * b / math.sqrt(3):
            return label
    return None


def init_law(w, fan_in=None, fan_out=None):
    """Names the initialiser a tensor's values are consistent with (checked on the values, not assumed)."""
    w = w.detach().double()
    n = w.numel()
    if torch.all(w == 0):
        return "zeros"
    if n < 16:
        return f"values {[round(v, 4) for v in w.flatten().tolist()]} (too few to name a law)"
    if torch.all(w == w.flatten()[0]):
        return f"constant {w.flatten()[0].item():g}"
    if w.dim() == 2 and w.shape[1] % 2 == 0 and torch.all(w[:, w.shape[1] // 2:] == 0):
        return f"columns [0, {w.shape[1] // 2}): {init_law(w[:, :w.shape[1] // 2])}; other columns: zeros"
    mean, std, amax = w.mean().item(), w.std().item(), w.abs().max().item()
    stats = f"(mean {mean:.4g}, std {std:.4g}, max|w| {amax:.4g})"
    if w.dim() >= 2 and n >= 16:
        mat = w.reshape(w.shape[0], -1)
        mat = mat.t() if mat.shape[0] > mat.shape[1] else mat
        if torch.allclose(mat @ mat.t(), torch.eye(mat.shape[0], dtype=mat.dtype), atol=1e-4):
            return "orthogonal"
    law = uniform_law(amax, std, n, fan_in, fan_out)
    if law:
        return f"{law} {stats}"
    if n >= 64:
        kurt = (((w - mean) / std) ** 4).mean().item()
        if abs(kurt - 3) < 0.4:
            return f"normal N({mean:.3g}, {std:.3g}^2) {stats}"
        if abs(kurt - 1.8) < 0.25:
            return f"uniform U({mean - amax:.3g}, {mean + amax:.3g}) {stats}"
    return f"other {stats}"


def param_law(m, name, p):
    fan_in = fan_out = None
    weight = getattr(m, "weight_orig", None) if hasattr(m, "weight_orig") else getattr(m, "weight", None)
    if torch.is_tensor(weight) and weight.dim() >= 2:
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    if name == "bias":
        fan_out = None  # xavier never touches biases
    elif p.dim() < 2:
        fan_in = None
    return init_law(p, fan_in, fan_out)


def module_facts(m):
    facts = []
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        facts.append(f"k={tuple(m.kernel_size)} s={tuple(m.stride)} p={tuple(m.padding)} bias={m.bias is not None}")
    if isinstance(m, nn.Linear):
        facts.append(f"bias={m.bias is not None}")
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        facts.append(f"eps={m.eps:g} momentum={m.momentum} affine={m.affine} track_running_stats={m.track_running_stats}")
    if isinstance(m, nn.ReLU):
        facts.append(f"inplace={m.inplace}")
    for hook in m._forward_pre_hooks.values():
        if type(hook).__name__ == "SpectralNorm":
            facts.append(f"torch.nn.utils.spectral_norm(eps={hook.eps:g}, n_power_iterations={hook.n_power_iterations},"
                         f" dim={hook.dim})")
    if hasattr(m, "sn_u") and hasattr(m, "num_iters"):
        facts.append(f"mimicry SpectralNorm(eps={m.eps:g}, num_iters={m.num_iters}) on weight")
    if hasattr(m, "lr_mul") or hasattr(m, "scale") and isinstance(getattr(m, "scale"), float):
        facts.append(f"runtime scale={getattr(m, 'scale'):.6g}" + (f" lr_mul={m.lr_mul:g}" if hasattr(m, "lr_mul") else ""))
    return "; ".join(facts)


def describe(net, label):
    lines = [f"== {label}: {count(net):,} trainable parameters", ""]
    lines.append("-- parameters per module (registration order; path, class, facts, parameters, count)")
    for path, m in net.named_modules():
        own = list(m.named_parameters(recurse=False))
        facts = module_facts(m)
        bufs = [f"{n}{list(b.shape)}" for n, b in m.named_buffers(recurse=False)]
        if not own and not facts:
            continue
        total = sum(p.numel() for _, p in own if p.requires_grad)
        lines.append(f"{path or '<root>'}  [{type(m).__name__}]  {total:,}" + (f"  | {facts}" if facts else ""))
        for n, p in own:
            rg = "" if p.requires_grad else "  (requires_grad=False)"
            lines.append(f"    {n} {list(p.shape)} = {p.numel():,}{rg}  init: {param_law(m, n, p)}")
        if bufs:
            lines.append(f"    buffers (not counted): {', '.join(bufs)}")
    return lines


def trace(net, *inputs):
    """Runs one forward pass, recording leaf modules in execution order with input/output shapes."""
    order, handles = [], []
    for path, m in net.named_modules():
        if path and not list(m.children()):
            def hook(mod, inp, out, path=path):
                shp = lambda t: list(t.shape) if torch.is_tensor(t) else type(t).__name__
                order.append(f"{path} [{type(mod).__name__}] {[shp(t) for t in inp]} -> {shp(out)}")
            handles.append(m.register_forward_hook(hook))
    with torch.no_grad():
        out = net(*inputs)
    for h in handles:
        h.remove()
    return out, order


def run_model(name, gdesc, gmake, ddesc, dmake, zdim, channels, kw):
    torch.manual_seed(0)
    g, d = gmake(), dmake()
    g.train(), d.train()
    z = torch.randn(BATCH, zdim)
    y = torch.randint(0, NUM_CLASSES, (BATCH,))
    kind = kw["kind"]
    if kind == "uncond":
        x, gorder = trace(g, z)
        out, dorder = trace(d, x)
    elif kind == "mimicry_cond":
        x, gorder = trace(g, z, y)
        out, dorder = trace(d, x, y)
    elif kind == "studiogan":
        x, gorder = trace(g, z, y)
        res, dorder = trace(d, x, y)
        out = res["adv_output"]
    else:
        (x, _), gorder = trace(g, [z])
        out, dorder = trace(d, x)
    rec = dict(model=name, g_constructor=gdesc, d_constructor=ddesc, g_params=count(g), d_params=count(d),
               total=count(g) + count(d), z_dim=zdim, image_channels=channels,
               g_output_shape=list(x.shape), d_output_shape=list(out.shape))
    assert list(x.shape) == [BATCH, channels, 32, 32], (name, x.shape)
    lines = [f"# {name}", f"G: {gdesc}", f"D: {ddesc}",
             f"Sanity pass (batch {BATCH}, z ~ N(0,1) of dim {zdim}, train mode): G -> {list(x.shape)}, "
             f"D -> {list(out.shape)}",
             "Architectural facts that module listings cannot show (upsampling mode, pooling, in-place aliasing, concat order,"
             " init call sites): specs/reference/FINDINGS.md.", ""]
    for label, net, order in [("G", g, gorder), ("D", d, dorder)]:
        lines += describe(net, label)
        lines += ["", f"-- {label} forward: leaf modules in execution order (functional ops such as interpolate, avg_pool2d,"
                      " torch.sum, concat and the residual additions are not modules and do not appear)"]
        lines += ["    " + s for s in order] + [""]
    return rec, lines


def main(argv):
    names = ["MIMICRY_DIR", "STUDIOGAN_DIR", "ROSINALITY_DIR"]
    paths = argv[1:4] if len(argv) >= 4 else [os.environ.get(n) for n in names]
    if not all(paths):
        raise SystemExit(__doc__)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    models = mimicry_models(paths[0]) + studiogan_models(paths[1]) + rosinality_models(paths[2])
    os.makedirs(os.path.join(HERE, "breakdown"), exist_ok=True)
    records = []
    print(f"torch {torch.__version__}")
    print(f"{'model':34} {'G params':>12} {'D params':>12} {'total':>12}  G out -> D out")
    for spec in models:
        rec, lines = run_model(*spec)
        records.append(rec)
        with open(os.path.join(HERE, "breakdown", rec["model"] + ".txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"{rec['model']:34} {rec['g_params']:>12,} {rec['d_params']:>12,} {rec['total']:>12,}  "
              f"{rec['g_output_shape']} -> {rec['d_output_shape']}")
    doc = dict(torch=torch.__version__, count="sum(p.numel() for p in m.parameters() if p.requires_grad)",
               commits=COMMITS, files_git_blob_ids=USED_FILES, models=records)
    with open(os.path.join(HERE, "counts.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
