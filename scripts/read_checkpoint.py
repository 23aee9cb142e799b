#!/usr/bin/env python3
"""Reads a TrajDistill checkpoint (safetensors) with the standard library and numpy only.

    python3 scripts/read_checkpoint.py FILE                 # metadata + tensor names and shapes (JSON)
    python3 scripts/read_checkpoint.py FILE --logits 5,9,9  # + an LM-TAD teacher's next-cell logits

Tensors carry the original PyTorch state_dict names and torch's layout (nn.Linear weights are
[out, in]); src/lib/checkpoint/torchNames.ts has the table. The forward pass below is a plain numpy
LM-TAD (pre-LN GPT, no biases, exact GELU, head tied to wte); tests/train/safetensors.test.ts
compares it with the tfjs model to show that names and layouts mean what they say.
"""
import json
import math
import struct
import sys

import numpy as np


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {e['dtype']} is not F32")
        begin, end = e["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(e["shape"])
    return meta, tensors


def _layer_norm(x, weight, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight


_erf = np.vectorize(math.erf)


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def lmtad_logits(t, config, tokens):
    """Logits [T, V] for one token sequence, torch conventions: y = x @ W.T."""
    T = len(tokens)
    C = config["nEmbd"]
    H = config["nHead"]
    hd = C // H
    x = t["transformer.wte.weight"][tokens] + t["transformer.wpe.weight"][:T]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for layer in range(config["nLayer"]):
        p = f"transformer.h.{layer}."
        h = _layer_norm(x, t[p + "ln_1.weight"])
        qkv = h @ t[p + "attn.c_attn.weight"].T
        q, k, v = (a.reshape(T, H, hd).transpose(1, 0, 2) for a in np.split(qkv, 3, axis=-1))
        att = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(1, 0, 2).reshape(T, C)
        x = x + y @ t[p + "attn.c_proj.weight"].T
        h = _layer_norm(x, t[p + "ln_2.weight"])
        x = x + _gelu(h @ t[p + "mlp.c_fc.weight"].T) @ t[p + "mlp.c_proj.weight"].T
    x = _layer_norm(x, t["transformer.ln_f.weight"])
    return x @ t["transformer.wte.weight"].T


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    meta, tensors = load(argv[1])
    out = {
        "metadata": {k: (json.loads(v) if k in ("config", "hyper", "training") else v) for k, v in meta.items()},
        "tensors": {name: list(a.shape) for name, a in tensors.items()},
    }
    if "--logits" in argv:
        tokens = [int(s) for s in argv[argv.index("--logits") + 1].split(",")]
        out["lastLogits"] = lmtad_logits(tensors, out["metadata"]["config"], tokens)[-1].astype(float).tolist()
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
