# Checks that model.py computes what GanDsl computes, written by `gan emit pytorch`. `gan emit pytorch SPEC --out DIR --probe`
# writes weights.safetensors (every network, perturbed from its initial weights so that no gate or bias is trivially
# zero) and probe.safetensors (inputs, and GanDsl's outputs and buffers). This loads the weights strictly into model.py's
# classes, runs the same inputs in eval mode, then in train mode, and compares outputs and the buffers after the training
# forward (BatchNorm statistics, spectral-norm vectors). It prints the largest absolute and relative deviation of each
# check and exits 1 when one exceeds the float32 tolerance. Usage: python3 check.py [DIR]
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from model import NETWORKS, load_state  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def deviation(ours, theirs):
    """The largest absolute deviation, the largest relative one (to the reference's scale), and whether it is in tolerance."""
    ours, theirs = ours.double(), theirs.double()
    if ours.shape != theirs.shape:
        return float("inf"), float("inf"), False
    if ours.numel() == 0:
        return 0.0, 0.0, True
    diff = (ours - theirs).abs()
    scale = theirs.abs().max().item()
    worst = diff.max().item()
    return worst, worst / max(scale, 1e-30), bool((diff <= ATOL + RTOL * max(scale, 1.0)).all())


def main(folder):
    weights, _ = safetensors_io.load(os.path.join(folder, "weights.safetensors"))
    probe, meta = safetensors_io.load(os.path.join(folder, "probe.safetensors"))
    torch.set_grad_enabled(False)
    failed = 0
    print(f"{'network':<10} {'check':<42} {'max abs':>10} {'max rel':>10}  result")
    for name in meta["gandsl.networks"].split(","):
        cls = NETWORKS[meta[f"{name}.class"]]
        net = cls()
        load_state(net, weights, prefix=name + ".")
        inputs = [probe[f"{name}/in/{i}"] for i in meta[f"{name}.inputs"].split(",")]
        rows = []
        net.eval()
        for out in meta[f"{name}.outputs"].split(","):
            rows.append((f"eval output {out}", net(*inputs, output=out), probe[f"{name}/eval/{out}"]))
        if meta.get(f"{name}.train") == "compared":
            net.train()
            outs = net(*inputs, output="*")
            for out, value in outs.items():
                rows.append((f"train output {out}", value, probe[f"{name}/train/{out}"]))
            state = net.state_dict()
            for key in sorted(k for k in probe if k.startswith(f"{name}/after/")):
                rows.append((f"buffer {key[len(name) + 7:]}", state[key[len(name) + 7:]], probe[key]))
        else:
            print(f"{name:<10} {'train mode':<42} {'':>10} {'':>10}  not compared: {meta.get(f'{name}.train')}")
        for check, ours, ref in rows:
            worst, rel, ok = deviation(ours, ref)
            failed += not ok
            print(f"{name:<10} {check[:42]:<42} {worst:>10.3g} {rel:>10.3g}  {'ok' if ok else 'DIFFERS'}")
    print(f"{failed} check(s) outside tolerance (|Δ| ≤ {ATOL} + {RTOL}·max(1, max|ref|))")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
