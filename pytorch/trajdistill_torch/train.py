"""Trains the student (HOSER, vanilla or distilled) or the teacher (LM-TAD) on an export, in one
process or under torchrun (DDP: gloo on CPU, NCCL on CUDA), and writes the app's checkpoints.

  python3 -m trajdistill_torch.train student --export DIR --out FILE [--mode vanilla|distilled --teacher FILE] …
  python3 -m torch.distributed.run --nproc_per_node N -m trajdistill_torch.train teacher --export DIR --out FILE …

(torchrun is the same launcher.) The recipe is the app's (src/lib/train/studentTrainer.ts,
teacherTrainer.ts): the same losses, AdamW, warm-up + cosine schedule, clipping, seeded batch order
(length buckets for the student), validation each epoch, best epoch kept, early stopping, and
checkpoints (<out> = the best epoch's weights; <out>.partial = the whole state after every epoch,
optimiser moments included). --resume continues any checkpoint with optimiser state, the app's or
this trainer's; --init starts from a checkpoint's weights only.

Distributed: every rank builds the same global batch (same seed, same order as the app) and takes
its share; each part of the loss is a sum over the rank's rows divided by the global batch's count,
scaled by the world size, so DDP's gradient average is the gradient of the full-batch loss. Rank 0
alone writes files.
"""
import argparse
import json
import math
import os
import resource
import sys
import time
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

from . import TDError
from .batches import Batcher, to_tensors
from .checkpoint import assert_compatible, encode_checkpoint, read_checkpoint, write_checkpoint
from .export import Export
from .losses import counts, student_parts
from .optim import AdamW, lr_at, schedule
from .rng import make_rng, nested_subset, shuffle_in_place, u32
from .student import PRESETS, Student, check_route_features
from .teacher import Teacher, road_cells, trip_tokens, trip_windows

# DEFAULT_HYPER (session.ts) and THESIS_RECIPE (recipe.ts).
STUDENT_DEFAULTS = dict(mode="distilled", **{"lambda": 0.0014}, tau=4.37, window=7, alpha=1.0, lr=1e-3, batch=64, microBatch=64,
                        epochs=8, seed=42, lastStepOnly=False, noTauSquared=False, freezeEncoders=False, size="small",
                        maxLen=128, patience=0, trainFrac=1.0, teacherTarget="teacher", klMaskLastSteps=0, routes=False)
# DEFAULT_TEACHER_TRAIN (teacherTrainer.ts) with the CLI's defaults.
TEACHER_OPTIM = dict(lr=1e-3, weightDecay=0.1, beta1=0.9, beta2=0.95, eps=1e-8, minLrRatio=0.1, clipNorm=1.0)


# ---------------------------------------------------------------------------------------------
# Processes


class Comm:
    """Rank, world size and the few collectives the trainers need (no-ops in one process)."""

    def __init__(self, device_arg):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = device_arg == "cuda" or (device_arg == "auto" and torch.cuda.is_available())
        if cuda:
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")
        if self.world > 1:
            # A rank that never arrives (a lost process, a port clash) fails the job within minutes
            # instead of torch's default half hour. The same bound holds for every collective, so a
            # step slower than it would fail too: TRAJDISTILL_INIT_TIMEOUT_S overrides.
            wait = timedelta(seconds=float(os.environ.get("TRAJDISTILL_INIT_TIMEOUT_S", "180")))
            dist.init_process_group("nccl" if cuda else "gloo", timeout=wait)

    def sum(self, values):
        """Element-wise sum of a list of floats over all ranks (float64)."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def gather(self, value):
        """[value of rank 0, value of rank 1, …] for one float per rank."""
        t = torch.zeros(self.world, dtype=torch.float64, device=self.device)
        t[self.rank] = value
        return self.sum(t.tolist())

    def close(self):
        if self.world > 1 and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()


def share(idx, rank, world):
    """This rank's contiguous share of a global batch (sizes differ by at most one)."""
    return [int(i) for i in np.array_split(np.asarray(idx, dtype=np.int64), world)[rank]]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_weights(model, ck):
    """Puts checkpoint weights (torch names, torch layout) into the model; every tensor must fit."""
    own = model.state_dict()
    problems = [f"missing weight {k}" for k in own if k not in ck.weights]
    problems += [f"unexpected weight {k}" for k in ck.weights if k not in own]
    problems += [f"{k}: shape {list(ck.weights[k].shape)} in file, {list(own[k].shape)} in model" for k in own
                 if k in ck.weights and tuple(ck.weights[k].shape) != tuple(own[k].shape)]
    if problems:
        more = f" (+{len(problems) - 8} more)" if len(problems) > 8 else ""
        raise TDError(f"checkpoint weights do not fit the model: {'; '.join(problems[:8])}{more}")
    model.load_state_dict({k: torch.as_tensor(v) for k, v in ck.weights.items()})


def cpu_weights(model):
    return {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}


class Job:
    """What the two trainers share: the process group, DDP, the optimiser, timings, saving."""

    def __init__(self, args, kind):
        self.args = args
        self.kind = kind
        self.comm = Comm(args.device)
        self.device = self.comm.device
        torch.manual_seed(args.seed * 1000 + self.comm.rank)  # dropout only: weights come from rank 0's seed below
        if args.threads:
            torch.set_num_threads(args.threads)
        self.ex = Export(args.export)
        # float64 is for checking the maths (e.g. N processes against one): float32 summation noise
        # in near-zero gradients is what AdamW's normalisation would otherwise amplify.
        self.dtype = torch.float64 if args.dtype == "float64" else torch.float32
        self.step_times = []
        self.step_cpu = []  # process CPU seconds per step: a shared, loaded machine distorts wall time
        self.t_start = time.perf_counter()

    def log(self, s):
        if self.comm.rank == 0 and not self.args.quiet:
            print(s, flush=True)

    def wrap(self, model):
        """The model as the forward passes see it: DDP across ranks, itself in one process."""
        if self.comm.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel as DDP

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DDP(model, device_ids=ids)

    def broadcast_weights(self, model):
        """Fresh weights are rank 0's (DDP also broadcasts at construction; this keeps one-process
        and N-process runs on the same initialisation)."""
        if self.comm.world > 1:
            for p in model.parameters():
                dist.broadcast(p.data, 0)

    def save(self, path, data):
        if self.comm.rank == 0:
            write_checkpoint(path, data)

    def saves_after_epoch(self, epoch):
        """The whole state to <out>.partial while training goes on; the best weights to <out> at once,
        so a stopped run leaves a usable model."""
        if self.in_progress:
            self.save(self.args.out + ".partial", self.checkpoint_bytes())
        if self.best_epoch == epoch:
            self.save(self.args.out, self.checkpoint_bytes(best=True, optimizer=False))

    def best_from_out(self, best_epoch):
        """A resumed run's best weights so far: <out> holds them when it was written at that epoch
        (the trainer writes it whenever an epoch is the best yet); None otherwise."""
        if best_epoch < 0 or not os.path.exists(self.args.out):
            return None
        try:
            ck = read_checkpoint(self.args.out)
        except TDError:
            return None
        if ck.kind != self.kind or ck.hyper.get("weights") != f"best epoch {best_epoch}":
            return None
        return {k: torch.as_tensor(v) for k, v in ck.weights.items()}

    @property
    def max_steps_reached(self):
        return bool(self.args.max_steps) and len(self.step_times) >= self.args.max_steps

    def final_save(self):
        """<out>: the best epoch's weights, or the whole current state of a run cut by --max-steps
        (it can go on from there)."""
        self.save(self.args.out, self.checkpoint_bytes() if self.in_progress else self.checkpoint_bytes(best=True, optimizer=False))

    def timed(self, t0, c0):
        self.step_times.append(time.perf_counter() - t0)
        self.step_cpu.append(time.process_time() - c0)

    def summary(self, extra):
        times = self.step_times[1:] or self.step_times
        med = float(np.median(times)) if times else float("nan")
        cpu = self.step_cpu[1:] or self.step_cpu
        rss = self.comm.gather(peak_rss_mb())
        cuda_peak = torch.cuda.max_memory_allocated(self.device) / 2 ** 20 if self.device.type == "cuda" else None
        out = {"kind": self.kind, "world": self.comm.world, "device": str(self.device), "threads": torch.get_num_threads(),
               "torch": torch.__version__, "steps": len(self.step_times), "medianStepSeconds": med,
               "stepsPerSec": 1 / med if med > 0 else None,
               "medianStepCpuSeconds": float(np.median(cpu)) if cpu else None, "wallSeconds": time.perf_counter() - self.t_start,
               "peakRssMBPerRank": [round(r, 1) for r in rss], "peakCudaMB": cuda_peak, **extra}
        if self.comm.rank == 0:
            print(json.dumps(out), flush=True)


class TeacherTable:
    """The frozen teacher's probability at every candidate's cell, per train trip, computed once
    (teacherProbs.ts): windows of the last w cells, rows in chunks of 512."""

    def __init__(self, teacher, cells, window, batcher, split, device, dtype):
        self.teacher, self.cells, self.window = teacher, cells, window
        self.batcher, self.split, self.device, self.dtype = batcher, split, device, dtype
        self.cache = {}

    @torch.no_grad()
    def batch(self, trips, b):
        """[N, C] for a batch built from `trips` (export train indices)."""
        split, cfg = self.split, self.teacher.config
        missing = [i for i in trips if i not in self.cache]
        if missing:
            windows, where = [], []
            for i in missing:
                roads, L, s0 = self.batcher.trip(split, i)
                for s, w in enumerate(trip_windows(roads, L, self.cells, self.window, bool(cfg.get("collapse")),
                                                   bool(cfg.get("destination")))):
                    windows.append(w)
                    where.append((i, s0 + s))
                self.cache[i] = {}
            co, cands = np.asarray(split.candOffset), np.asarray(split.cands)
            for r0 in range(0, len(windows), 512):
                probs = torch.exp(self.teacher.next_cell_log_probs(windows[r0:r0 + 512], self.device)).to("cpu").numpy()
                for r in range(r0, min(len(windows), r0 + 512)):
                    i, step = where[r]
                    self.cache[i][step] = probs[r - r0, self.cells[cands[co[step]:co[step + 1]]]]
        out = np.zeros((b["N"], b["C"]), np.float32)
        n = 0
        for i in trips:
            _, L, s0 = self.batcher.trip(split, i)
            for s in range(L):
                q = self.cache[i][s0 + s]
                out[n, :len(q)] = q
                n += 1
        return torch.as_tensor(out, device=self.device, dtype=self.dtype)


class UniformTarget:
    """The uniform-target control (teacherProbs.ts, 'uniform'): equal values over the candidates,
    which the loss renormalises: the same KL with nothing of the teacher in it (label smoothing)."""

    def __init__(self, device, dtype):
        self.device, self.dtype = device, dtype

    def batch(self, trips, b):
        return torch.ones((b["N"], b["C"]), device=self.device, dtype=self.dtype)


def load_teacher(path, ex, device, dtype=torch.float32):
    """A frozen teacher from a checkpoint, refused unless it was made for this network and grid."""
    tk = read_checkpoint(path)
    assert_compatible(tk, "teacher", ex.fingerprint)
    if tk.config.get("vocabSize") != ex.grid["vocabSize"]:
        raise TDError(f"teacher vocabulary has {tk.config.get('vocabSize')} tokens, this dataset's grid needs {ex.grid['vocabSize']}")
    teacher = Teacher(tk.config).to(device, dtype)
    load_weights(teacher, tk)
    teacher.eval()
    return teacher, road_cells(tk.config, ex)


# ---------------------------------------------------------------------------------------------
# Student


class StudentJob(Job):
    def __init__(self, args):
        super().__init__(args, "student")
        ex = self.ex
        h = self.hyper = dict(STUDENT_DEFAULTS)
        for k, a in (("mode", "mode"), ("lambda", "lam"), ("tau", "tau"), ("alpha", "alpha"), ("lr", "lr"), ("batch", "batch"),
                     ("epochs", "epochs"), ("seed", "seed"), ("size", "size"), ("patience", "patience"), ("trainFrac", "train_frac")):
            v = getattr(args, a)
            if v is not None:
                h[k] = v
        h["microBatch"] = args.micro if args.micro is not None else h["batch"]
        h["window"] = math.inf if args.window == "all" else int(args.window) if args.window is not None else h["window"]
        h["lastStepOnly"], h["noTauSquared"], h["freezeEncoders"] = args.last_step_only, args.no_tau2, args.freeze_encoders
        h["teacherTarget"] = args.teacher_target
        h["klMaskLastSteps"] = int(args.kl_mask_last_steps)
        # The route corpus is trained on only as the export appended it (export torch --routes-seed),
        # with start times drawn with the run's own seed, as `train student --routes` does.
        tr = ex.m.get("trainRoutes")
        h["routes"] = bool(args.routes)
        if args.routes and not tr:
            raise TDError("--routes: this export's train split holds no route corpus; re-export with "
                          f"`npm run cli -- export torch … --routes-seed {h['seed']}`")
        if tr and not args.routes:
            raise TDError(f"this export's train split ends with the route corpus ({tr['trips']} untimed routes, seed "
                          f"{tr['seed']}): pass --routes to train on it, or export without --routes-seed")
        if tr and int(tr["seed"]) != int(h["seed"]):
            raise TDError(f"the export drew the routes' start times with seed {tr['seed']}, this run has seed {h['seed']}; "
                          f"re-export with --routes-seed {h['seed']}")
        h["maxLen"] = args.max_len if args.max_len is not None else int(ex.batch["maxLen"])
        if h["maxLen"] != int(ex.batch["maxLen"]):
            raise TDError(f"the export's train steps are cropped to maxLen {ex.batch['maxLen']}; re-export with "
                          f"`npm run cli -- export torch … --max-len {h['maxLen']}` to train with --max-len {h['maxLen']}")
        # The architecture: --size, else the checkpoint's being continued (any size the app trains).
        start = args.resume or args.init
        self.start_ck = read_checkpoint(start) if start else None
        if args.size is None and self.start_ck is not None and self.start_ck.kind == "student":
            self.config = dict(self.start_ck.config, freezeEncoders=h["freezeEncoders"])
            h["size"] = self.start_ck.hyper.get("size", "custom")
        else:
            self.config = dict(PRESETS[h["size"]], freezeEncoders=h["freezeEncoders"])
            if getattr(args, "route_features", False):
                # The export's spec: with Markov inputs it names their chain (route_width 4).
                self.config["routeFeatures"] = ex.route_features or {"speeds": "free-flow"}
        h["routeFeatures"] = bool(self.config.get("routeFeatures"))
        check_route_features(self.config, ex)
        self.batcher = Batcher(ex)
        train = ex.splits["train"]
        subset = nested_subset(train.n, h["trainFrac"], h["seed"])
        raw_len = np.diff(np.asarray(train.tripOffset))
        self.kept = [i for i in subset if raw_len[i] >= 2]
        if not self.kept:
            raise TDError("no training trip has two or more roads")
        self.train_steps = [int(train.steps[i]) for i in self.kept]
        self.steps_per_epoch = math.ceil(len(self.kept) / h["batch"])
        val = ex.splits["val"]
        whole = [i for i in range(val.n) if raw_len_of(val, i) >= 2]
        self.val_order = sorted(whole, key=lambda i: int(val.steps[i]))

        torch.manual_seed(h["seed"])
        self.model = Student(self.config, ex.n_roads, ex.n_types, ex.n_zones).to(self.device, self.dtype)
        self.broadcast_weights(self.model)
        if self.config["freezeEncoders"]:
            for p in self.model.road_network_encoder.parameters():
                p.requires_grad_(False)
        self.net = {k: v.to(self.dtype) if v.is_floating_point() else v for k, v in ex.network(self.device).items()}
        self.ddp = self.wrap(self.model)
        sched = schedule(h["lr"], self.steps_per_epoch * h["epochs"], 0.1)
        self.opt = AdamW(self.model.named_parameters(), sched, weight_decay=0.1, clip_norm=1.0)
        self.teacher = None
        if h["mode"] == "distilled" and h["lambda"] > 0 and h["teacherTarget"] == "uniform":
            self.teacher = UniformTarget(self.device, self.dtype)
        elif h["mode"] == "distilled" and h["lambda"] > 0:
            if not args.teacher:
                raise TDError("distilled training needs --teacher <teacher.safetensors> (or --mode vanilla)")
            teacher, cells = load_teacher(args.teacher, ex, self.device, self.dtype)
            self.teacher = TeacherTable(teacher, cells, h["window"], self.batcher, ex.splits["train"], self.device, self.dtype)
        self.epoch, self.cursor = 0, 0
        self.history, self.best_epoch, self.best_val_acc, self.best_val_nll = [], -1, -math.inf, math.inf
        self.best_weights = None
        self.stop_reason = None
        self.running = self.fresh_running()
        if args.init:
            assert_compatible(self.start_ck, "student", ex.fingerprint, self.config, ("dropout", "freezeEncoders"))
            load_weights(self.model, self.start_ck)
            self.log(f"weights from {args.init}")
        if args.resume:
            self.resume(args.resume, self.start_ck)
        self.batches = self.epoch_batches(self.epoch)
        self.cursor = min(self.cursor, len(self.batches))

    @staticmethod
    def fresh_running():
        return {"ce": 0.0, "kl": 0.0, "time": 0.0, "total": 0.0, "acc": 0.0, "n": 0, "t0": time.perf_counter()}

    @property
    def distilling(self):
        return self.teacher is not None

    @property
    def in_progress(self):
        return not self.done

    @property
    def done(self):
        p = self.hyper["patience"]
        stale = p > 0 and self.best_epoch >= 0 and self.epoch - 1 - self.best_epoch >= p
        return self.stop_reason is not None or self.epoch >= self.hyper["epochs"] or stale

    def epoch_batches(self, epoch):
        """The epoch's global batches as positions in self.kept (epochBatches in studentTrainer.ts)."""
        h = self.hyper
        rng = make_rng(u32(h["seed"] * 1_000_003 + epoch * 7919 + 1))
        idx = shuffle_in_place(list(range(len(self.kept))), rng)
        bs = h["batch"]
        win = 8 * bs
        out = []
        for w in range(0, len(idx), win):
            chunk = idx[w:w + win]
            if win > bs:
                chunk.sort(key=lambda i: self.train_steps[i])
            out += [chunk[i:i + bs] for i in range(0, len(chunk), bs)]
        return shuffle_in_place(out, rng) if win > bs else out

    def resume(self, path, ck):
        assert_compatible(ck, "student", self.ex.fingerprint, self.config, ("dropout", "freezeEncoders"))
        load_weights(self.model, ck)
        extra = ck.training.get("extra") or {}
        self.epoch = int(ck.training.get("epoch", 0))
        self.cursor = int(extra.get("cursor", 0))
        if ck.exp_avg:
            self.opt.load(ck.exp_avg, ck.exp_avg_sq, ck.optimizer_step)
        else:
            self.log(f"{path} holds no optimiser moments: AdamW starts fresh (step 0 of the schedule)")
        self.best_epoch = int(extra.get("bestEpoch", -1))
        bva = extra.get("bestValAcc")
        self.best_val_acc = bva if isinstance(bva, (int, float)) else -math.inf
        self.history = list(extra.get("history") or [])
        rec = next((r for r in self.history if r.get("epoch") == self.best_epoch), None)
        self.best_val_nll = (rec or {}).get("valNllDecision") or math.inf
        self.best_weights = self.best_from_out(self.best_epoch)
        self.log(f"resumed {path}: epoch {self.epoch}, batch {self.cursor}, optimiser step {self.opt.count}")

    # Training ------------------------------------------------------------------------------------

    def step(self):
        h = self.hyper
        t0, c0 = time.perf_counter(), time.process_time()
        if self.done:
            return None
        global_idx = [self.kept[k] for k in self.batches[self.cursor]]
        self.cursor += 1
        mine = share(global_idx, self.comm.rank, self.comm.world)
        dummy = not mine
        if dummy:  # this rank has no trip in the last, short batch: a zero-weight pass keeps DDP in step
            mine = global_idx[:1]
        split = self.ex.splits["train"]
        micro = [mine[i:i + h["microBatch"]] for i in range(0, len(mine), h["microBatch"])]
        built = [self.batcher.build(split, m) for m in micro]
        local = [0.0, 0.0, 0.0]
        if not dummy:
            for b in built:
                local = [x + y for x, y in zip(local, counts(b, self.distilling, h["lastStepOnly"], h["klMaskLastSteps"]))]
        totals = self.comm.sum(local)
        sums = torch.zeros(5, dtype=torch.float64)
        scale = 0.0 if dummy else float(self.comm.world)
        for j, (m, nb) in enumerate(zip(micro, built)):
            b = to_tensors(nb, self.device, self.dtype)
            tp = self.teacher.batch(m, nb) if self.distilling else None
            ctx = self.ddp.no_sync() if self.comm.world > 1 and j < len(micro) - 1 else _null()
            with ctx:
                logits, time_pred = self.ddp(self.net, b)
                parts = student_parts(logits, time_pred, b, self.ex.time_mean, self.ex.time_std, h, totals, tp)
                (parts[0] * scale).backward()
            if not dummy:
                sums += torch.tensor([float(x) for x in parts], dtype=torch.float64)
        total, ce, tm, kl, correct = self.comm.sum(sums.tolist())
        finite = math.isfinite(total)
        lr, norm = self.opt.next_lr, float("nan")
        if finite:
            lr, norm, finite = self.opt.step()
        for p in self.model.parameters():
            p.grad = None
        if not finite:
            self.stop_reason = f"non-finite {'gradients' if math.isfinite(total) else 'loss'} at step {self.opt.count + 1}"
        acc = correct / totals[0] if totals[0] > 0 else 0.0
        epoch_of_step = self.epoch
        epoch_end = None
        if finite:
            r = self.running
            for k, v in (("ce", ce), ("kl", kl), ("time", tm), ("total", total), ("acc", acc)):
                r[k] += v
            r["n"] += 1
            if self.cursor >= len(self.batches):
                epoch_end = self.finish_epoch()
        self.timed(t0, c0)
        return {"step": self.opt.count, "epoch": epoch_of_step, "total": total, "ce": ce, "time": tm, "kl": kl, "trainAcc": acc,
                "lr": lr, "gradNorm": norm, "finite": finite, "trips": len(global_idx), "epochEnd": epoch_end}

    @torch.no_grad()
    def evaluate(self):
        """Validation on whole val trips (evaluateTask in studentEval.ts), batches shared by ranks."""
        self.model.eval()
        enc = self.model.encode_network(self.net)
        split = self.ex.splits["val"]
        s = np.zeros(8)  # steps, correct, chance, ce, decSteps, decCorrect, decChance, decNll
        batches = [self.val_order[i:i + 64] for i in range(0, len(self.val_order), 64)]
        for j, idx in enumerate(batches):
            if j % self.comm.world != self.comm.rank:
                continue
            nb = self.batcher.build(split, idx)
            b = to_tensors(nb, self.device, self.dtype)
            logits, _ = self.model(self.net, b, enc)
            nll = -torch.log_softmax(logits, 1).gather(1, b["label"][:, None]).squeeze(1)
            pred = logits.argmax(1).cpu().numpy()
            nll = nll.double().cpu().numpy()
            keep = nb["labelMask"] > 0
            m = nb["candMask"].sum(1)
            hit = (pred == nb["label"]) & keep
            dec = keep & (m >= 2)
            s += [keep.sum(), hit.sum(), (1 / np.maximum(m, 1))[keep].sum(), nll[keep].sum(), dec.sum(), (hit & dec).sum(),
                  (1 / np.maximum(m, 1))[dec].sum(), nll[dec].sum()]
        self.model.train()
        steps, correct, chance, ce, ds, dc, dch, dn = self.comm.sum(s.tolist())
        d, dd = max(1.0, steps), max(1.0, ds)
        return {"valAcc": correct / d, "valChanceAcc": chance / d, "valCe": ce / d, "valSteps": int(steps),
                "valAccDecision": dc / dd, "valChanceAccDecision": dch / dd, "valNllDecision": dn / ds if ds > 0 else math.nan,
                "decisionSteps": int(ds)}

    def finish_epoch(self):
        r = self.running
        n = max(1, r["n"])
        rec = {"epoch": self.epoch, "ce": r["ce"] / n, "kl": r["kl"] / n, "time": r["time"] / n, "total": r["total"] / n,
               "trainAcc": r["acc"] / n, "steps": r["n"], "seconds": time.perf_counter() - r["t0"],
               "lr": lr_at(self.opt.count, self.opt.sched)}  # where the schedule stood at the epoch's last update
        if self.val_order:
            rec.update(self.evaluate())
            if (rec["valNllDecision"] if math.isfinite(rec["valNllDecision"]) else math.inf) < self.best_val_nll:
                self.best_val_nll = rec["valNllDecision"]
                self.best_val_acc = rec["valAcc"]
                self.best_epoch = self.epoch
                self.best_weights = cpu_weights(self.model)
        self.history.append(rec)
        self.epoch += 1
        self.cursor = 0
        self.batches = self.epoch_batches(self.epoch)
        self.running = self.fresh_running()
        return rec

    def checkpoint_bytes(self, best=False, optimizer=True):
        h = dict(self.hyper)
        h["window"] = h["window"] if math.isfinite(h["window"]) else "all"
        use_best = best and self.best_weights is not None
        h["weights"] = f"best epoch {self.best_epoch}" if use_best else "current"
        h["trainedWith"] = {"framework": "pytorch", "torch": torch.__version__, "world": self.comm.world, "device": self.device.type}
        weights = self.best_weights if use_best else cpu_weights(self.model)
        m, v = self.opt.state() if optimizer else (None, None)
        extra = {"cursor": self.cursor, "bestEpoch": self.best_epoch,
                 "bestValAcc": self.best_val_acc if math.isfinite(self.best_val_acc) else None, "history": self.history}
        training = {"epoch": self.epoch, "step": self.opt.count, "optimizerStep": self.opt.count if optimizer else None, "extra": extra}
        if not optimizer:
            training.pop("optimizerStep")
        return encode_checkpoint("student", weights, self.config, self.ex.fingerprint, h, training, m, v)

    def run(self):
        a, h = self.args, self.hyper
        params = sum(p.numel() for p in self.model.parameters())
        self.log(f"student ({h['size']}, {params} parameters), mode {h['mode']}, {len(self.kept)} trips, {self.steps_per_epoch} "
                 f"steps/epoch × {h['epochs']}, global batch {h['batch']} over {self.comm.world} process(es) on {self.device}")
        last = time.perf_counter()
        while not self.done:
            m = self.step()
            if m is None:
                break
            if time.perf_counter() - last > a.log_every or m["epochEnd"]:
                last = time.perf_counter()
                self.log(f"  step {m['step']} (epoch {m['epoch'] + 1}): total {m['total']:.4f} ce {m['ce']:.4f} kl {m['kl']:.4f} "
                         f"time {m['time']:.4f} acc {m['trainAcc']:.3f} lr {m['lr']:.2e}")
            e = m["epochEnd"]
            if e:
                self.log(f"epoch {e['epoch'] + 1}/{h['epochs']}: total {e['total']:.4f}, val acc {e.get('valAcc', math.nan):.4f} "
                         f"(chance {e.get('valChanceAcc', math.nan):.4f}), val decision NLL {e.get('valNllDecision', math.nan):.4f}, "
                         f"lr {e['lr']:.2e}, {e['seconds']:.1f} s")
                self.saves_after_epoch(e["epoch"])
            if self.max_steps_reached:
                break
        if self.stop_reason:
            self.log(f"training stopped: {self.stop_reason}")
        self.final_save()
        self.summary({"bestEpoch": self.best_epoch, "epochsDone": self.epoch, "optimizerStep": self.opt.count,
                      "globalBatch": h["batch"], "stopReason": self.stop_reason})
        return 1 if self.stop_reason else 0


def raw_len_of(split, i):
    return int(split.tripOffset[i + 1]) - int(split.tripOffset[i])


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


# ---------------------------------------------------------------------------------------------
# Teacher


class TeacherJob(Job):
    def __init__(self, args):
        super().__init__(args, "teacher")
        ex = self.ex
        cfg = {"vocabSize": int(ex.grid["vocabSize"]), "blockSize": args.block, "nLayer": args.layers, "nHead": args.heads,
               "nEmbd": args.embd, "dropout": args.dropout, "collapse": args.collapse}
        # Only the variants are written down, as the CLI does: a default teacher's config stays as before.
        if args.anchor == "end":
            cfg["anchor"] = "end"
        if args.destination:
            cfg["destination"] = True
        self.config = cfg
        cells = road_cells(cfg, ex)
        V = cfg["vocabSize"]
        sot, eot = V - 1, V - 2
        routes = ex.routes() if args.routes else []
        if args.routes and not routes:
            raise TDError("--routes: the export holds no routes (the dataset has no routes.csv)")
        tr, va = ex.splits["train"], ex.splits["val"]
        seqs = [trip_tokens(tr.trip_roads(i), cells, cfg, sot, eot) for i in range(tr.n)] + \
               [trip_tokens(r, cells, cfg, sot, eot) for r in routes]
        self.train = [s for s in seqs if len(s) >= 2]
        self.val = [s for s in (trip_tokens(va.trip_roads(i), cells, cfg, sot, eot) for i in range(va.n)) if len(s) >= 2]
        if not self.train:
            raise TDError("no training sequences")
        self.train_cfg = {"batchSize": args.batch, "epochs": args.epochs, "seed": args.seed,
                          "optim": dict(TEACHER_OPTIM, lr=args.lr), "warmupRatio": 0.05, "evalBatchSize": 64,
                          "patience": args.patience}
        self.batches_per_epoch = math.ceil(len(self.train) / args.batch)
        torch.manual_seed(args.seed)
        self.model = Teacher(cfg).to(self.device, self.dtype)
        self.broadcast_weights(self.model)
        self.ddp = self.wrap(self.model)
        o = self.train_cfg["optim"]
        sched = schedule(o["lr"], self.batches_per_epoch * args.epochs, 0.05, o["minLrRatio"])
        self.opt = AdamW(self.model.named_parameters(), sched, o["weightDecay"], o["beta1"], o["beta2"], o["eps"], o["clipNorm"])
        self.epoch, self.batch_in_epoch = 0, 0
        self.history, self.best_epoch, self.best_val_loss, self.best_weights = [], -1, math.inf, None
        self.status, self.message = "running", None
        if args.init:
            ck = read_checkpoint(args.init)
            assert_compatible(ck, "teacher", ex.fingerprint, cfg)
            load_weights(self.model, ck)
        if args.resume:
            self.resume(args.resume)
        self.start_epoch(keep_position=True)

    def resume(self, path):
        ck = read_checkpoint(path)
        assert_compatible(ck, "teacher", self.ex.fingerprint, self.config)
        load_weights(self.model, ck)
        if ck.exp_avg:
            self.opt.load(ck.exp_avg, ck.exp_avg_sq, ck.optimizer_step)
        extra = ck.training.get("extra") or {}
        self.epoch = int(ck.training.get("epoch", 0))
        self.history = list(extra.get("history") or [])
        self.best_epoch = int(extra.get("bestEpoch", -1))
        bvl = extra.get("bestValLoss")
        self.best_val_loss = bvl if isinstance(bvl, (int, float)) else math.inf
        self.best_weights = self.best_from_out(self.best_epoch)
        self.batch_in_epoch = int(extra.get("batchInEpoch", 0))
        if self.epoch >= self.args.epochs:
            self.status = "done"
        self.log(f"resumed {path}: epoch {self.epoch}, batch {self.batch_in_epoch}, optimiser step {self.opt.count}")

    @property
    def in_progress(self):
        return self.status == "running"

    def start_epoch(self, keep_position=False):
        self.order = shuffle_in_place(list(range(len(self.train))), make_rng(u32(self.args.seed * 1_000_003 + self.epoch * 7_919)))
        if not keep_position:
            self.batch_in_epoch = 0
        self.loss_sum, self.tokens, self.epoch_t0 = 0.0, 0, time.perf_counter()

    def step(self):
        t0, c0 = time.perf_counter(), time.process_time()
        bs = self.args.batch
        idx = self.order[self.batch_in_epoch * bs:(self.batch_in_epoch + 1) * bs]
        mine = share(idx, self.comm.rank, self.comm.world)
        scale = float(self.comm.world)
        if not mine:
            mine, scale = idx[:1], 0.0
        seqs = [self.train[i] for i in mine]
        cap = self.config["blockSize"] + 1
        local = 0 if scale == 0 else sum(sum(1 for t in s[1:cap] if t != self.model.pad) for s in seqs)
        (tokens,) = self.comm.sum([float(local)])
        batch = self.model.pad_batch(seqs, self.device)
        logp = self.ddp(batch[:, :-1], batch[:, 1:])  # through DDP: its forward arms the gradient all-reduce
        loss_local = -logp.sum() / max(tokens, 1.0)
        (loss_local * scale).backward()
        (loss,) = self.comm.sum([float(loss_local) if scale else 0.0])
        lr, norm, finite = (self.opt.next_lr, float("nan"), False) if not math.isfinite(loss) else self.opt.step()
        for p in self.model.parameters():
            p.grad = None
        metrics = {"step": self.opt.count, "epoch": self.epoch, "batchInEpoch": self.batch_in_epoch, "loss": loss, "lr": lr,
                   "gradNorm": norm, "tokens": tokens, "sequences": len(idx)}
        if not finite:
            self.status = "diverged"
            self.message = f"non-finite {'training loss' if not math.isfinite(loss) else 'gradient norm'} at step {self.opt.count + 1}"
            self.timed(t0, c0)
            return metrics
        self.loss_sum += loss * tokens
        self.tokens += tokens
        self.batch_in_epoch += 1
        if self.batch_in_epoch >= self.batches_per_epoch:
            metrics["epochEnd"] = self.end_epoch()
        self.timed(t0, c0)
        return metrics

    @torch.no_grad()
    def evaluate(self):
        if not self.val:
            return math.nan, math.nan
        self.model.eval()
        s = [0.0, 0.0]
        eb = self.train_cfg["evalBatchSize"]
        for j, i in enumerate(range(0, len(self.val), eb)):
            if j % self.comm.world != self.comm.rank:
                continue
            lp = self.model.target_log_probs(self.val[i:i + eb], self.device)
            s[0] -= float(lp.double().sum())
            s[1] += lp.numel()
        self.model.train()
        total, count = self.comm.sum(s)
        loss = total / max(count, 1)
        return loss, math.exp(loss)

    def end_epoch(self):
        vl, vp = self.evaluate()
        log = {"epoch": self.epoch, "trainLoss": self.loss_sum / max(self.tokens, 1), "valLoss": vl, "valPerplexity": vp,
               "seconds": time.perf_counter() - self.epoch_t0}
        self.history.append(log)
        if self.val and not math.isfinite(vl):
            self.status, self.message = "diverged", f"non-finite validation loss after epoch {self.epoch}"
            return log
        score = vl if self.val else -self.epoch
        if score < self.best_val_loss:
            self.best_val_loss, self.best_epoch, self.best_weights = score, self.epoch, cpu_weights(self.model)
        self.epoch += 1
        stale = self.epoch - 1 - self.best_epoch if self.best_epoch >= 0 else 0
        if self.epoch >= self.args.epochs:
            self.status = "done"
        elif self.args.patience is not None and self.val and stale >= self.args.patience:
            self.status, self.message = "done", f"early stop: no better validation loss for {stale} epochs"
        else:
            self.start_epoch()
        return log

    def checkpoint_bytes(self, best=False, optimizer=True):
        use_best = best and self.best_weights is not None
        weights = self.best_weights if use_best else cpu_weights(self.model)
        m, v = self.opt.state() if optimizer else (None, None)
        extra = {"batchInEpoch": self.batch_in_epoch, "bestEpoch": self.best_epoch,
                 "bestValLoss": self.best_val_loss if math.isfinite(self.best_val_loss) else None, "history": self.history}
        training = {"epoch": self.epoch, "step": self.opt.count, "extra": extra}
        if optimizer:
            training["optimizerStep"] = self.opt.count
        hyper = {"seed": self.args.seed, "dataset": self.ex.m.get("dataset"), "train": self.train_cfg,
                 "weights": f"best epoch {self.best_epoch}" if use_best else "current",
                 "trainedWith": {"framework": "pytorch", "torch": torch.__version__, "world": self.comm.world, "device": self.device.type}}
        return encode_checkpoint("teacher", weights, self.config, self.ex.fingerprint, hyper, training, m, v)

    def run(self):
        a = self.args
        params = sum(p.numel() for p in self.model.parameters())
        self.log(f"teacher {a.layers}×{a.heads}×{a.embd}, vocab {self.config['vocabSize']}, {params} parameters; {len(self.train)} "
                 f"sequences, {self.batches_per_epoch} batches/epoch × {a.epochs}, global batch {a.batch} over {self.comm.world} "
                 f"process(es) on {self.device}")
        last = time.perf_counter()
        while self.status == "running":
            m = self.step()
            if time.perf_counter() - last > a.log_every:
                last = time.perf_counter()
                self.log(f"  step {m['step']} (epoch {m['epoch'] + 1}): loss {m['loss']:.4f} lr {m['lr']:.2e}")
            e = m.get("epochEnd")
            if e:
                self.log(f"epoch {e['epoch'] + 1}/{a.epochs}: train loss {e['trainLoss']:.4f}, val loss {e['valLoss']:.4f}, "
                         f"val perplexity {e['valPerplexity']:.2f} ({e['seconds']:.1f} s)")
                self.saves_after_epoch(e["epoch"])
            if self.max_steps_reached:
                break
        if self.message:
            self.log(self.message)
        self.final_save()
        self.summary({"bestEpoch": self.best_epoch, "epochsDone": self.epoch, "optimizerStep": self.opt.count,
                      "globalBatch": a.batch, "status": self.status})
        return 1 if self.status == "diverged" else 0


# ---------------------------------------------------------------------------------------------
# Command line


def parser():
    p = argparse.ArgumentParser(prog="python3 -m trajdistill_torch.train", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--export", required=True, help="folder written by `npm run cli -- export torch`")
    common.add_argument("--out", required=True, help="checkpoint to write (.safetensors); <out>.partial after every epoch")
    common.add_argument("--resume", help="continue a checkpoint with training state (the app's, the CLI's or this trainer's)")
    common.add_argument("--init", help="start from a checkpoint's weights (no optimiser state)")
    common.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    common.add_argument("--threads", type=int, default=0, help="torch intra-op threads per process (0: torch's default)")
    common.add_argument("--max-steps", type=int, default=0, help="stop after N updates and write the whole state to <out>")
    common.add_argument("--log-every", type=float, default=10.0, help="seconds between progress lines")
    common.add_argument("--quiet", action="store_true")
    common.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="float64 to check the maths; checkpoints are float32 either way")
    s = sub.add_parser("student", parents=[common])
    s.add_argument("--mode", choices=["vanilla", "distilled"])
    s.add_argument("--teacher", help="teacher checkpoint for --mode distilled")
    s.add_argument("--lambda", dest="lam", type=float)
    s.add_argument("--tau", type=float)
    s.add_argument("--window", help="teacher window w (cells) or 'all'")
    s.add_argument("--alpha", type=float)
    s.add_argument("--lr", type=float)
    s.add_argument("--batch", type=int, help="trips per optimiser step, over all processes")
    s.add_argument("--micro", type=int, help="trips per forward/backward pass in one process (gradient accumulation)")
    s.add_argument("--epochs", type=int)
    s.add_argument("--seed", type=int)
    s.add_argument("--size", choices=list(PRESETS))
    s.add_argument("--route-features", action="store_true",
                   help="the navigator also reads each candidate's route features (an export written with --route-features)")
    s.add_argument("--max-len", type=int)
    s.add_argument("--patience", type=int)
    s.add_argument("--train-frac", type=float)
    s.add_argument("--last-step-only", action="store_true")
    s.add_argument("--no-tau2", action="store_true")
    s.add_argument("--freeze-encoders", action="store_true")
    s.add_argument("--teacher-target", choices=["teacher", "uniform"], default="teacher",
                   help="uniform: the same KL towards a uniform distribution over the candidates (the control; no --teacher)")
    s.add_argument("--kl-mask-last-steps", type=int, default=0, help="no KL on each trip's last N steps")
    s.add_argument("--routes", action="store_true",
                   help="train on the route corpus the export appended to the train split (export torch --routes-seed <seed>)")
    t = sub.add_parser("teacher", parents=[common])
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--layers", type=int, default=2)
    t.add_argument("--heads", type=int, default=4)
    t.add_argument("--embd", type=int, default=64)
    t.add_argument("--block", type=int, default=256)
    t.add_argument("--dropout", type=float, default=0.1)
    t.add_argument("--collapse", action="store_true")
    t.add_argument("--anchor", choices=["centroid", "end"], default="centroid")
    t.add_argument("--destination", action="store_true")
    t.add_argument("--routes", action="store_true", help="add the export's untimed routes to the training sequences")
    t.add_argument("--patience", type=int)
    return p


# Jobs of multi-process runs, kept alive to the end: see the note at the bottom of this file.
_KEEP = []


def main(argv=None):
    args = parser().parse_args(argv)
    if args.what == "student" and args.seed is None:
        args.seed = STUDENT_DEFAULTS["seed"]
    job = None
    try:
        job = StudentJob(args) if args.what == "student" else TeacherJob(args)
        if job.comm.world > 1:
            _KEEP.append(job)
        return job.run()
    except TDError as e:
        if int(os.environ.get("RANK", "0")) == 0:
            print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        if job is not None:
            job.comm.close()


if __name__ == "__main__":
    code = main()
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # torch 1.13 can deadlock tearing DDP down: the Reducer's destructor joins gloo's worker
        # thread, which waits for the GIL to free a tensor (seen in gdb at interpreter exit, and
        # again when main()'s frame dropped the last reference to the job: so _KEEP holds it).
        # Every output is written and the process group destroyed by now, so a rank leaves
        # without running destructors.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
