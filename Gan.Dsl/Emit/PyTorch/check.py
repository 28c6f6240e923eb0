# Checks that model.py computes what GanDsl computes, written by `gan emit pytorch`. `gan emit pytorch SPEC --out DIR --probe`
# writes weights.safetensors (every network, perturbed from its initial weights so that no gate or bias is trivially
# zero) and probe.safetensors (inputs, and GanDsl's outputs and buffers). This loads the weights strictly into model.py's
# classes, runs the same inputs in eval mode, then in train mode, and compares outputs and the buffers after the training
# forward (BatchNorm statistics, spectral-norm vectors). It prints the largest absolute and relative deviation of each
# check and exits 1 when one exceeds the float32 tolerance, widened by model.py's own float32 rounding error of that
# output or buffer: the larger of its distance to a float64 copy of the network and its change when every layer's output
# moves by one unit in the last place (an ill-conditioned network). Usage: python3 check.py [DIR]
import copy
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from model import NETWORKS, load_state  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def deviation(ours, theirs, rounding=0.0):
    """The largest absolute deviation, the largest relative one (to the reference's scale), and whether it is in tolerance:
    |Δ| ≤ ATOL + RTOL·max(1, max|ref|) + 4·rounding, where rounding is model.py's own float32 error against float64 or
    against one-ulp nudges of every layer (a deep network in eval mode with running statistics far from its activations'
    can amplify rounding far past RTOL)."""
    ours, theirs = ours.double(), theirs.double()
    if ours.shape != theirs.shape:
        return float("inf"), float("inf"), False
    if ours.numel() == 0:
        return 0.0, 0.0, True
    diff = (ours - theirs).abs()
    scale = theirs.abs().max().item()
    worst = diff.max().item()
    return worst, worst / max(scale, 1e-30), bool((diff <= ATOL + RTOL * max(scale, 1.0) + 4 * rounding).all())


def spread(ours, other):
    """The largest absolute difference of two tensors of one shape, in float64; 0 for empty ones."""
    return (ours.double() - other.double()).abs().max().item() if ours.numel() else 0.0


def outputs(net, inputs, train):
    net.train(train)
    return net(*inputs, output="*")


def nudged(net, inputs, train):
    """A copy of the network run with every layer's float output moved by one unit in the last place, up or down at random
    (seeded): how far another float32 implementation may land. A training BatchNorm over a batch-constant value (a const
    layer's branch) has zero variance in exact arithmetic, so one ulp decides its output, and a float64 copy cannot tell."""
    net = copy.deepcopy(net)
    generator = torch.Generator().manual_seed(0)

    def nudge(module, args, out):
        if torch.is_tensor(out) and out.is_floating_point():
            sign = torch.randint(0, 2, out.shape, generator=generator).to(out.dtype) * 2 - 1
            return out * (1 + sign * torch.finfo(out.dtype).eps)
        return None

    for module in net.modules():
        if not any(True for _ in module.children()):
            module.register_forward_hook(nudge)
    return outputs(net, inputs, train), net


def main(folder):
    weights, _ = safetensors_io.load(os.path.join(folder, "weights.safetensors"))
    probe, meta = safetensors_io.load(os.path.join(folder, "probe.safetensors"))
    torch.set_grad_enabled(False)
    failed = 0
    print(f"{'network':<10} {'check':<40} {'max abs':>10} {'max rel':>10} {'fp32 err':>10}  result")
    for name in meta["gandsl.networks"].split(","):
        net = NETWORKS[meta[f"{name}.class"]]()
        load_state(net, weights, prefix=name + ".")
        net64, net_before = copy.deepcopy(net).double(), copy.deepcopy(net)
        inputs = [probe[f"{name}/in/{i}"] for i in meta[f"{name}.inputs"].split(",")]
        inputs64 = [i.double() if i.is_floating_point() else i for i in inputs]
        modes = ["eval", "train"] if meta.get(f"{name}.train") == "compared" else ["eval"]
        rows = []
        for mode in modes:
            ours, exact = outputs(net, inputs, mode == "train"), outputs(net64, inputs64, mode == "train")
            moved, net_moved = nudged(net_before, inputs, mode == "train")
            for out in meta[f"{name}.outputs"].split(","):
                rounding = max(spread(ours[out], exact[out]), spread(ours[out], moved[out]))
                rows.append((f"{mode} output {out}", ours[out], probe[f"{name}/{mode}/{out}"], rounding))
        if "train" in modes:
            # After the same training forward, the float64 copy's buffers measure model.py's rounding of each buffer
            # (a batch variance of activations far from zero mean loses digits to cancellation).
            state, exact, moved = net.state_dict(), net64.state_dict(), net_moved.state_dict()
            for key in sorted(k for k in probe if k.startswith(f"{name}/after/")):
                buffer = key[len(name) + 7:]
                own = state[buffer]
                rounding = max(spread(own, exact[buffer]), spread(own, moved[buffer]))
                rows.append((f"buffer {buffer}", own, probe[key], rounding))
        else:
            print(f"{name:<10} {'train mode':<40} {'':>10} {'':>10} {'':>10}  not compared: {meta.get(f'{name}.train')}")
        for check, ours, ref, rounding in rows:
            worst, rel, ok = deviation(ours, ref, rounding)
            failed += not ok
            print(f"{name:<10} {check[:40]:<40} {worst:>10.3g} {rel:>10.3g} {rounding:>10.3g}  {'ok' if ok else 'DIFFERS'}")
    print(f"{failed} check(s) outside tolerance (|Δ| ≤ {ATOL} + {RTOL}·max(1, max|ref|) + 4·fp32 err)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
