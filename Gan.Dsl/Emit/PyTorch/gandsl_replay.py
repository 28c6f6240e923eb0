# train.py --replay FILE, written by `gan emit pytorch`: re-runs iterations GanDsl recorded (IterationRecord: its weights
# before, every draw in order, each step's losses and gradients, its state as each step starts, every tensor after) and
# compares, in the record's float type, in two passes:
#   1. each step from GanDsl's own state as the step starts: its loss values, its gradients, and the state it leaves
#      (against GanDsl's state as the next step starts, or after the last);
#   2. the whole iterations running freely from GanDsl's initial weights: each step's losses and every tensor after.
# Tolerance |Δ| ≤ 1e-5 + 1e-4·max(1, max|ref|) per tensor. In float64 everything must agree. In float32, as training runs,
# two effects of rounding are told apart, counted and printed:
#   - a gradient that float32 puts across a ReLU kink (a pre-activation within rounding of 0) differs in some elements:
#     the step is re-run in float64, and the gradient is accepted when train.py's float64 one agrees with GanDsl's (the
#     kink was train.py's), or with train.py's float32 one (the kink was GanDsl's: the formulas themselves are compared
#     by a float64 record, where neither side's rounding reaches a kink); a loss value is never accepted so;
#   - Adam and RMSprop step an element by about ±lr whatever its gradient's size, so an element whose gradient the two
#     computations do not settle to one significant digit (they differ by 10% of it or more) may end up to 2·lr apart: a
#     parameter (or its EMA copy) beyond tolerance only in such elements is accepted.
# Pass 2 then drifts apart from such elements, chaotically: in float32 it is printed for information, not judged.
import torch

import gandsl_layers
import safetensors_io
from gandsl_step import ReplayedDraws
from gandsl_train import Trainer, build

RTOL, ATOL = 1e-4, 1e-5
UNSETTLED = 0.1


def beyond(ours, ref):
    """The elements outside tolerance, or None for a shape mismatch."""
    if tuple(ours.shape) != tuple(ref.shape):
        return None
    ours, ref = ours.double().cpu(), ref.double().cpu()
    scale = ref.abs().max().item() if ref.numel() else 0.0
    return (ours - ref).abs() > ATOL + RTOL * max(scale, 1.0)


def deviation(ours, ref):
    """The largest absolute and relative deviation."""
    if tuple(ours.shape) != tuple(ref.shape):
        return float("inf"), float("inf")
    if ours.numel() == 0:
        return 0.0, 0.0
    diff = (ours.double().cpu() - ref.double().cpu()).abs().max().item()
    return diff, diff / max(ref.abs().max().item(), 1e-30)


def under(state, prefix):
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def load(nets, tensors, what):
    """Loads NET.key tensors into the networks; only BatchNorm's num_batches_tracked may be missing (a GanDsl without it)."""
    for name, net in nets.items():
        missing, unexpected = net.load_state_dict(under(tensors, name + "."), strict=False)
        if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
            raise SystemExit(f"{what}: network {name}: missing {missing}, unexpected {unexpected}")


def snapshot(nets):
    return {f"{n}.{k}": v.detach().clone() for n, net in nets.items() for k, v in net.state_dict().items()}


def rerun(spec, state, meta, dtype, stepwise):
    """One pass in `dtype`: each step's (optimiser, logged values), its gradients, and the state it left."""
    torch.manual_seed(0)
    nets = build(spec, "cpu")
    for net in nets.values():
        net.to(dtype)
    load(nets, under(state, "init/"), "the record's init/")
    recorded = sorted((k for k in state if k.startswith("draw/")), key=lambda k: int(k.split("/")[1]))
    draws = ReplayedDraws([(k.split("/", 2)[2], state[k]) for k in recorded], "cpu", dtype)
    trainer, grads, left = Trainer(spec, nets, "cpu", draws, int(meta["batch"])), [], []

    def on_step():
        if grads:                                   # a step ran: the state it left, then GanDsl's for the next one
            left.append(snapshot(nets))
            if stepwise:
                load(nets, under(state, f"before/{len(left):03d}/"), f"the record's before/{len(left):03d}/")
    trainer.on_step = on_step
    trainer.on_backward = lambda o: grads.append({f"{n}.{k}": p.grad.detach().clone() for n in o.networks
                                                  for k, p in nets[n].named_parameters() if p.grad is not None})
    gandsl_layers.DRAWS, default = draws, torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        first, steps = int(meta["iteration"]), []
        for t in range(first, first + int(meta.get("iterations", "1"))):
            steps += trainer.iteration(t, int(meta["total"]), lambda: draws.batch("real", None), log=True)
    finally:
        gandsl_layers.DRAWS = None
        torch.set_default_dtype(default)
    left.append(snapshot(nets))
    if draws.at != len(draws.draws):
        raise SystemExit(f"GanDsl made {len(draws.draws) - draws.at} draws more than train.py, the first: {draws.draws[draws.at][0]}")
    if [name for name, _ in steps] != meta["steps"].split(","):
        raise SystemExit(f"steps {[name for name, _ in steps]} here, {meta['steps']} in GanDsl's record")
    return steps, grads, left


class Table:
    """The printed comparison: rows failed, and rows accepted for a float32 effect."""

    def __init__(self):
        self.rows, self.failed, self.kinks, self.their_kinks, self.unsettled, self.drift = 0, 0, 0, 0, 0, 0

    @staticmethod
    def header(title):
        print(f"\n{title:<64} {'max abs':>10} {'max rel':>10}  result")

    def row(self, what, ours, ref, note=None, judged=True):
        worst, rel = deviation(ours, ref)
        self.rows += 1
        if note is None:
            bad = beyond(ours, ref)
            note = "ok" if bad is not None and not bad.any() else "DIFFERS" if judged else "drifted (float32)"
        self.failed += note == "DIFFERS"
        self.drift += note.startswith("drifted")
        print(f"{what[:64]:<64} {worst:>10.3g} {rel:>10.3g}  {note}")


def values(state, k, name, row, grads):
    """(label, key, ours, GanDsl's) for step k's logged values, then its gradients."""
    ref = under(state, f"loss/{k:03d}/")
    if set(ref) != set(row):
        raise SystemExit(f"step {k + 1} ({name}): values {sorted(row)} here, {sorted(ref)} in GanDsl's record")
    out = [(f"step {k + 1} {name}: {v}", v, row[v].detach(), ref[v]) for v in sorted(ref)]
    ref = under(state, f"grad/{k:03d}/")
    if set(ref) != set(grads[k]):
        raise SystemExit(f"step {k + 1} ({name}): gradients of {sorted(grads[k])} here, {sorted(ref)} in GanDsl's record")
    return out + [(f"step {k + 1} {name}: ∇{key}", key, grads[k][key], ref[key]) for key in sorted(ref)]


def unsettled(ours, ref):
    return (ours - ref).abs() >= UNSETTLED * ref.abs()


def compare_state(t, spec, ours, ref, masks, title, judged=True):
    """Every tensor of a state; a parameter (or its EMA copy) beyond only on unsettled gradients is accepted (float32)."""
    for key in sorted(ours):
        if key not in ref:
            if key.endswith("num_batches_tracked"):
                continue
            raise SystemExit(f"the record holds no {title} {key}")
        net, rest = key.split(".", 1)
        source = net[:-4] if net.endswith("_ema") and net not in spec.NETS else net
        bad, mask, note = beyond(ours[key], ref[key]), masks.get(f"{source}.{rest}"), None
        if judged and bad is not None and bad.any() and mask is not None and not (bad & ~mask).any():
            note = f"ok: {int(bad.sum())} element(s) on unsettled gradients"
            t.unsettled += 1
        t.row(f"{title}{key}", ours[key], ref[key], note, judged)


def replay(spec, path):
    """Compares train.py with GanDsl's record; prints every deviation; 1 when one is outside tolerance."""
    state, meta = safetensors_io.load(path)
    dtype = next(v.dtype for k, v in state.items() if k.startswith("init/") and v.is_floating_point())
    f32 = dtype == torch.float32
    last = int(meta["iteration"]) + int(meta.get("iterations", "1")) - 1
    span = meta["iteration"] if last == int(meta["iteration"]) else f"{meta['iteration']}–{last}"
    t = Table()
    t.header(f"1. each step of iteration {span} of {spec.NAME} from GanDsl's state ({str(dtype)[6:]})")
    steps, grads, left = rerun(spec, state, meta, dtype, stepwise=True)
    wide = None
    for k, (name, row) in enumerate(steps):
        masks = {}
        for what, key, ours, ref in values(state, k, name, row, grads):
            bad, note = beyond(ours, ref), None
            if "∇" in what:
                masks[key] = unsettled(ours, ref)
            if bad is not None and bad.any() and f32 and "∇" in what:
                if wide is None:
                    w_steps, w_grads, _ = rerun(spec, state, meta, torch.float64, stepwise=True)
                    wide = {w: o for j, (n, r) in enumerate(w_steps) for w, _, o, _ in values(state, j, n, r, w_grads)}
                again, ours64 = beyond(wide[what], ref), beyond(ours, wide[what].to(ours.dtype))
                if again is not None and not again.any():
                    note = f"ok: {int(bad.sum())} element(s) across a float32 kink; float64 agrees"
                    t.kinks += 1
                elif ours64 is not None and not ours64.any():
                    note = "ok: GanDsl's float32 across a kink; train.py's float32 and float64 agree"
                    t.their_kinks += 1
            t.row(what, ours, ref, note)
        after = under(state, f"before/{k + 1:03d}/") if k + 1 < len(steps) else under(state, "after/")
        compare_state(t, spec, left[k], after, masks if f32 else {}, f"step {k + 1} {name} leaves ")
    t.header(f"2. the whole iteration{'s' if last > int(meta['iteration']) else ''} from GanDsl's initial weights"
             + (" (float32: drifts apart from unsettled elements; shown, not judged)" if f32 else ""))
    steps, grads, left = rerun(spec, state, meta, dtype, stepwise=False)
    for k, (name, row) in enumerate(steps):
        for what, key, ours, ref in values(state, k, name, row, grads):
            if "∇" not in what:
                t.row(what, ours, ref, judged=not f32)
    compare_state(t, spec, left[-1], under(state, "after/"), {}, "after: ", judged=not f32)
    print(f"\n{t.failed} of {t.rows} outside tolerance (|Δ| ≤ {ATOL} + {RTOL}·max(1, max|ref|)); accepted for float32 effects: "
          f"{t.kinks} gradient(s) across a kink, {t.their_kinks} across one of GanDsl's, {t.unsettled} tensor(s) beyond "
          f"only on unsettled gradients; {t.drift} drifted in the free float32 run")
    return 1 if t.failed else 0
