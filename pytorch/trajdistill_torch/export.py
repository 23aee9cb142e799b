"""Reads the export written by `npm run cli -- export torch` (README.md: the layout).

Every problem comes back as a TDError with one line that names the file and what is wrong, so a
truncated copy or a half-written folder stops a job before it starts, not an hour into it.
"""
import json
import os

import numpy as np

from . import TDError

SCHEMA = "trajdistill-torch-export/1"
SPLITS = ("train", "val", "test")
DTYPES = {"<f4": np.float32, "<i4": np.int32, "<f8": np.float64}
SPLIT_ARRAYS = ("tripOffset", "roads", "times", "stepOffset", "timeFeat", "relTimes", "label", "timeLabel",
                "candOffset", "cands", "candFeat")
NETWORK_ARRAYS = ("road/lenZ", "road/typeId", "road/lonZ", "road/latZ", "road/centroid", "roadGraph/src",
                  "roadGraph/dst", "roadGraph/attr", "roadGraphGat/src", "roadGraphGat/dst", "roadGraphGat/attr",
                  "zoneGraphGcn/src", "zoneGraphGcn/dst", "zoneGraphGcn/weight", "zone/roadZone", "psi/roadCell",
                  "psi/roadEndCell")


class Split:
    """One split's trips (raw roads and times) and prepared steps (candidates, labels), ragged
    arrays with offsets: trip i owns roads[tripOffset[i]:tripOffset[i+1]] and steps
    stepOffset[i]:stepOffset[i+1]; step s owns candidates candOffset[s]:candOffset[s+1]."""

    def __init__(self, name, get, has=lambda _: False):
        self.name = name
        for f in SPLIT_ARRAYS:
            setattr(self, f if f != "label" else "label", get(f"{name}/{f}"))
        # Route-aware candidate features (`export torch --route-features`): [delay, unreachable] per candidate.
        self.candRoute = get(f"{name}/candRoute") if has(f"{name}/candRoute") else None
        self.n = len(self.tripOffset) - 1
        self.steps = np.diff(self.stepOffset)

    def trip_roads(self, i):
        return self.roads[self.tripOffset[i]:self.tripOffset[i + 1]]


class Export:
    def __init__(self, directory):
        self.dir = directory
        path = os.path.join(directory, "manifest.json")
        if not os.path.isdir(directory):
            raise TDError(f"export folder not found: {directory}")
        try:
            with open(path) as f:
                self.m = json.load(f)
        except FileNotFoundError:
            raise TDError(f"{path}: missing (write the export with `npm run cli -- export torch --dataset <dir> --out {directory}`)")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TDError(f"{path}: not valid JSON ({e})")
        if not isinstance(self.m, dict) or self.m.get("schema") != SCHEMA:
            got = self.m.get("schema") if isinstance(self.m, dict) else None
            raise TDError(f"{path}: schema {got!r}, expected {SCHEMA!r}")
        missing = [k for k in ("fingerprint", "nRoads", "nZones", "nTypes", "grid", "batch", "arrays", "timeMean", "timeStd")
                   if k not in self.m]
        if missing:
            raise TDError(f"{path}: missing {', '.join(missing)}")
        arrays = self.m["arrays"]
        need = list(NETWORK_ARRAYS) + [f"{s}/{f}" for s in SPLITS for f in SPLIT_ARRAYS]
        absent = [n for n in need if n not in arrays]
        if absent:
            raise TDError(f"{path}: arrays {', '.join(absent[:4])}{' …' if len(absent) > 4 else ''} not listed")
        self._cache = {}
        self.fingerprint = self.m["fingerprint"]
        self.n_roads = int(self.m["nRoads"])
        self.n_zones = int(self.m["nZones"])
        self.n_types = max(1, int(self.m["nTypes"]))
        self.grid = self.m["grid"]
        self.batch = self.m["batch"]
        self.time_mean = float(self.m["timeMean"])
        self.time_std = float(self.m["timeStd"])
        self._check_shapes()
        # The speeds of the route features every split carries, or None (StudentConfig.routeFeatures).
        self.route_features = self.m.get("routeFeatures")
        self.splits = {s: Split(s, self.array, lambda n: n in self.m["arrays"]) for s in SPLITS}

    def array(self, name):
        """The array `name` (memory-mapped, read-only), checked against the manifest."""
        if name in self._cache:
            return self._cache[name]
        e = self.m["arrays"].get(name)
        if e is None:
            raise TDError(f"{self.dir}/manifest.json: no array {name}")
        path = os.path.join(self.dir, e["file"])
        dtype = DTYPES.get(e.get("dtype"))
        if dtype is None:
            raise TDError(f"{path}: dtype {e.get('dtype')!r} is not one of {', '.join(DTYPES)}")
        if not os.path.exists(path):
            raise TDError(f"{path}: missing (listed in manifest.json as {name})")
        shape = tuple(int(d) for d in e["shape"])
        try:
            a = np.load(path, mmap_mode="r", allow_pickle=False)
        except Exception as ex:  # numpy raises ValueError/OSError/EOFError for broken files
            raise TDError(f"{path}: not a readable .npy file ({str(ex).splitlines()[0] if str(ex) else type(ex).__name__})")
        if a.dtype != np.dtype(dtype) or tuple(a.shape) != shape:
            raise TDError(f"{path}: {a.dtype} {list(a.shape)} on disk, manifest says {e['dtype']} {list(shape)}")
        self._cache[name] = a
        return a

    def _check_shapes(self):
        n = self.n_roads
        for name in ("road/lenZ", "road/typeId", "road/lonZ", "road/latZ", "zone/roadZone", "psi/roadCell", "psi/roadEndCell"):
            if self.array(name).shape[0] != n:
                raise TDError(f"{self.dir}: {name} has {self.array(name).shape[0]} rows for {n} roads")
        for s in SPLITS:
            to, so, co = self.array(f"{s}/tripOffset"), self.array(f"{s}/stepOffset"), self.array(f"{s}/candOffset")
            if len(to) != len(so) or to[-1] != len(self.array(f"{s}/roads")) or so[-1] != len(self.array(f"{s}/label")) \
                    or co[-1] != len(self.array(f"{s}/cands")) or len(co) != len(self.array(f"{s}/label")) + 1:
                raise TDError(f"{self.dir}: split {s} has offsets that do not match its arrays (a partial export?)")

    def network(self, device):
        """The road and zone inputs of the student's encoders, as tensors on `device`."""
        import torch

        t = lambda name, dt=torch.float32: torch.as_tensor(np.array(self.array(name)), dtype=dt, device=device)
        return {
            "lenZ": t("road/lenZ")[:, None],
            "typeId": t("road/typeId", torch.long),
            "lonZ": t("road/lonZ")[:, None],
            "latZ": t("road/latZ")[:, None],
            "gatSrc": t("roadGraphGat/src", torch.long),
            "gatDst": t("roadGraphGat/dst", torch.long),
            "gatAttr": t("roadGraphGat/attr"),
            "gcnSrc": t("zoneGraphGcn/src", torch.long),
            "gcnDst": t("zoneGraphGcn/dst", torch.long),
            "gcnWeight": t("zoneGraphGcn/weight"),
        }

    def routes(self):
        """The untimed route corpus (roads per route) or [] when the dataset has none."""
        if "routes/offset" not in self.m["arrays"]:
            return []
        off, roads = self.array("routes/offset"), self.array("routes/roads")
        return [roads[off[i]:off[i + 1]] for i in range(len(off) - 1)]
