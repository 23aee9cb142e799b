"""Student batches from the export: buildBatch (src/lib/features/studentBatch.ts) over exported
steps. Candidates, their features, labels and entry times come prepared; this pads and stacks
them and computes the trajectory encoder's pairwise features (distance, time gap) as ours does.
"""
import math

import numpy as np
import torch

EARTH_RADIUS_KM = 6371.0088
DEG = math.pi / 180


def haversine_m(a, b):
    """Great-circle metres between [lon, lat] rows a and b (broadcasting), as geo.ts, in float64."""
    dlat = (b[..., 1] - a[..., 1]) * DEG
    dlon = (b[..., 0] - a[..., 0]) * DEG
    s = np.sin(dlat / 2) ** 2 + np.cos(a[..., 1] * DEG) * np.cos(b[..., 1] * DEG) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1, np.sqrt(s))) * 1000


class Batcher:
    def __init__(self, export):
        self.ex = export
        self.centroid = np.array(export.array("road/centroid"), dtype=np.float64)
        self.road_zone = np.array(export.array("zone/roadZone"))
        self.dist_clip = float(export.batch["distClipM"])
        self.gap_clip = float(export.batch["gapClipMin"])

    def trip(self, split, i):
        """(prefix roads incl. the destination, number of steps, first step index) of trip i."""
        s0 = int(split.stepOffset[i])
        L = int(split.stepOffset[i + 1]) - s0
        return np.asarray(split.roads[split.tripOffset[i]:split.tripOffset[i] + L + 1]), L, s0

    def build(self, split, idx):
        """A padded batch (StudentBatch fields) of the trips `idx` of `split`, as numpy arrays."""
        trips = [self.trip(split, i) for i in idx]
        B = len(trips)
        T = max([1] + [L for _, L, _ in trips])
        N = sum(L for _, L, _ in trips)
        step_ids = np.concatenate([np.arange(s0, s0 + L) for _, L, s0 in trips]) if N else np.zeros(0, np.int64)
        co = np.asarray(split.candOffset)
        starts = co[step_ids]
        counts = co[step_ids + 1] - starts
        C = max(1, int(counts.max()) if N else 1)
        b = {
            "lengths": np.zeros(B, np.int64), "roadIds": np.zeros((B, T), np.int64), "zoneIds": np.zeros((B, T), np.int64),
            "timeFeat": np.zeros((B, T), np.float32), "distMat": np.zeros((B, T, T), np.float32),
            "gapMat": np.zeros((B, T, T), np.float32), "stepPos": np.zeros(N, np.int64), "lastStep": np.zeros(N, np.float32),
            "stepsToEnd": np.zeros(N, np.float32),
            "destZone": np.zeros(N, np.int64), "candIds": np.zeros((N, C), np.int64), "candMask": np.zeros((N, C), np.float32),
            "candFeat": np.zeros((N, C, 2), np.float32),
        }
        routed = split.candRoute is not None
        if routed:
            b["candRoute"] = np.zeros((N, C, split.candRoute.shape[1]), np.float32)
        n = 0
        for r, (roads, L, s0) in enumerate(trips):
            b["lengths"][r] = L
            prefix = roads[:L]
            b["roadIds"][r, :L] = prefix
            b["zoneIds"][r, :L] = self.road_zone[prefix]
            b["timeFeat"][r, :L] = split.timeFeat[s0:s0 + L]
            c = self.centroid[prefix]
            # Lower triangle as fillPairwise computes it (later position first), mirrored.
            d = np.tril(haversine_m(c[:, None, :], c[None, :, :]))
            d = d + np.tril(d, -1).T
            b["distMat"][r, :L, :L] = np.minimum(d, self.dist_clip) / self.dist_clip
            rt = np.asarray(split.relTimes[s0:s0 + L], dtype=np.float64)
            b["gapMat"][r, :L, :L] = np.minimum(np.abs(rt[:, None] - rt[None, :]) / 60, self.gap_clip) / self.gap_clip
            b["stepPos"][n:n + L] = r * T + np.arange(L)
            b["stepsToEnd"][n:n + L] = np.arange(L, 0, -1)  # 1 at the trip's last step (klRowWeights)
            if L:
                b["lastStep"][n + L - 1] = 1
            b["destZone"][n:n + L] = self.road_zone[roads[L]] if L else 0
            n += L
        if N:
            row = np.repeat(np.arange(N), counts)
            col = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            src = np.repeat(starts, counts) + col
            b["candIds"][row, col] = np.asarray(split.cands)[src]
            b["candMask"][row, col] = 1
            b["candFeat"][row, col] = np.asarray(split.candFeat)[src]
            if routed:
                b["candRoute"][row, col] = np.asarray(split.candRoute)[src]
        label = np.asarray(split.label[step_ids]) if N else np.zeros(0, np.int32)
        tl = np.asarray(split.timeLabel[step_ids], dtype=np.float32) if N else np.zeros(0, np.float32)
        valid = label >= 0
        b["label"] = np.where(valid, label, 0).astype(np.int64)
        b["labelMask"] = valid.astype(np.float32)
        timed = valid & np.isfinite(tl)
        b["timeLabel"] = np.where(timed, tl, 0).astype(np.float32)
        b["timeMask"] = timed.astype(np.float32)
        b["B"], b["T"], b["N"], b["C"] = B, T, N, C
        return b


def to_tensors(b, device, dtype=torch.float32):
    """Tensors of a batch: integer arrays as int64, float arrays in `dtype`."""
    def t(v):
        return torch.as_tensor(v, device=device, dtype=dtype if v.dtype.kind == "f" else None)

    return {k: t(v) if isinstance(v, np.ndarray) else v for k, v in b.items()}
