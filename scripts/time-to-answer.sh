#!/usr/bin/env bash
# Time to an answer, before and after (issue 20, BENCHMARKS.md "Time to an answer"): the same reduced
# two-arm study by the pipeline of an earlier commit (scripts/distill-seeds.sh, one training after
# another, then eval paired-report with its default search) and by this checkout's
# (scripts/paired-arm.sh with both cores, the shared vanilla runs and their cached routes). Two arms
# (the thesis's optimum, then the tuned recipe), seeds 1 and 2, 10 % of the train trips, 3 epochs,
# 64 test and 32 train OD pairs, the shipped teacher. Prints each arm's wall seconds as JSON. Run it on
# an otherwise idle machine: a few minutes on two cores.
#
#   scripts/time-to-answer.sh [before commit, default 875be10] [scratch dir]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
before=${1:-875be10}
scratch=${2:-$(mktemp -d)}
teacher=$root/public/checkpoints/porto/teacher.safetensors
old=$scratch/before-checkout
git worktree add -q --detach "$old" "$before"
trap 'git -C "$root" worktree remove --force "$old"' EXIT
ln -s "$root/node_modules" "$old/node_modules"
recipe() { if [ "$1" = 1 ]; then echo "0.0014 4.37 7"; else echo "0.304 4.41 6"; fi; }

times=()
for arm in 1 2; do
  t0=$(date +%s)
  # shellcheck disable=SC2046
  (cd "$old" && EPOCHS=3 PATIENCE=0 scripts/distill-seeds.sh "$scratch/before/arm$arm" "$teacher" 0.1 $(recipe $arm) "1 2" &&
    npm run --silent cli -- eval paired-report \
      --vanilla "$scratch/before/arm$arm/vanilla-s1.safetensors,$scratch/before/arm$arm/vanilla-s2.safetensors" \
      --distilled "$scratch/before/arm$arm/distilled-s1.safetensors,$scratch/before/arm$arm/distilled-s2.safetensors" \
      --test-od 64 --train-od 32 --bootstrap 500 --out "$scratch/before/arm$arm/report.json") > "$scratch/before-arm$arm.log" 2>&1
  times+=("\"before_arm$arm\": $(($(date +%s) - t0))")
done
for arm in 1 2; do
  t0=$(date +%s)
  # shellcheck disable=SC2046
  JOBS=2 FRAC=0.1 EPOCHS=3 PATIENCE=0 TEST_OD=64 TRAIN_OD=32 BOOTSTRAP=500 \
    scripts/paired-arm.sh "$scratch/after/arm$arm" "$scratch/after/vanilla" "$teacher" $(recipe $arm) "1 2" > "$scratch/after-arm$arm.log" 2>&1
  times+=("\"after_arm$arm\": $(($(date +%s) - t0))")
done
(IFS=,; echo "{\"before\": \"$before\", \"scratch\": \"$scratch\", ${times[*]}}")
