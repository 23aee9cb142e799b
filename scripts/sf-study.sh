#!/usr/bin/env bash
# The San Francisco study of the second-city issue, resumable: run it in the background and run it
# again after a stop; every stage skips what is finished and continues what was stopped. Needs
# public/data/sf (npm run data:build:sf, from ../shared/data/sf; git-ignored: SF trips are never
# committed). Two lanes run side by side (JOBS=2, one per core; JOBS=1 runs them one after the other):
#   SF lane
#     1. the LM-TAD teacher on SF's train trips, to its plateau (patience 2), with the Porto
#        teacher's recipe (destination token, ψ on the road's far end; SF has no route corpus)
#                                                                          runs/sf/teacher/
#     2. the seed-paired distillation arm with the recipe that helped in Porto (the distillation
#        issue's arm d: λ 0.104, τ 3.35, w 8, no KL on each trip's last 10 steps), and SF's vanilla
#        runs                                                        runs/sf/arm-d/, runs/sf/vanilla/
#   Porto lane
#     3. Porto's vanilla students, seeds 1–5 (the distillation study's shared vanilla runs): they
#        start the transfer runs                                                    runs/vanilla/
#     4. id-free Porto students (train student --id-free), seeds 1–5               runs/sf/zero-shot/
#     5. region transfer Porto → SF against scratch at 5 % and 25 % of SF's train trips
#        (scripts/transfer-arm.sh)                                   runs/sf/transfer-0.05/, -0.25/
#     6. the Porto moves teacher of scripts/cross-teacher.sh (STAGE=teacher)    runs/teacher-moves/
#     7. then it joins the SF lane: the SF arm's runs that nobody trains yet (scripts/run-lock.sh)
#   then, on both cores
#     8. transfer at 100 %: the scratch runs are SF's vanilla runs                runs/sf/transfer-1/
#     9. zero-shot: the id-free Porto students moved to SF as they are (checkpoint transfer) and
#        scored there against SF's vanilla runs ("vanilla" = SF-trained, "distilled" = zero-shot)
#    10. the teacher across cities: scripts/cross-teacher.sh                      runs/sf/arm-cross/
# Finished checkpoints that a later stage reads are committed with scripts/keep-runs.sh (model weights
# and aggregate reports only), so that a new machine continues the study where this one stopped.
#
#   JOBS=2 nohup nice -n 10 scripts/sf-study.sh >> runs/sf-study.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/made-from.sh
source scripts/made-from.sh
sf=public/data/sf
porto=public/data/porto
if [ ! -f "$sf/train.csv" ]; then
  echo "sf-study: no $sf; build it first: npm run data:build:sf (reads ../shared/data/sf)" >&2
  exit 1
fi
jobs=${JOBS:-1}
stamp() { echo "[sf-study] $1 ($(date -u +%H:%M:%S))"; }
seeds="1 2 3 4 5"
# The distillation issue's arm d, as its tuning chose it (docs/experiments/runs/arm-d/tuning.json).
export RECIPE_LAMBDA=0.10385718648105681 RECIPE_TAU=3.3508482790284706 RECIPE_WINDOW=8 RECIPE_FLAGS="--kl-mask-last 10"
teacher=runs/sf/teacher/teacher.safetensors
zs=runs/sf/zero-shot

sf_arm() {
  DATASET=$sf JOBS=1 DISTILL_FLAGS="$RECIPE_FLAGS" \
    scripts/paired-arm.sh runs/sf/arm-d runs/sf/vanilla "$teacher" "$RECIPE_LAMBDA" "$RECIPE_TAU" "$RECIPE_WINDOW"
}

sf_lane() {
  mkdir -p runs/sf/teacher
  if [ -f "${teacher%.safetensors}.log.json" ]; then
    stamp "skip teacher: finished"
  else
    stamp "teacher $teacher"
    local resume=()
    [ -f "$teacher.partial" ] && resume=(--resume)
    npm run --silent cli -- train teacher --dataset "$sf" --out "$teacher" --anchor end --destination \
      --layers 2 --heads 4 --embd 96 --epochs 40 --patience 2 --batch 32 "${resume[@]}" >> runs/sf/teacher/teacher.train.log 2>&1
  fi
  sf_arm
}

porto_lane() {
  # The teacher argument is unused with MODES=vanilla.
  DATASET=$porto JOBS=1 MODES=vanilla scripts/paired-arm.sh runs/vanilla-only runs/vanilla none 0 1 1
  mkdir -p "$zs"
  local seed
  for seed in $seeds; do
    [ -f "$zs/porto-idfree-s$seed.safetensors" ] && continue
    stamp "id-free Porto student, seed $seed"
    npm run --silent cli -- train student --dataset "$porto" --mode vanilla --id-free --seed "$seed" \
      --epochs 40 --patience 3 --max-len 512 --batch 16 --micro 16 --quiet --resume \
      --out "$zs/.tmp-porto-idfree-s$seed.safetensors" > "$zs/porto-idfree-s$seed.train.log" 2>&1
    mv "$zs/.tmp-porto-idfree-s$seed.log.json" "$zs/porto-idfree-s$seed.log.json"
    mv "$zs/.tmp-porto-idfree-s$seed.safetensors" "$zs/porto-idfree-s$seed.safetensors"
  done
  local frac
  for frac in 0.05 0.25; do
    scripts/transfer-arm.sh "runs/sf/transfer-$frac" "runs/sf/transfer-$frac" runs/vanilla "$frac"
  done
  STAGE=teacher scripts/cross-teacher.sh
  if [ "$jobs" -gt 1 ]; then
    while [ ! -f "${teacher%.safetensors}.log.json" ]; do sleep 60; done
    stamp "joining the SF arm"
    sf_arm
  fi
}

if [ "$jobs" -gt 1 ]; then
  sf_lane > >(sed -u 's/^/[sf lane] /') 2>&1 &
  a=$!
  porto_lane > >(sed -u 's/^/[porto lane] /') 2>&1 &
  b=$!
  wait "$a"
  wait "$b"
else
  sf_lane
  porto_lane
fi
stamp "both lanes done"

# Two processes share the five transfer runs (each takes the runs nobody trains).
pids=()
for ((k = 0; k < jobs; k++)); do
  scripts/transfer-arm.sh runs/sf/transfer-1 runs/sf/vanilla runs/vanilla 1 &
  pids+=($!)
  sleep 5
done
for p in "${pids[@]}"; do wait "$p"; done

for seed in $seeds; do
  ck="$zs/porto-idfree-s$seed.safetensors"
  if ! up_to_date "$zs/sf-s$seed.safetensors" "$ck"; then
    npm run --silent cli -- checkpoint transfer "$ck" --dataset "$sf" --out "$zs/sf-s$seed.safetensors" > /dev/null
    made_from "$zs/sf-s$seed.safetensors" "$ck"
  fi
done
vans=$(for s in $seeds; do printf '%s,' "runs/sf/vanilla/vanilla-s$s.safetensors"; done)
zss=$(for s in $seeds; do printf '%s,' "$zs/sf-s$s.safetensors"; done)
label="zero-shot (Porto, id-free) − SF-trained vanilla"
scored=(${vans//,/ } ${zss//,/ })
if ! up_to_date "$zs/paired-steps-test.json" "${scored[@]}"; then
  stamp "zero-shot: paired-steps on SF test"
  npm run --silent cli -- eval paired-steps --dataset "$sf" --vanilla "${vans%,}" --distilled "${zss%,}" --split test \
    --label "$label" --out "$zs/.tmp-paired-steps-test.json" > /dev/null
  mv "$zs/.tmp-paired-steps-test.json" "$zs/paired-steps-test.json"
  made_from "$zs/paired-steps-test.json" "${scored[@]}"
fi
# Each zero-shot student against the uniform guess over the candidate roads (eval steps gives both).
for seed in $seeds; do
  f="$zs/steps-test-s$seed.json"
  up_to_date "$f" "$zs/sf-s$seed.safetensors" && continue
  npm run --silent cli -- eval steps --checkpoint "$zs/sf-s$seed.safetensors" --dataset "$sf" --split test --resamples 200 --json > "$f.tmp"
  mv "$f.tmp" "$f"
  made_from "$f" "$zs/sf-s$seed.safetensors"
done
if ! up_to_date "$zs/paired-report.json" "${scored[@]}"; then
  stamp "zero-shot: paired-report on SF test OD"
  npm run --silent cli -- eval paired-report --dataset "$sf" --vanilla "${vans%,}" --distilled "${zss%,}" --test-od all \
    --train-od 100 --bootstrap 2000 --method bestFirst --route-cache runs/sf/vanilla/.routes \
    --label "$label" --out "$zs/.tmp-paired-report.json" > /dev/null
  mv "$zs/.tmp-paired-report.json" "$zs/paired-report.json"
  made_from "$zs/paired-report.json" "${scored[@]}"
fi
JOBS=$jobs scripts/cross-teacher.sh
stamp "done"
