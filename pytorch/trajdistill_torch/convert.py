"""Official checkpoints → the app's safetensors, when the configuration matches ours.

  python3 -m trajdistill_torch.convert lmtad CKPT.pt --export DIR --out teacher.safetensors
  python3 -m trajdistill_torch.convert hoser MODEL.pth --export DIR --out student.safetensors [--heads 2]

LM-TAD (github.com/jonathankabala/LMTAD) saves a nanoGPT-style dict: `model` (the state_dict, keys
possibly prefixed `_orig_mod.` by torch.compile), `model_args` (n_layer, n_head, n_embd, block_size,
bias, vocab_size, dropout), `iter_num`, `best_val_loss`, `config`. HOSER (github.com/caoji2001/HOSER)
saves the model's state_dict (keys possibly prefixed `module.`). Both are read with
torch.load(weights_only=True) unless --trust-pickle is given.

The export gives what the file cannot: the road network's fingerprint and sizes (roads, types,
zones, grid vocabulary). When anything differs (a module we do not have, a missing one, a shape,
LM-TAD's biases, a vocabulary of another grid), nothing is written and every difference is listed.
HOSER's head count is not in its weights: --heads (HOSER's config: 2).
"""
import argparse
import os
import re
import sys

import torch

from . import TDError
from .checkpoint import encode_checkpoint, write_checkpoint
from .export import Export
from .student import Student
from .teacher import Teacher


def load_file(path, trust):
    if not os.path.exists(path):
        raise TDError(f"{path}: not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust)
    except Exception as e:  # torch raises pickle/zip/runtime errors of many kinds
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = "" if trust else " (if it holds Python objects from a source you trust, add --trust-pickle)"
        raise TDError(f"{path}: torch.load failed: {first}{hint}")


def strip(sd, prefixes=("_orig_mod.", "module.")):
    out = {}
    for k, v in sd.items():
        for p in prefixes:
            if k.startswith(p):
                k = k[len(p):]
        out[k] = v
    return out


def compare(file_sd, ours_sd, what):
    """Differences between a file's tensors and our module's, one phrase each."""
    diffs = []
    extra = [k for k in file_sd if k not in ours_sd]
    missing = [k for k in ours_sd if k not in file_sd]
    if extra:
        diffs.append(f"in the file but not in our {what}: {', '.join(extra[:6])}{' …' if len(extra) > 6 else ''}")
    if missing:
        diffs.append(f"in our {what} but not in the file: {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}")
    for k in ours_sd:
        if k in file_sd and tuple(file_sd[k].shape) != tuple(ours_sd[k].shape):
            diffs.append(f"{k}: {list(file_sd[k].shape)} in the file, {list(ours_sd[k].shape)} ours")
    return diffs


def refuse(kind, path, diffs):
    raise TDError(f"{path}: this {kind} checkpoint does not match our model, nothing written: " + "; ".join(diffs))


def convert_lmtad(path, ex, args):
    ck = load_file(path, args.trust_pickle)
    if not isinstance(ck, dict) or "model" not in ck or "model_args" not in ck:
        keys = list(ck)[:6] if isinstance(ck, dict) else type(ck).__name__
        raise TDError(f"{path}: not an LM-TAD checkpoint (expected a dict with 'model' and 'model_args', found {keys})")
    a = ck["model_args"]
    need = ("n_layer", "n_head", "n_embd", "block_size", "vocab_size")
    absent = [k for k in need if k not in a]
    if absent:
        raise TDError(f"{path}: model_args lacks {', '.join(absent)}")
    sd = strip(ck["model"])
    diffs = []
    if a.get("bias"):
        diffs.append("model_args.bias is True (our teacher has no biases, as LM-TAD's published runs)")
    V = int(ex.grid["vocabSize"])
    if int(a["vocab_size"]) != V:
        diffs.append(f"vocab_size {a['vocab_size']} in the file, {V} for this export's grid (another tokenisation)")
    # nanoGPT keeps the causal mask as a buffer when it has no flash attention: not a weight.
    sd = {k: v for k, v in sd.items() if not re.fullmatch(r"transformer\.h\.\d+\.attn\.bias", k)}
    head = sd.pop("lm_head.weight", None)
    if head is not None and "transformer.wte.weight" in sd and not torch.equal(head, sd["transformer.wte.weight"]):
        diffs.append("lm_head.weight is not tied to transformer.wte.weight (ours is tied)")
    config = {"vocabSize": V, "blockSize": int(a["block_size"]), "nLayer": int(a["n_layer"]), "nHead": int(a["n_head"]),
              "nEmbd": int(a["n_embd"]), "dropout": float(a.get("dropout", 0.0)), "collapse": bool(args.collapse)}
    if args.anchor == "end":
        config["anchor"] = "end"
    if args.destination:
        config["destination"] = True
    if int(a["n_embd"]) % int(a["n_head"]):
        diffs.append(f"n_embd {a['n_embd']} is not divisible by n_head {a['n_head']}")
    else:
        diffs += compare(sd, Teacher(config).state_dict(), "teacher")
    if diffs:
        refuse("LM-TAD", path, diffs)
    hyper = {"convertedFrom": "LM-TAD", "source": os.path.basename(path), "iter_num": ck.get("iter_num"),
             "best_val_loss": _num(ck.get("best_val_loss")), "weights": "converted"}
    training = {"epoch": 0, "step": int(ck.get("iter_num") or 0), "extra": {}}
    return encode_checkpoint("teacher", sd, config, ex.fingerprint, hyper, training), config


def hoser_config(sd, heads):
    """Our StudentConfig read off HOSER's tensor shapes (heads from the command line)."""
    R, T, N = "road_network_encoder.", "trajectory_encoder.", "navigator."

    def dim(key, i):
        if key not in sd:
            raise KeyError(key)
        return int(sd[key].shape[i])

    layers = len({m.group(1) for k in sd for m in [re.match(rf"{re.escape(T)}transformer\.h\.(\d+)\.", k)] if m})
    gnn = len({m.group(1) for k in sd for m in [re.match(rf"{re.escape(R)}road_gat\.convs\.(\d+)\.", k)] if m})
    D = dim(f"{T}transformer.h.0.attn.c_attn.weight", 1)
    return {
        "roadIdDim": dim(f"{R}road_id_emb.weight", 1), "roadFeatDim": dim(f"{R}len_emb.weight", 0), "gnnLayers": gnn,
        "timeDim": 2 * dim(f"{T}temporal_encoder.freqs", 0), "heads": heads, "layers": layers,
        "mlpRatio": dim(f"{T}transformer.h.0.mlp.0.weight", 0) // D, "fusionHidden": dim(f"{T}road_zone_fusion_mlp.0.weight", 0),
        "metricDim": dim(f"{N}metric_distance_proj.weight", 0), "navDim": dim(f"{N}q_proj.weight", 0),
        "timeHidden": dim(f"{N}time_estimator_linear_1.weight", 0), "freezeEncoders": False,
    }


def convert_hoser(path, ex, args):
    obj = load_file(path, args.trust_pickle)
    sd = obj.get("model", obj.get("state_dict", obj)) if isinstance(obj, dict) else None
    if not isinstance(sd, dict) or not all(hasattr(v, "shape") for v in sd.values()):
        raise TDError(f"{path}: not a HOSER state_dict (expected a dict of tensors)")
    sd = strip(sd)
    try:
        config = hoser_config(sd, args.heads)
    except KeyError as e:
        refuse("HOSER", path, [f"in our student but not in the file: {e.args[0]} (needed to read the model's size)"])
    diffs = []
    D = config["roadIdDim"] + 4 * config["roadFeatDim"] + config["timeDim"]
    if D % config["heads"]:
        diffs.append(f"trajectory width {D} is not divisible by --heads {config['heads']}")
    else:
        ours = Student(config, ex.n_roads, ex.n_types, ex.n_zones).state_dict()
        diffs += compare(sd, ours, "student")
        rid = "road_network_encoder.road_id_emb.weight"
        if rid in sd and sd[rid].shape[0] != ex.n_roads:
            diffs.append(f"the file has {sd[rid].shape[0]} roads, this export {ex.n_roads} (another road network)")
    if diffs:
        refuse("HOSER", path, diffs)
    hyper = {"convertedFrom": "HOSER", "source": os.path.basename(path), "size": "custom", "weights": "converted"}
    return encode_checkpoint("student", sd, config, ex.fingerprint, hyper, {"epoch": 0, "step": 0, "extra": {}}), config


def _num(v):
    return float(v) if isinstance(v, (int, float)) or hasattr(v, "item") else None


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m trajdistill_torch.convert", description=__doc__.split("\n\n")[0])
    p.add_argument("which", choices=["lmtad", "hoser"])
    p.add_argument("input")
    p.add_argument("--export", required=True, help="the export of the dataset the model is for (fingerprint, sizes)")
    p.add_argument("--out", required=True)
    p.add_argument("--heads", type=int, default=2, help="HOSER attention heads (not stored in its weights)")
    p.add_argument("--collapse", action="store_true", help="LM-TAD tokenisation collapsed repeated cells")
    p.add_argument("--anchor", choices=["centroid", "end"], default="centroid")
    p.add_argument("--destination", action="store_true")
    p.add_argument("--trust-pickle", action="store_true", help="allow torch.load to run arbitrary pickled code")
    args = p.parse_args(argv)
    try:
        ex = Export(args.export)
        data, config = (convert_lmtad if args.which == "lmtad" else convert_hoser)(args.input, ex, args)
        write_checkpoint(args.out, data)
    except TDError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        return 1
    import json

    print(json.dumps({"out": args.out, "kind": "teacher" if args.which == "lmtad" else "student", "config": config,
                      "fingerprint": ex.fingerprint, "bytes": len(data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
