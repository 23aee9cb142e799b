"""The app's checkpoint format (src/lib/checkpoint/checkpoint.ts), read and written with numpy:
a safetensors container (8-byte little-endian header length, a JSON header, the data) of float32
tensors under the original PyTorch state_dict names in torch's layout, Adam moments as
"optimizer.exp_avg.<name>" / "optimizer.exp_avg_sq.<name>", and `__metadata__` strings: format,
kind, prefix, naming, fingerprint, created, config / hyper / training as JSON, and a CRC32 of the
data section. torch 1.13 has no safetensors package; the format is small enough to write here.
"""
import datetime
import json
import math
import os
import struct
import zlib

import numpy as np

from . import TDError

FORMAT = "trajdistill-checkpoint/2"
M_PREFIX = "optimizer.exp_avg."
V_PREFIX = "optimizer.exp_avg_sq."
NAMING = {"teacher": "LM-TAD state_dict names, torch layout", "student": "HOSER state_dict names, torch layout"}
MAX_HEADER = 100_000_000


def js_json(obj):
    """JSON as JavaScript's JSON.stringify writes it: compact, and NaN/Infinity as null."""
    def clean(o):
        if isinstance(o, float) and not math.isfinite(o):
            return None
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if isinstance(o, np.generic):
            return clean(o.item())
        return o

    return json.dumps(clean(obj), separators=(",", ":"), allow_nan=False)


def encode_safetensors(tensors, metadata):
    """Bytes of a safetensors file; `tensors` is a list of (name, float32 array) in file order."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    offset = 0
    blobs = []
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((-(8 + len(raw))) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


def decode_safetensors(data):
    """(metadata, {name: float32 array}) of safetensors bytes; TDError says what is wrong."""
    if len(data) < 8:
        raise TDError(f"not a safetensors file: only {len(data)} bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER:
        raise TDError(f"not a safetensors file: header length {n} is implausibly large")
    if 8 + n > len(data):
        raise TDError(f"safetensors file is truncated: header of {n} bytes, file of {len(data)}")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TDError(f"safetensors header is corrupt: {e}")
    if not isinstance(header, dict):
        raise TDError("safetensors header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    covered = 0
    for name, e in header.items():
        if not isinstance(e, dict) or "shape" not in e or len(e.get("data_offsets", [])) != 2:
            raise TDError(f"safetensors entry {name} is malformed")
        if e.get("dtype") != "F32":
            raise TDError(f"safetensors tensor {name} has dtype {e.get('dtype')}; only F32 is supported")
        b, end = e["data_offsets"]
        size = int(np.prod(e["shape"])) if e["shape"] else 1
        if end - b != 4 * size:
            raise TDError(f"safetensors tensor {name}: {end - b} bytes for shape {e['shape']}")
        if b < 0 or end > len(body):
            raise TDError(f"safetensors file is truncated: tensor {name} ends at {end}, data holds {len(body)} bytes")
        tensors[name] = np.frombuffer(body[b:end], dtype="<f4").reshape(e["shape"]).copy()
        covered = max(covered, end)
    if covered != len(body):
        raise TDError(f"safetensors file has {len(body) - covered} bytes that no tensor uses")
    return meta, tensors


class Checkpoint:
    """A decoded checkpoint: weights and moments keyed by torch name, torch layout."""

    def __init__(self, kind, config, fingerprint, training, hyper, created, weights, exp_avg, exp_avg_sq, prefix):
        self.kind = kind
        self.config = config
        self.fingerprint = fingerprint
        self.training = training
        self.hyper = hyper
        self.created = created
        self.weights = weights
        self.exp_avg = exp_avg
        self.exp_avg_sq = exp_avg_sq
        self.prefix = prefix

    @property
    def optimizer_step(self):
        t = self.training
        s = t.get("optimizerStep")
        return int(s if s is not None else t.get("step", 0))


def read_checkpoint(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TDError(f"{path}: {e.strerror}")
    try:
        return decode_checkpoint(data)
    except TDError as e:
        raise TDError(f"{path}: {e}")


def decode_checkpoint(data):
    if len(data) < 16:
        raise TDError(f"not a checkpoint: only {len(data)} bytes")
    meta, tensors = decode_safetensors(data)
    if meta.get("format") != FORMAT:
        raise TDError(f"not a TrajDistill checkpoint: a safetensors file whose metadata format is "
                      f"{json.dumps(meta.get('format'))}, expected {FORMAT}")
    kind = meta.get("kind")
    if kind not in ("teacher", "student"):
        raise TDError("checkpoint metadata is corrupt: missing kind")
    (n,) = struct.unpack("<Q", data[:8])
    if "crc32" in meta and str(zlib.crc32(data[8 + n:]) & 0xFFFFFFFF) != meta["crc32"]:
        raise TDError("checkpoint data is corrupt (checksum mismatch)")

    def js(key):
        try:
            return json.loads(meta.get(key, "null"))
        except json.JSONDecodeError as e:
            raise TDError(f"checkpoint metadata {key} is corrupt: {e}")

    config, training = js("config"), js("training")
    if not config or training is None:
        raise TDError("checkpoint metadata is corrupt: missing config or training state")
    weights, m, v = {}, {}, {}
    for name, a in tensors.items():
        if name.startswith(M_PREFIX):
            m[name[len(M_PREFIX):]] = a
        elif name.startswith(V_PREFIX):
            v[name[len(V_PREFIX):]] = a
        else:
            weights[name] = a
    return Checkpoint(kind, config, meta.get("fingerprint", ""), training, js("hyper") or {}, meta.get("created", ""),
                      weights, m, v, meta.get("prefix", kind))


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_checkpoint(kind, weights, config, fingerprint, hyper, training, exp_avg=None, exp_avg_sq=None):
    """Checkpoint bytes. `weights` (and the moments) map torch names to arrays in torch layout;
    `training` is {epoch, step, optimizerStep, extra}."""
    tensors = [(k, _np(a)) for k, a in weights.items()]
    if exp_avg is not None:
        tensors += [(M_PREFIX + k, _np(a)) for k, a in exp_avg.items()]
        tensors += [(V_PREFIX + k, _np(a)) for k, a in exp_avg_sq.items()]
    meta = {
        "format": FORMAT,
        "kind": kind,
        "prefix": kind,
        "naming": NAMING[kind],
        "fingerprint": fingerprint,
        "created": now_iso(),
        "config": js_json(config),
        "hyper": js_json(hyper),
        "training": js_json(training),
    }
    # The checksum covers the data section, which the metadata does not change.
    probe = encode_safetensors(tensors, meta)
    (n,) = struct.unpack("<Q", probe[:8])
    meta["crc32"] = str(zlib.crc32(probe[8 + n:]) & 0xFFFFFFFF)
    return encode_safetensors(tensors, meta)


def write_checkpoint(path, data):
    """Writes atomically: a reader never sees half a file."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _np(a):
    if hasattr(a, "detach"):
        a = a.detach().to("cpu").numpy()
    return np.asarray(a, dtype=np.float32)


def config_diff(a, b, ignore=()):
    """`key: a vs b` for every differing key, as configDiff in checkpoint.ts."""
    out = []
    for k in list(dict.fromkeys(list(a) + list(b))):
        if k in ignore:
            continue
        va = js_json(a[k]) if k in a else None
        vb = js_json(b[k]) if k in b else None
        if va != vb:
            out.append(f"{k}: {va or 'absent'} vs {vb or 'absent'}")
    return out


def assert_compatible(ck, kind, fingerprint, config=None, ignore=("dropout",)):
    """Raises TDError with the app's wording unless `ck` fits (assertCompatible in checkpoint.ts)."""
    if ck.kind != kind:
        raise TDError(f"wrong checkpoint kind: this file holds a {ck.kind} model, a {kind} is needed")
    if ck.fingerprint != fingerprint:
        raise TDError(f"checkpoint was made for a different road network / dataset: fingerprint {ck.fingerprint} "
                      f"in the file, {fingerprint} loaded")
    if config is not None:
        d = config_diff(ck.config, config, ignore)
        if d:
            raise TDError(f"checkpoint has a different model size/config: {', '.join(d)} (file vs current)")
