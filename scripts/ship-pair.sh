#!/usr/bin/env bash
# Ships a teacher and one seed-paired student pair as a city's models in the app (the distillation
# issue, item 6; CITY=sf for San Francisco's, which the app uses once the user has built SF's data):
# copies the checkpoints and their training logs into public/checkpoints/<city>/, fits each
# student's hop-time scale on val (calibrate-time, on the fresh copies: it must run once per
# checkpoint) and scores each model teacher-forced on test for the README's table (JSON in
# docs/experiments/shipped/, or docs/experiments/sf/shipped/). For Porto it also re-runs the Compare
# view's report with the study's best-first search (SF's Compare view evaluates live). The
# screenshots come after, from the built app: npm start, then npx tsx scripts/screenshots.ts.
#
#   [CITY=sf] scripts/ship-pair.sh <teacher ckpt> <vanilla ckpt> <distilled ckpt>
#   (each with its <name>.log.json beside it, as train writes them)
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=${1:?teacher checkpoint}
vanilla=${2:?vanilla checkpoint}
distilled=${3:?distilled checkpoint}
city=${CITY:-porto}
dst=public/checkpoints/$city
dataset=public/data/$city
[ -f "$dataset/train.csv" ] || { echo "ship-pair: no $dataset (for SF: npm run data:build:sf)" >&2; exit 1; }
mkdir -p "$dst"
for ck in "$teacher" "$vanilla" "$distilled"; do
  [ -f "$ck" ] && [ -f "${ck%.safetensors}.log.json" ] || { echo "ship-pair: $ck or its .log.json is missing" >&2; exit 1; }
done
ship() { # source, name
  cp "$1" "$dst/$2.safetensors"
  cp "${1%.safetensors}.log.json" "$dst/$2.log.json"
}
ship "$teacher" teacher
ship "$vanilla" vanilla
ship "$distilled" distilled
for m in vanilla distilled; do
  npm run --silent cli -- calibrate-time --checkpoint "$dst/$m.safetensors" --dataset "$dataset"
done
out=docs/experiments/shipped
if [ "$city" = porto ]; then
  npm run --silent cli -- eval report --dataset "$dataset" --checkpoints "$dst" --out public/reports/porto-eval.json \
    --n 50 --seeds 1,2 --method bestFirst
else
  out=docs/experiments/$city/shipped
fi
mkdir -p "$out"
for m in teacher vanilla distilled; do
  npm run --silent cli -- eval steps --checkpoint "$dst/$m.safetensors" --dataset "$dataset" --split test --json > "$out/$m-test-steps.json"
done
# The inference-time mix log p + β·log q (β chosen on val) of the README's table.
npm run --silent cli -- eval steps --checkpoint "$dst/vanilla.safetensors" --teacher "$dst/teacher.safetensors" \
  --dataset "$dataset" --split test --json > "$out/vanilla-with-teacher-test-steps.json"
echo "ship-pair: shipped $teacher, $vanilla, $distilled; now rebuild the screenshots (scripts/screenshots.ts)"
