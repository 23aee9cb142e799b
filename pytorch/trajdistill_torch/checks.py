"""The Python half of tests/torch/torch.test.ts, in one process (torch imports once):

  python3 -m trajdistill_torch.checks SPEC.json     one JSON line: a result per task of SPEC

Tasks ({"task": name, …}):
  agree      forward, loss parts and gradients of the student (distilled) and the teacher on the
             batch the test built with tfjs, against the values it recorded
  train      runs the trainer in this process (argv), captures its exit code and stderr
  logits     a checkpoint's student logits / time predictions on whole val trips, or a teacher's
             next-cell log-probs on val windows, written to a JSON file for tfjs to compare
  official   writes an LM-TAD torch.save dict and a HOSER state_dict from our checkpoints (and
             variants that must be refused), and runs the converter on each
"""
import contextlib
import io
import json
import math
import os
import sys

import numpy as np
import torch

from . import convert, train
from .batches import Batcher, to_tensors
from .checkpoint import read_checkpoint
from .export import Export
from .losses import counts, student_parts
from .student import Student, check_route_features
from .teacher import Teacher, trip_tokens, trip_windows


def _student(ck, ex):
    check_route_features(ck.config, ex)
    m = Student(ck.config, ex.n_roads, ex.n_types, ex.n_zones)
    train.load_weights(m, ck)
    return m


def _teacher(ck):
    m = Teacher(ck.config)
    train.load_weights(m, ck)
    m.eval()
    return m


def _max_diff(grads, ref):
    worst, name, scale = 0.0, None, 0.0
    for k, g in grads.items():
        d = float(np.abs(g - ref[k]).max())
        scale = max(scale, float(np.abs(ref[k]).max()))
        if d > worst:
            worst, name = d, k
    return worst, name, scale


def agree(t):
    ex = Export(t["export"])
    sck, tck = read_checkpoint(t["student"]), read_checkpoint(t["teacher"])
    student, teacher = _student(sck, ex), _teacher(tck)
    o = t["options"]
    batcher = Batcher(ex)
    split = ex.splits["train"]
    nb = batcher.build(split, t["trips"])
    b = to_tensors(nb, "cpu")
    cells = np.array(ex.array("psi/roadCell"))
    table = train.TeacherTable(teacher, cells, o["window"], batcher, split, "cpu", torch.float32)
    tp = table.batch(t["trips"], nb)
    totals = counts(nb, True, o["lastStepOnly"])
    net = ex.network("cpu")
    logits, time_pred = student(net, b)
    parts = student_parts(logits, time_pred, b, ex.time_mean, ex.time_std, o, totals, tp)
    parts[0].backward()
    grads = {k: p.grad.numpy() for k, p in student.named_parameters()}
    ref = t["ts"]
    mask = nb["candMask"] > 0
    res = {
        "N": nb["N"], "C": nb["C"],
        "logitsMaxAbsDiff": float(np.abs(logits.detach().numpy()[mask] - np.array(ref["logits"]).reshape(mask.shape)[mask]).max()),
        "timeMaxAbsDiff": float(np.abs(time_pred.detach().numpy()[mask] - np.array(ref["timePred"]).reshape(mask.shape)[mask]).max()),
        "teacherProbsMaxAbsDiff": float(np.abs(tp.numpy() - np.array(ref["teacherProbs"]).reshape(mask.shape)).max()),
        "parts": {k: float(v) for k, v in zip(("total", "ce", "time", "kl", "correct"), parts)},
    }
    res["totalAbsDiff"] = abs(res["parts"]["total"] - ref["total"])
    g_ref = read_checkpoint(t["studentGrads"]).weights
    res["gradMaxAbsDiff"], res["gradWorst"], res["gradScale"] = _max_diff(grads, g_ref)
    # The teacher's token loss and gradients on the same trips' sequences.
    seqs = [trip_tokens(split.trip_roads(i), cells, tck.config, teacher.sot, teacher.eot) for i in t["trips"]]
    lp = teacher.target_log_probs(seqs, "cpu")
    loss = -lp.mean()
    loss.backward()
    res["teacherLoss"] = float(loss)
    res["teacherLossAbsDiff"] = abs(float(loss) - ref["teacherLoss"])
    tg = {k: p.grad.numpy() for k, p in teacher.named_parameters()}
    res["teacherGradMaxAbsDiff"], res["teacherGradWorst"], res["teacherGradScale"] = _max_diff(tg, read_checkpoint(t["teacherGrads"]).weights)
    return res


@torch.no_grad()
def loss(t):
    """The student loss's total under KL settings beyond agree's (klMaskLastSteps, the uniform
    target), for the test to hold against lossParts in tfjs."""
    ex = Export(t["export"])
    student = _student(read_checkpoint(t["student"]), ex)
    teacher = _teacher(read_checkpoint(t["teacher"]))
    batcher = Batcher(ex)
    split = ex.splits["train"]
    nb = batcher.build(split, t["trips"])
    b = to_tensors(nb, "cpu")
    cells = np.array(ex.array("psi/roadCell"))
    logits, time_pred = student(ex.network("cpu"), b)
    out = {}
    for name, o in t["variants"].items():
        if o.get("teacherTarget") == "uniform":
            tp = train.UniformTarget("cpu", torch.float32).batch(t["trips"], nb)
        else:
            tp = train.TeacherTable(teacher, cells, o["window"], batcher, split, "cpu", torch.float32).batch(t["trips"], nb)
        totals = counts(nb, True, o["lastStepOnly"], o.get("klMaskLastSteps", 0))
        parts = student_parts(logits, time_pred, b, ex.time_mean, ex.time_std, o, totals, tp)
        out[name] = {"total": float(parts[0]), "kl": float(parts[3]), "klRows": totals[2]}
    return out


def run_train(t):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = train.main(t["argv"])
        except SystemExit as e:  # argparse
            code = e.code
    return {"code": code, "stderr": err.getvalue(), "summary": _last_json(out.getvalue())}


def run_convert(argv):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = convert.main(argv)
    return {"code": code, "stderr": err.getvalue(), "stdout": out.getvalue()}


def _last_json(text):
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


@torch.no_grad()
def logits(t):
    ex = Export(t["export"])
    ck = read_checkpoint(t["checkpoint"])
    split = ex.splits["val"]
    trips = [i for i in range(split.n) if split.tripOffset[i + 1] - split.tripOffset[i] >= 2]
    if ck.kind == "student":
        m = _student(ck, ex)
        nb = Batcher(ex).build(split, trips)
        lg, tm = m(ex.network("cpu"), to_tensors(nb, "cpu"))
        out = {"kind": "student", "trips": trips, "N": nb["N"], "C": nb["C"], "logits": lg.numpy().ravel().tolist(),
               "timePred": tm.numpy().ravel().tolist()}
    else:
        m = _teacher(ck)
        cells = np.array(ex.array("psi/roadEndCell" if ck.config.get("anchor") == "end" else "psi/roadCell"))
        batcher = Batcher(ex)
        windows = []
        for i in trips:
            roads, L, _ = batcher.trip(split, i)
            windows += trip_windows(roads, L, cells, t.get("window", 4), bool(ck.config.get("collapse")), bool(ck.config.get("destination")))
        lp = m.next_cell_log_probs(windows, "cpu")
        out = {"kind": "teacher", "trips": trips, "windows": windows, "logProbs": lp.numpy().ravel().tolist(), "V": lp.shape[1]}
    with open(t["out"], "w") as f:
        json.dump(out, f)
    return {"out": t["out"]}


def official(t):
    """LM-TAD and HOSER files in their own layouts, from our checkpoints, and the converter on them."""
    d = t["dir"]
    ex = Export(t["export"])
    tck, sck = read_checkpoint(t["teacher"]), read_checkpoint(t["student"])
    c = tck.config
    model = {"_orig_mod." + k: torch.as_tensor(v) for k, v in tck.weights.items()}
    model["_orig_mod.lm_head.weight"] = model["_orig_mod.transformer.wte.weight"]
    for l in range(c["nLayer"]):  # nanoGPT's causal-mask buffer
        model[f"_orig_mod.transformer.h.{l}.attn.bias"] = torch.tril(torch.ones(c["blockSize"], c["blockSize"])).view(1, 1, c["blockSize"], c["blockSize"])
    args = {"n_layer": c["nLayer"], "n_head": c["nHead"], "n_embd": c["nEmbd"], "block_size": c["blockSize"], "bias": False,
            "vocab_size": c["vocabSize"], "dropout": c["dropout"]}
    files = {
        "lmtad.pt": {"model": model, "model_args": args, "iter_num": 1234, "best_val_loss": torch.tensor(2.5), "config": {"batch_size": 32}},
        "lmtad-bad.pt": {"model": {**model, "_orig_mod.transformer.h.0.mlp.c_fc.bias": torch.zeros(4 * c["nEmbd"])},
                         "model_args": {**args, "bias": True, "vocab_size": c["vocabSize"] + 159}},
        "hoser.pth": {"module." + k: torch.as_tensor(v) for k, v in sck.weights.items()},
    }
    bad = {k: torch.as_tensor(v) for k, v in sck.weights.items()}
    bad["road_network_encoder.intersection_emb.weight"] = torch.zeros(10, 4)
    bad["navigator.q_proj.weight"] = torch.zeros(3, 3)
    files["hoser-bad.pth"] = bad
    for name, obj in files.items():
        torch.save(obj, os.path.join(d, name))
    res = {}
    for name in files:
        which = "lmtad" if name.startswith("lmtad") else "hoser"
        out = os.path.join(d, name.split(".")[0] + ".safetensors")
        res[name] = run_convert([which, os.path.join(d, name), "--export", t["export"], "--out", out])
        res[name]["written"] = os.path.exists(out)
        res[name]["path"] = out
    return res


TASKS = {"agree": agree, "loss": loss, "train": run_train, "logits": logits, "official": official}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        spec = json.load(f)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out = []
    for t in spec["tasks"]:
        try:
            out.append({"task": t["task"], **TASKS[t["task"]](t)})
        except Exception as e:  # a failing check reports itself, the others still run
            out.append({"task": t["task"], "error": f"{type(e).__name__}: {e}"})
    print(json.dumps(out, default=lambda v: None if isinstance(v, float) and not math.isfinite(v) else str(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
