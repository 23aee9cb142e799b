#!/usr/bin/env bash
# Region transfer against training from scratch, seed-paired (the second-city issue, item 3): for
# every seed, a student of the target city trained from scratch and one started from the source
# city's student of the same seed (train student --transfer-from: the road, zone and road-type
# tables re-initialised, everything else carried over), both on the same share of the target's
# train trips, with the same budget and stopping rule (early stopping on val). Then the
# teacher-forced effects (eval paired-steps, test) and the generation effects (eval paired-report,
# test OD) of transfer − scratch: the reports' "vanilla" is scratch, their "distilled" is transfer.
# Resumable like paired-arm.sh: finished runs and up-to-date reports are skipped, a stopped run
# continues from its .partial. Two processes on the same folder share its runs (scripts/run-lock.sh):
# each trains the runs nobody trains, and the reports are made once. Long: run it in the background.
#
#   scripts/transfer-arm.sh <dir> <scratch dir> <source dir> <train share> [seeds]
#     <scratch dir>: where the scratch runs live (at share 1 these are the target's vanilla runs,
#       scratch-s<seed>.safetensors or vanilla-s<seed>.safetensors); <source dir>: the source city's
#       vanilla-s<seed>.safetensors
#   env: DATASET (public/data/sf), EPOCHS (40), PATIENCE (3), MAX_LEN (512), BATCH (16), MICRO (16),
#        TEST_OD (all), TRAIN_OD (100), BOOTSTRAP (2000), METHOD (bestFirst)
#   e.g. scripts/transfer-arm.sh runs/sf/transfer-0.05 runs/sf/transfer-0.05 runs/vanilla 0.05
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/run-lock.sh
source scripts/run-lock.sh
# shellcheck source=scripts/made-from.sh
source scripts/made-from.sh
dir=${1:?dir}
scratch=${2:?scratch dir}
source=${3:?source dir}
frac=${4:?train share}
seeds=${5:-1 2 3 4 5}
dataset=${DATASET:-public/data/sf}
mkdir -p "$dir" "$scratch"
t0=$(date +%s)
stamp() { echo "[$1] $2 ($(date -u +%H:%M:%S), +$(($(date +%s) - t0)) s)"; }

# One training (scripts/run-lock.sh train_claimed: a run another process trains is left to it).
train_one() { # out, extra flags…
  local ck=$1
  shift
  train_claimed "$ck" --mode vanilla --train-frac "$frac" "$@"
  [ -f "$ck" ] && stamp trained "$ck"
  return 0
}

scratchOf() { # seed → the scratch checkpoint (the target's vanilla run where the scratch dir holds one)
  if [ -f "$scratch/vanilla-s$1.safetensors" ]; then echo "$scratch/vanilla-s$1.safetensors"; else echo "$scratch/scratch-s$1.safetensors"; fi
}

for seed in $seeds; do
  src="$source/vanilla-s$seed.safetensors"
  [ -f "$src" ] || { echo "transfer-arm: no source student $src" >&2; exit 1; }
  ck=$(scratchOf "$seed")
  if [ -f "$ck" ]; then stamp skip "$ck exists"; else train_one "$ck" --seed "$seed"; fi
  ck="$dir/transfer-s$seed.safetensors"
  if [ -f "$ck" ]; then stamp skip "$ck exists"; else train_one "$ck" --seed "$seed" --transfer-from "$src"; fi
done

# Runs another process took: wait for them; then one process at a time scores.
for seed in $seeds; do await_runs "$(scratchOf "$seed")" "$dir/transfer-s$seed.safetensors"; done
hold_reports "$dir"
bases=$(for s in $seeds; do printf '%s,' "$(scratchOf "$s")"; done)
treats=$(for s in $seeds; do printf '%s,' "$dir/transfer-s$s.safetensors"; done)
scored=(${bases//,/ } ${treats//,/ })
fresh() { up_to_date "$1" "${scored[@]}"; } # made from the checkpoints as they are now
f="$dir/paired-steps-test.json"
if fresh "$f"; then stamp skip "$f is up to date"; else
  stamp eval "paired-steps on test"
  npm run --silent cli -- eval paired-steps --dataset "$dataset" --vanilla "${bases%,}" --distilled "${treats%,}" --split test \
    --label "transfer from $source − scratch, train share $frac" --out "$dir/.tmp-paired-steps-test.json" > /dev/null
  mv "$dir/.tmp-paired-steps-test.json" "$f"
  made_from "$f" "${scored[@]}"
fi
f="$dir/paired-report.json"
if fresh "$f"; then stamp skip "$f is up to date"; else
  stamp eval "paired-report (test OD ${TEST_OD:-all}, train OD ${TRAIN_OD:-100})"
  npm run --silent cli -- eval paired-report --dataset "$dataset" --vanilla "${bases%,}" --distilled "${treats%,}" \
    --test-od "${TEST_OD:-all}" --train-od "${TRAIN_OD:-100}" --bootstrap "${BOOTSTRAP:-2000}" --method "${METHOD:-bestFirst}" \
    --route-cache "$scratch/.routes" --label "transfer from $source − scratch, train share $frac" \
    --out "$dir/.tmp-paired-report.json" > /dev/null
  mv "$dir/.tmp-paired-report.json" "$f"
  made_from "$f" "${scored[@]}"
fi
stamp "done" "transfer arm $dir (share $frac) in $(($(date +%s) - t0)) s"
