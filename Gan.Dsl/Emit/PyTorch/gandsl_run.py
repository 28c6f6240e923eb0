# train.py's command line, written by `gan emit pytorch`: a training run (one process, or each rank under torchrun) with
# GanDsl's log.csv and safetensors checkpoints, and --replay (gandsl_replay.py).
import argparse
import datetime
import json
import math
import os
import shutil
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import gandsl_data
from gandsl_replay import replay
from gandsl_step import Draws
from gandsl_train import SyncedBatchNorm, Trainer, batch_norms, build, checkpoint, draw_samples, fixed_latents, load_weights


def parse(spec, argv):
    p = argparse.ArgumentParser(prog="train.py", description=f"Trains {spec.NAME} as GanDsl does; under torchrun each rank "
                                "takes its share of the spec's (global) batch.")
    p.add_argument("--out", metavar="DIR", help="the run folder (default runs/NAME-TIME): log.csv, checkpoints/, samples/")
    p.add_argument("--steps", type=int, metavar="N", help="iterations (instead of the schedule's length)")
    p.add_argument("--epochs", type=int, metavar="N", help="passes over the data (instead of the schedule's length)")
    p.add_argument("--batch", type=int, metavar="N", help="the global batch (default: the spec's)")
    p.add_argument("--seed", type=int, metavar="N", help="the run seed (default: the spec's)")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when available (torchrun: each rank its GPU)")
    p.add_argument("--data", metavar="DIR", help="GanDsl's dataset cache (default $GANDSL_DATA, else ~/.cache/gandsl)")
    p.add_argument("--init", metavar="FILE", help="start from weights in a .safetensors file (NET.<key>, as gan export or a checkpoint)")
    p.add_argument("--log-every", type=int, default=1, metavar="N", help="a log.csv row every N iterations, and the first and last")
    p.add_argument("--sync-bn", action="store_true", help="BatchNorm statistics over the global batch (torchrun, CUDA)")
    p.add_argument("--replay", metavar="FILE", help="re-run the iteration GanDsl recorded in FILE and compare (exit 1: differs)")
    return p.parse_args(argv)


def main(spec, argv=None):
    args = parse(spec, argv)
    if args.replay:
        return replay(spec, args.replay)
    if args.steps is not None and args.epochs is not None:
        raise SystemExit("give --steps or --epochs, not both")
    return run(spec, args)


def start(args):
    """(rank, world, device): torchrun's (RANK set: gloo on the CPU, nccl on GPUs), else one process."""
    if "RANK" not in os.environ:
        return 0, 1, torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    cuda = torch.cuda.is_available() and args.device != "cpu"
    dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0))) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    return dist.get_rank(), dist.get_world_size(), device


def run(spec, args):
    rank, world, device = start(args)
    s = spec.SCHEDULE
    batch, seed = args.batch or s.batch, s.seed if args.seed is None else args.seed
    if batch % world:
        raise SystemExit(f"the batch of {batch} does not split over {world} ranks; give --batch a multiple of {world}")
    steps = args.steps if args.steps is not None else (0 if args.epochs is not None else s.steps)
    epochs = args.epochs if args.epochs is not None else (s.epochs if steps == 0 else 0)
    torch.manual_seed(seed)                                   # the same initial weights on every rank
    nets = build(spec, device)
    if args.init:
        loaded = load_weights(nets, args.init)
        if rank == 0:
            print(f"--init: {', '.join(loaded)} from {args.init}")
    if args.sync_bn:
        if world == 1 or device.type != "cuda":
            raise SystemExit("--sync-bn needs torchrun on GPUs: PyTorch's SyncBatchNorm works on CUDA modules only")
        for net in nets.values():
            for bn in batch_norms(net):
                bn.__class__ = SyncedBatchNorm
    calls = dict(nets)
    if world > 1:
        trained = {n for o in spec.OPTIMIZERS.values() for n in o.networks}
        ids = [device.index] if device.type == "cuda" else None
        # In the same order on every rank (a set's order differs between processes). BatchNorm's running statistics stay
        # per rank: re-broadcasting them before each forward breaks a step with two forwards of a network.
        for name in [n for n in nets if n in trained]:
            calls[name] = DistributedDataParallel(nets[name], device_ids=ids, broadcast_buffers=not batch_norms(nets[name]))
        torch.manual_seed(seed + 1000003 * rank)              # each rank its own layer noise
    draws = Draws(seed + 17 + 1009 * rank, device)            # each rank its own latents
    trainer = Trainer(spec, nets, device, draws, batch, calls)
    x, y = gandsl_data.load(spec.DATA, seed, args.data)
    batches = gandsl_data.Batches(x, y, batch // world, seed, s.drop_last, spec.DATA.get("flip", False), rank, world)
    total = steps if steps > 0 else epochs * batches.batches_per_epoch // trainer.batches_per_iteration(0)
    out = args.out or os.path.join("runs", f"{spec.NAME}-{datetime.datetime.now():%Y%m%d-%H%M%S}")
    columns = list(dict.fromkeys([o.loss for o in spec.OPTIMIZERS.values()] + list(spec.LOSSES))) + ["d_real", "d_fake"]
    meta = {"format": "pt", "gandsl.spec": spec.NAME, "gandsl.networks": ",".join(nets), "gandsl.names": "pytorch",
            "gandsl.writer": f"train.py on PyTorch {torch.__version__}, {world} process(es)"}
    if rank == 0:
        if os.path.exists(os.path.join(out, "log.csv")):
            raise SystemExit(f"{out} already holds a run (log.csv); choose another --out")
        os.makedirs(out, exist_ok=True)
        spec_hash = copy_spec(spec, out, {"seed": seed, "batch": batch, "epochs": epochs, "steps": steps, "device": device.type,
                                          "log_every": args.log_every})
        if spec_hash:
            meta["gandsl.spec_sha256"] = spec_hash
        with open(os.path.join(out, "log.csv"), "w") as f:
            f.write(",".join(["step", "epoch"] + columns + ["images_per_s", "elapsed_s"]) + "\n")
        # A picture: the grid's samples, or as many points as the 2-D data has (as GanDsl draws them).
        picture = spec.DATA["count"] if spec.DATA["kind"] == "gaussian2d" else spec.SAMPLING.rows * spec.SAMPLING.cols
        latents = fixed_latents(spec, picture, seed, device)

    def done(t):
        return t >= steps if steps > 0 else batches.epoch >= epochs or (batches.epoch == epochs - 1 and batches.exhausted())

    def last(t):
        if steps > 0:
            return t + 1 >= steps
        left = (epochs - 1 - batches.epoch) * batches.batches_per_epoch + batches.batches_left()
        return left <= trainer.batches_per_iteration(t)

    def save(t):
        if rank == 0:
            checkpoint(nets, os.path.join(out, "checkpoints", f"step-{t:07d}.safetensors"),
                       dict(meta, **{"gandsl.step": str(t), "gandsl.epoch": str(batches.epoch)}))
        if world > 1:
            dist.barrier()                                    # rank 0's writing before anyone goes on

    t, clock, since, since_t = 0, time.time(), time.time(), 0
    images = batch * sum(e.repeat for e in s.order)
    while not done(t):
        log = (t + 1) % args.log_every == 0 or t == 0 or last(t)
        rows = trainer.iteration(t, total, batches.next, log)
        t += 1
        if log:
            row = {}
            for _, r in rows:
                row.update(r)
            nan = torch.tensor(float("nan"), device=device)
            values = torch.stack([row.get(c, nan).float().reshape(()) for c in columns])
            if world > 1:
                dist.all_reduce(values)                       # SUM, then divide (ReduceOp.AVG is NCCL-only)
                values /= world
            values = values.tolist()
            for name, v in zip(columns, values):
                if name in (o.loss for o in spec.OPTIMIZERS.values()) and name in row and not math.isfinite(v):
                    raise SystemExit(f"loss '{name}' became {v} at step {t}; lower the learning rate or check the spec")
            if rank == 0:
                rate = images * (t - since_t) / max(time.time() - since, 1e-9)
                since, since_t = time.time(), t
                cells = [str(t), str(batches.epoch)] + ["" if math.isnan(v) else repr(v) for v in values]
                with open(os.path.join(out, "log.csv"), "a") as f:
                    f.write(",".join(cells + [repr(rate), repr(time.time() - clock)]) + "\n")
        if rank == 0 and s.sample_every and t % s.sample_every == 0:
            draw_samples(trainer, latents, os.path.join(out, "samples", f"step-{t:07d}.safetensors"))
        if s.checkpoint_every and t % s.checkpoint_every == 0:
            save(t)
    if rank == 0 and not (s.sample_every and t % s.sample_every == 0):
        draw_samples(trainer, latents, os.path.join(out, "samples", f"step-{t:07d}.safetensors"))
    if not (s.checkpoint_every and t % s.checkpoint_every == 0):
        save(t)
    if rank == 0:
        print(f"trained {t} iterations in {time.time() - clock:.1f} s on {world} process(es): {out}")
    if world > 1:
        dist.destroy_process_group()
    return 0


def copy_spec(spec, out, settings):
    """Copies spec/ (the spec, the files it uses, params.json, as gan emit pytorch wrote them beside train.py) into the run
    folder, with this run's settings in params.json, so that gan sample, eval, export and apply read the run. Returns the
    spec's hash (None when train.py was emitted without spec/)."""
    source = os.path.join(os.path.dirname(os.path.abspath(spec.__file__)), "spec")
    params_path = os.path.join(out, "params.json")
    if not os.path.exists(os.path.join(source, "params.json")):
        return None
    shutil.copytree(source, out, dirs_exist_ok=True)
    with open(params_path) as f:
        params = json.load(f)
    params.update(settings)
    params["started_utc"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    params.setdefault("versions", {})["pytorch"] = torch.__version__
    with open(params_path + ".tmp", "w") as f:
        json.dump(params, f, indent=2)
    os.replace(params_path + ".tmp", params_path)
    return params.get("spec_sha256")
