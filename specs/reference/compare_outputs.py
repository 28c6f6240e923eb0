#!/usr/bin/python3
"""The reference specs against the reference code's own classes (issue #15): same weights, same inputs, same outputs.

For each reference spec, `gan emit pytorch SPEC --out PROBES/NAME --probe` writes GanDsl's networks with perturbed weights
(weights.safetensors) and GanDsl's outputs on fixed inputs in eval and train mode (probe.safetensors). This script builds
the reference G and D (mimicry, PyTorch-StudioGAN, rosinality/stylegan2-pytorch, as count_params.py does), copies GanDsl's
tensors into them, matched by execution order and shape (each network's modules in the order a forward pass first calls
them, each module's tensors by kind: weight, bias, spectral-norm u and v, running statistics), and compares the
reference's outputs with GanDsl's.

    for s in sngan32 wgan-gp-resnet32 cgan-pd32 sagan32 dcgan-studio32 biggan32 stylegan2-32; do
        ./gan emit pytorch specs/$s.gan --out /tmp/probes/$s --probe; done
    OMP_NUM_THREADS=2 /usr/bin/python3 specs/reference/compare_outputs.py /tmp/probes MIMICRY STUDIOGAN ROSINALITY
"""
import copy
import importlib
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import count_params  # noqa: E402

# reference model -> (spec, how its networks are called)
PAIRS = [("mimicry_sngan32", "sngan32", "uncond"), ("mimicry_wgangp32", "wgan-gp-resnet32", "uncond"),
         ("mimicry_cganpd32_1ch", "cgan-pd32", "cond"), ("mimicry_sagan32_1ch", "sagan32", "cond"),
         ("studiogan_dcgan_cifar10", "dcgan-studio32", "studiogan"),
         ("studiogan_biggan_cifar10_1ch", "biggan32", "studiogan"), ("rosinality_stylegan2_32", "stylegan2-32", "rosinality")]
KINDS = {"weight_orig": "weight", "weight_u": "u", "weight_v": "v", "input": "weight", "modulation_weight": "weight",
         "modulation_bias": "bias", "sn_u": "u", "sigma": "gamma"}


def tensors_in_call_order(net, call):
    """(kind, tensor) of every parameter and buffer, module by module in the order a forward pass first calls them."""
    order, hooks = [], []
    for m in net.modules():
        own = list(m.named_parameters(recurse=False)) + list(m.named_buffers(recurse=False))
        if own:
            hooks.append(m.register_forward_hook(lambda mod, i, o: order.append(mod) if mod not in order else None))
    with torch.no_grad():
        net.eval()
        call(net)
    for h in hooks:
        h.remove()
    out = []
    for m in order:
        for name, t in list(m.named_parameters(recurse=False)) + list(m.named_buffers(recurse=False)):
            out.append((KINDS.get(name, name), name, t))
    return out


def squeezed(shape):
    return tuple(d for d in shape if d != 1)


def copy_matched(ours, theirs, label):
    """Copies each of GanDsl's tensors into the next unused reference tensor of the same kind and shape (dimensions of 1
    aside: rosinality keeps a style conv's weight as 1×out×in×k×k and a bias as 1×C×1×1); every reference parameter must be
    filled (reference buffers with no counterpart, such as a blur kernel, keep their values). One reparametrisation is
    known: mimicry's conditional BatchNorm keeps γ and β as one embedding K×2C used as γ·x + β, where GanDsl's film keeps
    two linear maps C×K of the one-hot used as (1 + γ)·x + β: the embedding is [1 + Wγᵀ, Wβᵀ]."""
    used, copied, i, skipped_v = set(), 0, 0, []
    while i < len(ours):
        kind, name, t = ours[i]
        match = next((j for j, (k, n, r) in enumerate(theirs)
                      if j not in used and k == kind and squeezed(r.shape) == squeezed(t.shape)), None)
        if match is None and t.dim() == 2 and i + 1 < len(ours) and ours[i + 1][2].shape == t.shape:
            c, k = t.shape
            match = next((j for j, (kk, n, r) in enumerate(theirs)
                          if j not in used and kk == "weight" and tuple(r.shape) == (k, 2 * c)), None)
            if match is not None:
                used.add(match)
                with torch.no_grad():
                    theirs[match][2].copy_(torch.cat([1 + t.t(), ours[i + 1][2].t()], 1))
                copied += 2 * t.numel()
                i += 2
                continue
        if match is None and kind == "v" and any(n == "sn_u" for _, n, _ in theirs):
            # mimicry's own spectral norm (SNLinear/SNEmbedding with default=False) keeps u alone and derives v.
            skipped_v.append(name)
            i += 1
            continue
        if match is None:
            raise SystemExit(f"{label}: GanDsl's {name} {tuple(t.shape)} ({kind}) has no reference counterpart left")
        used.add(match)
        with torch.no_grad():
            theirs[match][2].copy_(t.reshape(theirs[match][2].shape))
        copied += t.numel()
        i += 1
    left = [n for j, (k, n, r) in enumerate(theirs) if j not in used and isinstance(r, torch.nn.Parameter)]
    if left:
        raise SystemExit(f"{label}: reference parameters without a GanDsl counterpart: {left[:5]}")
    return copied, skipped_v


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    probes, roots = argv[1], argv[2:5]
    models = {m[0]: m for m in count_params.mimicry_models(roots[0]) + count_params.studiogan_models(roots[1])
              + count_params.rosinality_models(roots[2])}
    failed = 0
    print(f"{'reference':30} {'spec':18} {'net':3} {'mode':5} {'values':>10} {'max abs':>10} {'max |ref|':>10} "
          f"{'fp32 err':>10}  result")
    for ref, spec, how in PAIRS:
        folder = os.path.join(probes, spec)
        if not os.path.isdir(folder):
            print(f"{ref:30} {spec:18} no probe folder {folder}: skipped")
            continue
        sys.path.insert(0, folder)
        for mod in ("model", "gandsl_layers", "safetensors_io"):
            sys.modules.pop(mod, None)
        ours_mod, st = importlib.import_module("model"), importlib.import_module("safetensors_io")
        sys.path.pop(0)
        weights, _ = st.load(os.path.join(folder, "weights.safetensors"))
        probe, meta = st.load(os.path.join(folder, "probe.safetensors"))
        _, _, gmake, _, dmake, zdim, _, _ = models[ref]
        torch.manual_seed(0)
        nets = {"G": gmake(), "D": dmake()}
        for name in ("G", "D"):
            ours = ours_mod.NETWORKS[name]()
            ours_mod.load_state(ours, weights, prefix=name + ".")
            inputs = [probe[f"{name}/in/{i}"] for i in meta[f"{name}.inputs"].split(",")]
            call_ours, call_ref = make_calls(name, how, inputs)
            n, own_sn = copy_matched(tensors_in_call_order(ours, call_ours), tensors_in_call_order(nets[name], call_ref), f"{ref} {name}")
            # The reference in float64 too: its own float32 rounding widens the tolerance, as in check.py.
            exact = copy.deepcopy(nets[name]).double()
            _, exact_call = make_calls(name, how, [x.double() if x.is_floating_point() else x for x in inputs])
            if own_sn:
                print(f"{ref:30} {spec:18} {name:3} eval  {n:>10,} not compared: the reference's own spectral norm iterates "
                      "from u in eval mode too (GanDsl and the legacy hook use the stored u and v)")
            modes = ("eval", "train") if meta[f"{name}.train"] == "compared" else ("eval",)
            for mode in [m for m in modes if not (own_sn and m == "eval")]:
                nets[name].train(mode == "train")
                exact.train(mode == "train")
                want = probe[f"{name}/{mode}/out"]
                with torch.no_grad():
                    got = call_ref(nets[name]).reshape(want.shape)
                    rounding = (exact_call(exact).reshape(want.shape) - got.double()).abs().max().item()
                worst, scale = (got - want).abs().max().item(), want.abs().max().item()
                ok = worst <= 1e-5 + 1e-4 * max(1.0, scale) + 4 * rounding
                failed += not ok
                print(f"{ref:30} {spec:18} {name:3} {mode:5} {n:>10,} {worst:>10.3g} {scale:>10.3g} {rounding:>10.3g}  "
                      f"{'ok' if ok else 'DIFFERS'}")
    print(f"{failed} comparison(s) outside |Δ| ≤ 1e-5 + 1e-4·max(1, max|ref|) + 4·(the reference's float32 error)")
    return 1 if failed else 0


def make_calls(name, how, inputs):
    """How GanDsl's model.py and the reference call the network on the probe's inputs."""
    ours = lambda m: m(*inputs)  # noqa: E731
    if how in ("uncond", "cond"):
        return ours, lambda m: m(*inputs)
    if how == "studiogan":
        if name == "G":
            z = torch.cat(inputs[:-1], 1) if len(inputs) > 2 else inputs[0]
            y = inputs[-1] if len(inputs) > 1 else torch.zeros(z.shape[0], dtype=torch.long)
            return ours, lambda m: m(z, y, eval=not m.training)
        y = inputs[1] if len(inputs) > 1 else torch.zeros(inputs[0].shape[0], dtype=torch.long)
        return ours, lambda m: m(inputs[0], y)["adv_output"]
    if name == "G":
        return ours, lambda m: m([inputs[0]])[0]
    return ours, lambda m: m(inputs[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
