#!/usr/bin/env python3
"""PyTorch (CPU) peer of our student (HOSER, models/student.ts) for the side-by-side benchmark (`npm run bench -- --peer`).

Reads the export written by `npx tsx scripts/peer-export.ts DIR` (src/lib/bench/peerExport.ts
documents the format: manifest.json + data.bin) and offers:

  python3 bench/peer/peer.py DIR check   one JSON line: loss / gradient norm on the training batch,
                                          log-probs of the timed scoring batch, and a replay of
                                          our recorded beam search (every step's selection)
  python3 bench/peer/peer.py DIR serve   reads commands on stdin, one per line ("check", "train",
                                          "gen", "quit") and answers each with one JSON line
                                          ({"ms": …} for train and gen)

"train" = one training step on the exported batch: forward, CE + time loss, backward, global-norm
clipping and an AdamW update (torch.optim.AdamW). "gen" = one search step's scoring: the
trajectory encoder, navigator and time head for the exported batch of prefixes on cached
road/zone encodings, log-softmax, values copied out. Same maths as ours, written the plain
PyTorch way (index_add_ for message passing, full graph, no fused kernels).
"""
import json
import math
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

NEG = -1e9
warnings.filterwarnings("ignore", message="scatter_reduce")


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


def gelu(x):
    return F.gelu(x)  # exact (erf), as ours


class Student(torch.nn.Module):
    def __init__(self, ex: Export):
        super().__init__()
        self.cfg = ex.m["config"]
        names = list(ex.m["weights"].keys())
        self.p = torch.nn.ParameterDict({n.replace("/", "__"): torch.nn.Parameter(ex.weight(n)) for n in names})
        self.road_len = ex.array("road/lenZ")
        self.road_type = ex.array("road/typeId")
        self.road_lon = ex.array("road/lonZ")
        self.road_lat = ex.array("road/latZ")
        self.rsrc = ex.array("roadGraph/src")
        self.rdst = ex.array("roadGraph/dst")
        self.rattr = ex.array("roadGraph/attr")
        self.zsrc = ex.array("zoneGraph/src")
        self.zdst = ex.array("zoneGraph/dst")
        self.zw = ex.array("zoneGraph/weight")
        self.n_roads = ex.m["nRoads"]
        self.n_zones = ex.m["nZones"]

    def w(self, name):
        return self.p[name.replace("/", "__")]

    def dense(self, name, x, bias=True):
        y = x @ self.w(f"{name}/w")
        return y + self.w(f"{name}/b") if bias else y

    def layer_norm(self, name, x):
        return F.layer_norm(x, (x.shape[-1],), self.w(f"{name}/gamma"), self.w(f"{name}/beta"), 1e-5)

    def gat(self, l, x):
        name = f"road/gat{l}"
        xl = self.dense(f"{name}/lin_l", x)
        xr = self.dense(f"{name}/lin_r", x)
        pre = xl[self.rsrc] + xr[self.rdst] + self.rattr @ self.w(f"{name}/lin_edge/w")
        score = (F.leaky_relu(pre, 0.2) @ self.w(f"{name}/att")).squeeze(1)
        # Softmax over each node's incoming edges (shifted by the per-node max, no gradient).
        node_max = torch.full((x.shape[0],), -1e30).scatter_reduce(0, self.rdst, score.detach(), reduce="amax")
        ex = torch.exp(score - node_max[self.rdst])
        denom = torch.zeros(x.shape[0]).index_add_(0, self.rdst, ex)
        alpha = ex / denom[self.rdst]
        out = torch.zeros(x.shape[0], xl.shape[1]).index_add_(0, self.rdst, xl[self.rsrc] * alpha[:, None])
        return out + self.w(f"{name}/bias")

    def encode_network(self):
        ids = torch.arange(self.n_roads)
        x = torch.cat([
            self.w("road/id/table")[ids],
            self.dense("road/len", self.road_len),
            self.w("road/type/table")[self.road_type],
            self.dense("road/lon", self.road_lon),
            self.dense("road/lat", self.road_lat),
        ], 1)
        L = self.cfg["gnnLayers"]
        for l in range(L):
            x = self.gat(l, x)
            if l < L - 1:
                x = F.relu(x)
        z = self.w("zone/id/table")
        for l in range(L):
            h = z @ self.w(f"zone/gcn{l}/w")
            z = torch.zeros(self.n_zones, h.shape[1]).index_add_(0, self.zdst, h[self.zsrc] * self.zw[:, None]) + self.w(f"zone/gcn{l}/bias")
            if l < L - 1:
                z = F.relu(z)
        return x, z

    def embed_positions(self, road_ids, zone_ids, time_feat, road, zone):
        r = road[road_ids]
        z = zone[zone_ids]
        gate = torch.sigmoid(self.dense("traj/fuse2", gelu(self.dense("traj/fuse1", torch.cat([r, z], 1)))))
        spatial = r + gate * z
        t_in = time_feat[:, None] * self.w("traj/freqs")
        temporal = torch.cat([torch.cos(t_in), torch.sin(t_in)], 1) * math.sqrt(1 / (2 * self.cfg["timeDim"]))
        return torch.cat([spatial, temporal], 1)

    def encode_trajectories(self, b, road, zone):
        B, T = b["roadIds"].shape
        c = self.cfg
        D = c["roadIdDim"] + 4 * c["roadFeatDim"] + c["timeDim"]
        H = c["heads"]
        dh = D // H
        x = self.embed_positions(b["roadIds"].reshape(-1), b["zoneIds"].reshape(-1), b["timeFeat"].reshape(-1), road, zone).reshape(B, T, D)
        dist = b["distMat"].reshape(B, 1, T, T)
        gap = b["gapMat"].reshape(B, 1, T, T)
        causal = torch.tril(torch.ones(T, T))
        key_valid = (torch.arange(T)[None, :] < b["lengths"][:, None]).float()
        allowed = causal[None] * key_valid[:, None, :]
        mask_add = ((1 - allowed) * NEG)[:, None]
        scale = 1 / math.sqrt(dh)
        for l in range(c["layers"]):
            n = f"traj/block{l}"
            qkv = self.dense(f"{n}/qkv", self.layer_norm(f"{n}/ln1", x))
            q, k, v = [t.reshape(B, T, H, dh).permute(0, 2, 1, 3) for t in qkv.split(D, 2)]
            content = q @ k.transpose(2, 3)
            kw = torch.cat([self.w(f"{n}/relK/w"), self.w(f"{n}/relK/b")[None]], 0)  # [3, dh]
            qk = q @ kw.t()
            qd, qg, qb = qk[..., 0:1], qk[..., 1:2], qk[..., 2:3]
            rel = qd * dist + qg * gap + qb
            att = torch.softmax((content + rel) * scale + mask_add, -1)
            ad = (att * dist).sum(3, keepdim=True)
            ag = (att * gap).sum(3, keepdim=True)
            vw = self.w(f"{n}/relV/w")
            rel_out = ad * vw[0] + ag * vw[1] + self.w(f"{n}/relV/b")
            y = att @ v + rel_out
            merged = y.permute(0, 2, 1, 3).reshape(B, T, D)
            x = x + self.dense(f"{n}/proj", merged)
            x = x + self.dense(f"{n}/out", gelu(self.dense(f"{n}/fc", self.layer_norm(f"{n}/ln2", x))))
        return x.reshape(B * T, D)

    def forward(self, b, road, zone):
        h = self.encode_trajectories(b, road, zone)[b["stepPos"]]
        N, C = b["candIds"].shape
        c = self.cfg
        dest_z = zone[b["destZone"]]
        q = self.dense("nav/q", torch.cat([h, dest_z], 1), bias=False)
        cand = road[b["candIds"].reshape(-1)]
        feat = b["candFeat"].reshape(N * C, 2)
        dis = self.dense("nav/metricDis", feat[:, 0:1])
        ang = self.dense("nav/metricAngle", feat[:, 1:2])
        k = self.dense("nav/k", torch.cat([cand, dis, ang], 1), bias=False).reshape(N, C, c["navDim"])
        e = torch.tanh(k + q[:, None])
        raw = self.dense("nav/v", e.reshape(N * C, c["navDim"]), bias=False).reshape(N, C)
        mask = b["candMask"]
        logits = raw * mask + (1 - mask) * NEG
        t_traj = self.dense("time/traj", h)[:, None].expand(N, C, c["timeHidden"])
        t_cand = self.dense("time/cand", cand).reshape(N, C, c["timeHidden"])
        time_pred = self.dense("time/out", gelu(torch.cat([t_traj, t_cand], 2))).reshape(N, C)
        return logits, time_pred


def loss_of(model, b, time_mean, time_std, alpha):
    road, zone = model.encode_network()
    logits, time_pred = model(b, road, zone)
    C = logits.shape[1]
    one_hot = F.one_hot(b["label"], C).float()
    nll = -(torch.log_softmax(logits, 1) * one_hot).sum(1)
    ce = (nll * b["labelMask"]).sum() / max(1.0, float(b["labelMask"].sum()))
    pred_t = (time_pred * one_hot).sum(1) * time_std + time_mean
    true_t = b["timeLabel"] * time_std + time_mean
    ape = (pred_t - true_t).abs() / torch.clamp(true_t, min=1)
    tl = (ape * b["timeMask"]).sum() / max(1.0, float(b["timeMask"].sum()))
    return ce + alpha * tl, ce, tl


class Peer:
    def __init__(self, d):
        self.ex = Export(d)
        m = self.ex.m
        self.model = Student(self.ex)
        self.train_batch = self.ex.batch("train")
        self.gen_batch = self.ex.batch("gen")
        decay = [p for n, p in self.model.p.items() if p.dim() >= 2]
        no_decay = [p for n, p in self.model.p.items() if p.dim() < 2]
        t = m["train"]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": t["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}], lr=t["lr"])
        self.enc = None

    def loss(self):
        m = self.ex.m
        return loss_of(self.model, self.train_batch, m["timeMean"], m["timeStd"], m["alpha"])

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
                self.enc = self.model.encode_network()
        return self.enc

    def score(self, b):
        with torch.no_grad():
            road, zone = self.encodings()
            logits, time_pred = self.model(b, road, zone)
            return torch.log_softmax(logits, 1).numpy().copy(), time_pred.numpy().copy()

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
            lp, _ = self.score(self.ex.batch(f"search/{i}"))
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


def main():
    d, cmd = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    peer = Peer(d)
    if cmd == "check":
        print(json.dumps(check(peer)), flush=True)
        return
    if cmd == "serve":
        peer.encodings()
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
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
