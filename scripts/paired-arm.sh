#!/usr/bin/env bash
# One seed-paired arm end to end: vanilla and distilled students for every seed (early stopping on
# val), then the teacher-forced effects on val and test (eval paired-steps) and the generation
# effects on test and train OD pairs (eval paired-report), and on val OD pairs for choosing an
# arm. Several trainings run at once (JOBS, one per core by default: the wasm backend uses one core
# per process), and so do the report's route generations (eval paired-report --prefill). Vanilla
# runs live in their own folder, so every arm trained with the same budget reuses them. Resumable: a
# finished run or report is kept and skipped (a report only while it was made from its checkpoints
# as they are: scripts/made-from.sh); a run stopped part-way continues from its last finished
# epoch (train student --resume). Generated routes are cached per checkpoint in
# <vanilla dir>/.routes, so the vanilla runs' routes are generated once for all arms (eval
# paired-report --route-cache). Long: run it in the background.
#
#   scripts/paired-arm.sh <arm dir> <vanilla dir> <teacher ckpt> <lambda> <tau> <window> [seeds]
#   env: JOBS (cores), FRAC (1), EPOCHS (40: a cap early stopping should reach first), PATIENCE (3),
#        MAX_LEN (512), BATCH (16), MICRO (16), DATASET (public/data/porto), TRAIN_OD (500),
#        TEST_OD (all), BOOTSTRAP (2000), DISTILL_FLAGS (more flags for the distilled runs),
#        METHOD (bestFirst: HOSER's search, chosen over beam 4 on val, docs/experiments/README.md),
#        MODES ("vanilla distilled"; "vanilla" trains the shared vanilla runs only, e.g. before the
#        teacher is ready, and stops there)
#   e.g. nohup scripts/paired-arm.sh runs/arm-a runs/vanilla runs/teacher.safetensors 0.0014 4.37 7 > runs/arm-a.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/run-lock.sh
source scripts/run-lock.sh
# shellcheck source=scripts/made-from.sh
source scripts/made-from.sh
arm=${1:?arm dir}
van=${2:?vanilla dir}
teacher=${3:?teacher checkpoint}
lambda=${4:?lambda}
tau=${5:?tau}
window=${6:?window}
seeds=${7:-1 2 3 4 5}
jobs=${JOBS:-$(nproc)}
dataset=${DATASET:-public/data/porto}
mkdir -p "$arm" "$van"
t0=$(date +%s)
stamp() { echo "[$1] $2 ($(date -u +%H:%M:%S), +$(($(date +%s) - t0)) s)"; }

# One training (scripts/run-lock.sh train_claimed: a run another process trains, e.g. a second
# study lane on the same arm, is left to it).
train_one() { # mode seed out
  local mode=$1 seed=$2 ck=$3 extra=()
  if [ "$mode" = distilled ]; then
    extra=(--teacher "$teacher" --lambda "$lambda" --tau "$tau" --window "$window")
    # shellcheck disable=SC2206
    [ -n "${DISTILL_FLAGS:-}" ] && extra+=($DISTILL_FLAGS)
  fi
  train_claimed "$ck" --mode "$mode" --seed "$seed" --train-frac "${FRAC:-1}" "${extra[@]}"
}
export -f train_one train_claimed claim_run release_run
export dataset teacher lambda tau window

todo=()
for seed in $seeds; do
  for mode in ${MODES:-vanilla distilled}; do
    if [ "$mode" = vanilla ]; then ck="$van/vanilla-s$seed.safetensors"; else ck="$arm/distilled-s$seed.safetensors"; fi
    if [ -f "$ck" ]; then stamp skip "$ck exists"; else todo+=("$mode $seed $ck"); fi
  done
done
if [ ${#todo[@]} -gt 0 ]; then
  stamp train "${#todo[@]} runs, $jobs at a time"
  # shellcheck disable=SC2016 # $0… expand in the child bash
  printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -L 1 bash -c 'train_one "$0" "$1" "$2" || exit
    [ -f "$2" ] && echo "[trained] $2"; exit 0'
  # Runs another process took: wait for them.
  await_runs "${todo[@]##* }"
fi
stamp train "all trained"
if [ "${MODES:-vanilla distilled}" != "vanilla distilled" ]; then
  stamp "done" "MODES=${MODES}: no paired scoring"
  exit 0
fi

hold_reports "$arm"
vans=$(for s in $seeds; do printf '%s,' "$van/vanilla-s$s.safetensors"; done)
diss=$(for s in $seeds; do printf '%s,' "$arm/distilled-s$s.safetensors"; done)
# A report is kept only when it was made from the checkpoints as they are now.
scored=(${vans//,/ } ${diss//,/ })
fresh() { up_to_date "$1" "${scored[@]}"; }
label="lambda $lambda, tau $tau, w $window${DISTILL_FLAGS:+, $DISTILL_FLAGS}"
# The two teacher-forced scorings share nothing, so they run side by side; generation comes after.
pids=()
for split in val test; do
  f="$arm/paired-steps-$split.json"
  if fresh "$f"; then stamp skip "$f is up to date"; continue; fi
  stamp eval "paired-steps on $split"
  (npm run --silent cli -- eval paired-steps --dataset "$dataset" --vanilla "${vans%,}" --distilled "${diss%,}" --split "$split" \
    --label "$label" --out "$arm/.tmp-paired-steps-$split.json" > /dev/null && mv "$arm/.tmp-paired-steps-$split.json" "$f" && made_from "$f" "${scored[@]}") &
  pids+=($!)
  [ "$jobs" -gt 1 ] || wait "${pids[-1]}"
done
for p in "${pids[@]}"; do wait "$p"; done
f="$arm/paired-report.json"
report=(--dataset "$dataset" --vanilla "${vans%,}" --distilled "${diss%,}" --test-od "${TEST_OD:-all}" --train-od "${TRAIN_OD:-500}"
  --bootstrap "${BOOTSTRAP:-2000}" --route-cache "$van/.routes" --method "${METHOD:-bestFirst}")
if fresh "$f"; then
  stamp skip "$f is up to date"
else
  stamp eval "paired-report (test OD ${TEST_OD:-all}, train OD ${TRAIN_OD:-500})"
  if [ "$jobs" -gt 1 ]; then
    # The report's generation runs, split between the cores by (split, seed) (eval paired-report
    # --prefill: each part fills the route cache); the report below then finds every run there.
    pids=()
    for ((k = 0; k < jobs; k++)); do
      npm run --silent cli -- eval paired-report "${report[@]}" --prefill "$k/$jobs" > /dev/null &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
  fi
  npm run --silent cli -- eval paired-report "${report[@]}" --out "$arm/.tmp-paired-report.json" > /dev/null
  mv "$arm/.tmp-paired-report.json" "$f"
  made_from "$f" "${scored[@]}"
fi
# Generation on every val OD pair: the split the arm to ship is chosen on (test is for the report).
f="$arm/paired-report-val.json"
if fresh "$f"; then
  stamp skip "$f is up to date"
else
  stamp eval "paired-report on val OD"
  npm run --silent cli -- eval paired-report "${report[@]}" --splits val --out "$arm/.tmp-paired-report-val.json" > /dev/null
  mv "$arm/.tmp-paired-report-val.json" "$f"
  made_from "$f" "${scored[@]}"
fi
stamp "done" "arm $arm in $(($(date +%s) - t0)) s"
