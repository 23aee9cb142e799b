#!/usr/bin/env bash
# Issue 49's screening runs (studies/porto-routes-kl.json, studies/porto-route-features.json,
# studies/porto-student-size.json) on one GPU with the PyTorch peer, every chosen arm and seed at
# once, each run in its own process (THREADS CPU threads, default 1).
# Prepared on the 2-core machine (where the same runs take ~2 core-hours each), run where a GPU is
# lent:
#   npm run cli -- export torch --dataset public/data/porto --out <ex>/porto-routes-s<S> \
#     --routes-seed <S> --max-len 512 --route-features            # S = 1, 2, 3
#   G=<folder> with porto-routes-s1.tgz, delta-s2.tgz, delta-s3.tgz (the files that differ by seed:
#   manifest.json, train.timeFeat.npy, train.times.npy), teacher.safetensors (the committed rde2
#   teacher) and pytorch/trajdistill_torch; then  bash scripts/gpu-screen-routes.sh <G> <seconds> <out>
#   ARMS="route-features route-features-default" picks arms (default: the five of the first screen);
#   the -default arms train HOSER's size (--size default) instead of the half-width student.
# Each run trains the studies' schedule (STUDY_SCHEDULE, src/lib/train/recipe.ts: 24 epochs, cosine to
# 0, no early stopping) or stops when <seconds> pass; after every epoch <run>.safetensors holds the
# best epoch's weights and its per-epoch val history with each epoch's lr, so a run cut by the limit
# shows that it did not end annealed (the first GPU screen reached epoch 3 of 25 in 485 s).
set -u
G=$(realpath "$1")
LIMIT=$2
OUT=$3
WORK=$(mktemp -d)
EX=$WORK/ex
RUNS=$WORK/runs
mkdir -p "$EX" "$RUNS" "$OUT"
tar xzf "$G/porto-routes-s1.tgz" -C "$EX"
for s in 2 3; do
  cp -r "$EX/porto-routes-s1" "$EX/porto-routes-s$s"
  tar xzf "$G/delta-s$s.tgz" -C "$EX/porto-routes-s$s"
done
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"${PY:-python3}" -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available())"

RECIPE="--lambda 0.10385718648105681 --tau 3.3508482790284706 --window 8 --kl-mask-last-steps 10"
KL="--mode distilled --teacher $G/teacher.safetensors $RECIPE"
UNIFORM="--mode distilled --teacher-target uniform $RECIPE"
COMMON="--batch 16 --micro 16 --epochs 24 --max-len 512 --size small --routes --threads ${THREADS:-1} --log-every 120"

ARMS=${ARMS:-control-routes kl-routes uniform-routes route-features route-features-kl}
launch() { # arm seed flags…
  local arm=$1 seed=$2
  shift 2
  case " $ARMS " in *" $arm "*) ;; *) return 0 ;; esac
  mkdir -p "$RUNS/$arm"
  (cd "$G/pytorch" && PYTHONUNBUFFERED=1 timeout -s INT "$LIMIT" "${PY:-python3}" -m trajdistill_torch.train student \
    --export "$EX/porto-routes-s$seed" --out "$RUNS/$arm/s$seed.safetensors" --seed "$seed" $COMMON "$@" \
    > "$RUNS/$arm/s$seed.log" 2>&1; echo "exit $?" >> "$RUNS/$arm/s$seed.log") &
}

for s in ${SEEDS:-1 2 3}; do
  launch control-routes "$s" --mode vanilla
  launch kl-routes "$s" $KL
  launch uniform-routes "$s" $UNIFORM
  launch route-features "$s" --mode vanilla --route-features
  launch route-features-kl "$s" $KL --route-features
  launch route-features-default "$s" --mode vanilla --route-features --size default
  launch route-features-kl-default "$s" $KL --route-features --size default
done
sleep "${PEEK:-60}"
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
wait
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
# At most 8 files come back: the logs in one archive, the best-epoch checkpoints in parts.
tar czf "$OUT/logs.tgz" -C "$RUNS" $(cd "$RUNS" && ls -d */*.log)
tar cf - -C "$RUNS" $(cd "$RUNS" && ls -d */*.safetensors 2>/dev/null) | split -b 15m - "$OUT/ckpt.tar.part-"
grep -h "epoch .*/40\|exit\|Error\|error" "$RUNS"/*/*.log | tail -60
ls -la "$OUT"
