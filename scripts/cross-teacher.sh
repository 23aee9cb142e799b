#!/usr/bin/env bash
# The teacher across cities (the second-city issue, item 3), resumable like the other studies:
#   1. a moves teacher (train teacher --moves 4: it reads and predicts moves between cells, and where
#      the destination lies in km, never a cell id) trained in Porto on its trips and routes, with
#      the Porto study teacher's recipe, to its plateau (patience 2)          runs/teacher-moves/
#   2. moved to San Francisco whole (checkpoint transfer) and scored there on val, as it is and with
#      swapped destinations (eval steps: last-step NLL against a uniform guess) runs/sf/teacher-moves/
#   3. distilled into SF students, seeds 1–5, paired with SF's vanilla runs, with SF's own
#      teacher's recipe (RECIPE_* from scripts/sf-study.sh; by default the thesis's optimum)
#      (scripts/paired-arm.sh)                                               runs/sf/arm-cross/
# The paired effect is reported whatever the gate says: the question is what a teacher from another
# city gives, even nothing.
#
#   nohup nice -n 10 scripts/cross-teacher.sh > runs/cross-teacher.log 2>&1 &
#   env: STAGE=teacher stops after step 1 (it needs no SF run); JOBS (paired-arm.sh's);
#        RECIPE_LAMBDA, RECIPE_TAU, RECIPE_WINDOW, RECIPE_FLAGS (the distilled runs' recipe)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/made-from.sh
source scripts/made-from.sh
sf=public/data/sf
if [ ! -f "$sf/train.csv" ]; then
  echo "cross-teacher: no $sf; build it first: npm run data:build:sf (reads ../shared/data/sf)" >&2
  exit 1
fi
export JOBS=${JOBS:-1}
stamp() { echo "[cross-teacher] $1 ($(date -u +%H:%M:%S))"; }
mkdir -p runs/teacher-moves runs/sf/teacher-moves

porto=runs/teacher-moves/teacher.safetensors
if [ -f "${porto%.safetensors}.log.json" ]; then
  stamp "skip Porto moves teacher: finished"
else
  stamp "Porto moves teacher $porto"
  resume=()
  [ -f "$porto.partial" ] && resume=(--resume)
  npm run --silent cli -- train teacher --dataset public/data/porto --out "$porto" --routes --anchor end --destination \
    --dest-relative --moves 4 --layers 2 --heads 4 --embd 96 --epochs 40 --patience 2 --batch 32 "${resume[@]}" \
    >> runs/teacher-moves/teacher.train.log 2>&1
fi

if [ "${STAGE:-}" = teacher ]; then
  stamp "STAGE=teacher: done"
  exit 0
fi

moved=runs/sf/teacher-moves/teacher-from-porto.safetensors
if ! up_to_date "$moved" "$porto"; then
  npm run --silent cli -- checkpoint transfer "$porto" --dataset "$sf" --out "$moved" | tee runs/sf/teacher-moves/transfer.json
  made_from "$moved" "$porto"
fi
for swap in "" --swap-destination; do
  f="runs/sf/teacher-moves/steps-val${swap:+-swapped}.json"
  up_to_date "$f" "$moved" && continue
  npm run --silent cli -- eval steps --checkpoint "$moved" --dataset "$sf" --split val --window 7 --resamples 200 --json $swap > "$f.tmp"
  mv "$f.tmp" "$f"
  made_from "$f" "$moved"
done
stamp "the moved teacher on SF val (last-step NLL against uniform): runs/sf/teacher-moves/steps-val*.json"

DATASET=$sf DISTILL_FLAGS="${RECIPE_FLAGS:-}" scripts/paired-arm.sh runs/sf/arm-cross runs/sf/vanilla "$moved" \
  "${RECIPE_LAMBDA:-0.0014}" "${RECIPE_TAU:-4.37}" "${RECIPE_WINDOW:-7}"
stamp "done"
