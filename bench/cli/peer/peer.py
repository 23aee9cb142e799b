#!/usr/bin/env python3
"""PyTorch (CPU) peer of our student (HOSER, models/student.ts) for the side-by-side benchmark (`npm run bench -- --peer`).

Reads the export written by `npx tsx bench/scripts/peer-export.ts DIR` (bench/suites/peerExport.ts
documents the format: manifest.json + data.bin) and offers:

  python3 bench/cli/peer/peer.py DIR check   one JSON line: loss / gradient norm on the training batch,
                                          log-probs of the timed scoring batch, and a replay of
                                          our recorded beam search (every step's selection)
  python3 bench/cli/peer/peer.py DIR serve [THREADS [DEVICE]]   reads commands on stdin, one per line ("check", "train",
                                          "gen", "quit") and answers each with one JSON line
                                          ({"ms": …} for train and gen)

"train" = one training step on the exported batch: forward, CE + time loss, backward, global-norm
clipping and an AdamW update (torch.optim.AdamW). "gen" = one search step's scoring: the
trajectory encoder, navigator and time head for the exported batch of prefixes on cached
road/zone encodings, log-softmax, values copied out. The model is the PyTorch package's Student
(pytorch/trajdistill_torch/student.py): same maths as ours, written the plain PyTorch way
(index_add_ for message passing, full graph, no fused kernels). DEVICE (default cpu) is torch's
device for the model and every batch: `cuda` on a GPU machine (bench/gpu/); each timed command
ends with its values on the host, so its time includes the device's work.
"""
import ctypes
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch

# The model and the loss are the PyTorch package's (pytorch/trajdistill_torch), which trains at scale.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "pytorch"))
from trajdistill_torch.losses import student_parts  # noqa: E402
from trajdistill_torch.student import Student  # noqa: E402


class Export:
    def __init__(self, d):
        with open(f"{d}/manifest.json") as f:
            self.m = json.load(f)
        self.raw = np.fromfile(f"{d}/data.bin", dtype=np.uint8)

    def _arr(self, e):
        dt = np.float32 if e["dtype"] == "f32" else np.int32
        n = int(np.prod(e["shape"])) if e["shape"] else 1
        a = np.frombuffer(self.raw, dtype=dt, count=n, offset=e["offset"]).reshape(e["shape"])
        return torch.from_numpy(a.copy()).long() if dt == np.int32 else torch.from_numpy(a.copy())

    def weight(self, name):
        return self._arr(self.m["weights"][name])

    def array(self, name):
        return self._arr(self.m["arrays"][name])

    def batch(self, prefix):
        fields = ["lengths", "roadIds", "zoneIds", "timeFeat", "distMat", "gapMat", "stepPos", "destZone",
                  "candIds", "candMask", "candFeat", "label", "labelMask", "timeLabel", "timeMask"]
        return {f: self.array(f"{prefix}/{f}") for f in fields}


def loss_of(model, net, b, time_mean, time_std, alpha):
    """CE + α·time over the batch (the student's loss without distillation), the package's loss."""
    totals = [float(b["labelMask"].sum()), float(b["timeMask"].sum()), 0.0]
    o = {"alpha": alpha, "lambda": 0.0, "tau": 1.0, "lastStepOnly": False, "noTauSquared": False}
    logits, time_pred = model(net, b)
    total, ce, tl, _, _ = student_parts(logits, time_pred, b, time_mean, time_std, o, totals)
    return total, ce, tl


class Peer:
    def __init__(self, d, device="cpu"):
        self.device = torch.device(device)
        self.ex = Export(d)
        m = self.ex.m
        if m.get("schema") != "trajdistill-peer/2":
            raise SystemExit(f"{d}: peer export schema {m.get('schema')!r}, expected 'trajdistill-peer/2' (re-export)")
        # The package's Student loads the exported state_dict (torch names and layout).
        n_types = self.ex.weight("road_network_encoder.type_emb.weight").shape[0]
        self.model = Student(m["config"], m["nRoads"], n_types, m["nZones"])
        self.model.load_state_dict({n: self.ex.weight(n) for n in m["weights"]})
        self.model.to(self.device)
        a = self.ex.array
        self.net = {"lenZ": a("road/lenZ"), "typeId": a("road/typeId"), "lonZ": a("road/lonZ"), "latZ": a("road/latZ"),
                    "gatSrc": a("roadGraph/src"), "gatDst": a("roadGraph/dst"), "gatAttr": a("roadGraph/attr"),
                    "gcnSrc": a("zoneGraph/src"), "gcnDst": a("zoneGraph/dst"), "gcnWeight": a("zoneGraph/weight")}
        self.net = self.on_device(self.net)
        self.train_batch = self.on_device(self.ex.batch("train"))
        self.gen_batch = self.on_device(self.ex.batch("gen"))
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        t = m["train"]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": t["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}], lr=t["lr"])
        self.enc = None

    def on_device(self, arrays):
        return {k: v.to(self.device) for k, v in arrays.items()}

    def loss(self):
        m = self.ex.m
        return loss_of(self.model, self.net, self.train_batch, m["timeMean"], m["timeStd"], m["alpha"])

    def train_step(self):
        self.opt.zero_grad(set_to_none=True)
        total, ce, tl = self.loss()
        total.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.ex.m["train"]["clipNorm"])
        self.opt.step()
        return float(total), float(ce), float(tl), float(norm)

    def encodings(self):
        if self.enc is None:
            with torch.no_grad():
                self.enc = self.model.encode_network(self.net)
        return self.enc

    def score(self, b):
        with torch.no_grad():
            logits, time_pred = self.model(self.net, b, self.encodings())
            return torch.log_softmax(logits, 1).cpu().numpy().copy(), time_pred.cpu().numpy().copy()

    def replay_search(self):
        """Our recorded beam search, step by step: the peer scores each step's batch and selects the
        next beams itself (same rules as generate/search.ts beamSearch); every step's queries must be
        the peer's own beams, and its routes must be ours."""
        s = self.ex.m["search"]
        width = s["beam"]
        ods = s["ods"]
        beams = [[([od["origin"]], 0.0)] for od in ods]
        result = [None] * len(ods)
        for i, st in enumerate(s["steps"]):
            live = [j for j in range(len(ods)) if result[j] is None]
            expect = [(q["od"], q["prefix"]) for q in st["queries"]]
            mine = [(j, roads) for j in live for roads, _ in beams[j]]
            if expect != mine:
                return {"agree": False, "step": i, "why": "the queries of this step are not the peer's beams"}
            lp, _ = self.score(self.on_device(self.ex.batch(f"search/{i}")))
            cand = self.ex.array(f"search/{i}/candIds").numpy()
            mask = self.ex.array(f"search/{i}/candMask").numpy()
            qi = 0
            for j in live:
                children = []
                for roads, parent_lp in beams[j]:
                    for c in range(cand.shape[1]):
                        if mask[qi, c] == 0:
                            continue
                        road = int(cand[qi, c])
                        v = parent_lp + float(lp[qi, c])
                        if not math.isfinite(v) or road in roads:
                            continue
                        children.append((roads, road, v))
                    qi += 1
                children.sort(key=lambda ch: -ch[2])  # stable, as ours
                nxt, ends = [], set()
                for roads, road, v in children:
                    if len(nxt) >= width:
                        break
                    if road in ends:
                        continue
                    ends.add(road)
                    nxt.append((roads + [road], v))
                beams[j] = nxt
                hit = [h for h in nxt if h[0][-1] == ods[j]["dest"]]
                if hit:
                    result[j] = {"roads": hit[0][0], "reached": True}
                elif not nxt:
                    result[j] = {"roads": None, "reached": False}
        ours = s["routes"]
        agree = all(
            (r is not None and r["roads"] == o["roads"] and o["reached"]) or (r is None and not o["reached"]) or (r is not None and not r["reached"] and not o["reached"])
            for r, o in zip(result, ours)
        )
        return {"agree": agree, "steps": len(s["steps"]), "reached": sum(1 for r in result if r and r["reached"]), "ods": len(ods)}


def check(peer):
    """Agreement with ours: loss parts and gradient norm at the exported weights (before any update),
    the timed batch's log-probs, and the replayed beam search."""
    peer.enc = None
    with torch.no_grad():
        total, ce, tl = peer.loss()
    peer.opt.zero_grad(set_to_none=True)
    t2, _, _ = peer.loss()
    t2.backward()
    norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in peer.model.parameters() if p.grad is not None))
    peer.opt.zero_grad(set_to_none=True)
    lp, _ = peer.score(peer.gen_batch)
    ours_lp = peer.ex.array("gen/oursLogProbs").numpy()
    mask = peer.ex.array("gen/candMask").numpy() > 0
    gen_diff = float(np.max(np.abs(lp[mask] - ours_lp[mask])))
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "total": float(total), "ce": float(ce), "time": float(tl),
            "gradNorm": norm, "ours": peer.ex.m["train"]["ours"], "genMaxAbsLogProbDiff": gen_diff, "search": peer.replay_search()}


def pin_openblas_threads(n):
    """OpenBLAS keeps its own thread pool, which torch.set_num_threads does not size: hold it to the
    peer's thread count too (one core means one core)."""
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def blas():
    """The peer's BLAS, honestly: torch's build settings (torch.__config__.show(), its BLAS lines),
    the BLAS/LAPACK libraries actually mapped into this process, OpenBLAS's own configuration and
    the core type it chose when it is one of them, and every OPENBLAS_* setting it runs under
    (OPENBLAS_CORETYPE picks the kernels, so a figure without it is not comparable)."""
    show = torch.__config__.show()
    # The BLAS lines (the long "Build settings" line is reduced to its BLAS/LAPACK/MKL keys below),
    # and the vector width of torch's own CPU kernels.
    lines = [l.strip() for l in show.splitlines() if re.search(r"blas|lapack|mkl|cpu capability", l, re.I) and "Build settings" not in l]
    build = dict(re.findall(r"\b(\w*(?:BLAS|LAPACK|MKL)\w*)=([^,\s]+)", show))
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if path.startswith("/") and re.search(r"blas|lapack|mkl", os.path.basename(path), re.I):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    openblas = None
    for lib in sorted(libs):
        if "openblas" not in os.path.basename(lib):
            continue
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_config.restype = ctypes.c_char_p
            so.openblas_get_corename.restype = ctypes.c_char_p
            openblas = {"library": lib, "config": so.openblas_get_config().decode(), "core": so.openblas_get_corename().decode(),
                        "threads": so.openblas_get_num_threads()}
            break
        except (OSError, AttributeError):
            continue
    packages = {}
    for lib in sorted(libs):
        try:
            r = subprocess.run(["dpkg-query", "-S", lib], capture_output=True, text=True, timeout=10)
            if r.returncode == 0:
                packages[lib] = r.stdout.split(":")[0]
        except (OSError, subprocess.SubprocessError):
            break
    return {
        "build": build,
        "configLines": lines,
        "libraries": sorted(libs),
        "packages": packages,
        "openblas": openblas,
        "mkl": torch.backends.mkl.is_available(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")},
    }


def main():
    d, cmd = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    torch.set_num_threads(threads)
    pin_openblas_threads(threads)
    peer = Peer(d, device)
    if cmd == "check":
        print(json.dumps(check(peer)), flush=True)
        return
    if cmd == "serve":
        peer.encodings()
        gpu = torch.cuda.get_device_name(peer.device) if peer.device.type == "cuda" else None
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas(),
                          "device": str(peer.device), "gpu": gpu}), flush=True)
        for line in sys.stdin:
            c = line.strip()
            if c == "quit":
                break
            t0 = time.perf_counter()
            if c == "check":
                print(json.dumps(check(peer)), flush=True)
                continue
            if c == "train":
                peer.train_step()
            elif c == "gen":
                peer.score(peer.gen_batch)
            else:
                print(json.dumps({"error": f"unknown command {c}"}), flush=True)
                continue
            print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
        return
    raise SystemExit(f"unknown command {cmd}; use check or serve")


if __name__ == "__main__":
    main()
