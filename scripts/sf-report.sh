#!/usr/bin/env bash
# Gathers the finished parts of the SF study (studies/sf.json) into what the repository keeps:
# aggregates and training logs only, never trips (tests/repo/licenceGuard checks). For each finished
# comparison (its paired-steps and paired-report written): the outputs and logs under
# docs/experiments/runs/<name>/, the paired outputs under public/reports/paired/<name>/; then the
# two summaries (public/reports/distillation.json, Porto's regimes with SF's beside arm d, and
# public/reports/sf-transfer.json, transfer − scratch by share and zero-shot), the figures
# (scripts/figures.ts), and the README's tables printed as Markdown (scripts/summary-table.ts).
# A part not finished yet is named and left out; run it again when more has finished.
#
#   scripts/sf-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Study folder → name under docs/experiments/runs/ and public/reports/paired/, in reading order.
study=(runs/sf/arm-d runs/sf/arm-cross runs/sf/transfer-0.05 runs/sf/transfer-0.25 runs/sf/transfer-1 runs/sf/zero-shot)
names=(sf-arm-d sf-arm-cross sf-transfer-5 sf-transfer-25 sf-transfer-100 sf-zero-shot)
finished=()
for i in "${!study[@]}"; do
  dir=${study[$i]} name=${names[$i]}
  if [ ! -f "$dir/paired-steps-test.json" ] || [ ! -f "$dir/paired-report.json" ]; then
    echo "sf-report: $dir is not finished (no paired-steps-test.json or paired-report.json); left out"
    continue
  fi
  finished+=("$name")
  mkdir -p "docs/experiments/runs/$name" "public/reports/paired/$name"
  find "$dir" -maxdepth 1 -type f \( -name 'paired-*.json' -o -name '*.log.json' -o -name 'steps-*.json' \) \
    ! -name '.tmp-*' -exec cp {} "docs/experiments/runs/$name/" \;
  cp "$dir"/paired-*.json "public/reports/paired/$name/"
done
# The runs the comparisons share: SF's vanilla students and teachers, and the Porto moves teacher.
mkdir -p docs/experiments/runs/sf-vanilla docs/experiments/runs/sf-teacher
cp runs/sf/vanilla/*.log.json docs/experiments/runs/sf-vanilla/
cp runs/sf/teacher/teacher.log.json docs/experiments/runs/sf-teacher/
if [ -f runs/teacher-moves/teacher.log.json ]; then
  mkdir -p docs/experiments/runs/teacher-moves
  cp runs/teacher-moves/teacher.log.json docs/experiments/runs/teacher-moves/
fi
if [ -d runs/sf/teacher-moves ]; then
  mkdir -p docs/experiments/runs/sf-teacher-moves
  find runs/sf/teacher-moves -maxdepth 1 -type f \( -name 'steps-*.json' -o -name 'transfer.json' \) \
    -exec cp {} docs/experiments/runs/sf-teacher-moves/ \;
fi

has() { [[ " ${finished[*]} " == *" $1 "* ]]; }
p=public/reports/paired
# Porto's regimes as the distillation issue wrote them (their outputs predate the dataset field,
# hence --untagged porto), with SF's arms after Porto's arm d, the recipe they replicate.
regimes="Arm a: the thesis recipe from the converged teacher, trained to the end, best-first search (full data)=$p/arm-a"
regimes+=";Arm b: arm a with no KL on the last 10 steps or on indistinct candidates=$p/arm-b"
regimes+=";Arm b control: arm a with the KL dropped on a random 66.3 % of steps=$p/arm-b-control"
regimes+=";Arm c: a teacher given the destination offset at every position (KL masked on the last step)=$p/arm-c"
regimes+=";Arm d: the recipe tuned on val generation (λ 0.104, τ 3.35, w 8, no KL on the last 10 steps)=$p/arm-d"
has sf-arm-d && regimes+=";Arm d's recipe in San Francisco, with SF's own teacher=$p/sf-arm-d"
has sf-arm-cross && regimes+=";Arm d's recipe in San Francisco, with the Porto moves teacher (the teacher across cities)=$p/sf-arm-cross"
regimes+=";The earlier shipped teacher and recipe (λ 0.304, τ 4.41, w 6), trained to the end=$p/arm-shipped"
regimes+=";Earlier: full data, 4-epoch cap, beam 4=$p/full"
regimes+=";Earlier: 10 %, 12-epoch cap, beam 4=$p/frac10"
regimes+=";Earlier positive control: a full-data vanilla student as the teacher, 10 %=$p/control10"
npm run --silent cli -- eval distillation-summary --regimes "$regimes" --untagged porto --out public/reports/distillation.json

transfer=""
# The outputs' vanilla runs are the base arm (scratch; SF-trained), their distilled runs the treated one.
has sf-transfer-5 && transfer+=";Transfer − scratch, 5 % of SF's train trips (621)=$p/sf-transfer-5|scratch|transfer"
has sf-transfer-25 && transfer+=";Transfer − scratch, 25 % (3,103 trips)=$p/sf-transfer-25|scratch|transfer"
has sf-transfer-100 && transfer+=";Transfer − scratch, 100 % (12,410 trips)=$p/sf-transfer-100|scratch|transfer"
has sf-zero-shot && transfer+=";Zero-shot (a Porto id-free student, no SF training) − SF-trained vanilla=$p/sf-zero-shot|SF-trained|zero-shot"
if [ -n "$transfer" ]; then
  npm run --silent cli -- eval distillation-summary --regimes "${transfer#;}" --out public/reports/sf-transfer.json
fi
npx tsx scripts/figures.ts > /dev/null
echo
npx tsx scripts/summary-table.ts public/reports/distillation.json
if [ -n "$transfer" ]; then
  echo
  npx tsx scripts/summary-table.ts public/reports/sf-transfer.json
fi
