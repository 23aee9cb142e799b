#!/usr/bin/env bash
# San Francisco's models on real trips the build never saw: the build holds out every 8th taxi file
# (8 of 64 taxis, build-report.json's heldOutTaxis), so their trips are in no split. This matches
# them onto SF's network (data match, the build's matcher) into public/data/sf-heldout/ (git-ignored:
# CRAWDAD trips are never committed; data match puts SF's train and val trips beside them, so the
# students' derived inputs are SF's and the teacher gate's β is chosen on val as on SF's test), and
# scores them teacher-forced:
#   - the shipped SF models (public/checkpoints/sf: teacher, vanilla, distilled, vanilla + β·teacher)
#     → docs/experiments/sf/heldout/<model>-steps.json
#   - for each finished SF arm (runs/sf/arm-d, SF's own teacher; runs/sf/arm-cross, the Porto moves
#     teacher: 5 seed pairs each), its paired effect on these trips (eval paired-steps)
#     → docs/experiments/sf/heldout/<arm>-paired-steps.json
# Aggregates only. About a minute a model on two cores.
#
#   scripts/sf-heldout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sf=public/data/sf
out=public/data/sf-heldout
docs=docs/experiments/sf/heldout
gps=${SF_GPS:-../shared/data/sf/gps/ynskoroglu_pmi_interview}
[ -f "$sf/build-report.json" ] || { echo "sf-heldout: no $sf; build it first: npm run data:build:sf" >&2; exit 1; }
mapfile -t taxis < <(node -e 'for (const t of require(process.argv[1]).inputs.heldOutTaxis) console.log(t)' "./$sf/build-report.json")
[ "${#taxis[@]}" -gt 0 ] || { echo "sf-heldout: $sf/build-report.json names no held-out taxis" >&2; exit 1; }
files=()
for t in "${taxis[@]}"; do
  f="$gps/new_$t.txt"
  [ -f "$f" ] || { echo "sf-heldout: no GPS file $f (SF_GPS names the folder)" >&2; exit 1; }
  files+=("$f")
done
mkdir -p "$docs"
npm run --silent cli -- data match --network "$sf" --gps "${files[@]}" --out "$out" --json > "$docs/match.json"
node -e 'const m = require(process.argv[1]); console.log(`sf-heldout: ${JSON.stringify(m)}`.slice(0, 400))' "./$docs/match.json"

ck=public/checkpoints/sf
steps() { # name, eval steps flags…
  local name=$1
  shift
  npm run --silent cli -- eval steps --dataset "$out" --split test --json "$@" > "$docs/$name-steps.json.tmp"
  mv "$docs/$name-steps.json.tmp" "$docs/$name-steps.json"
  echo "sf-heldout: $docs/$name-steps.json"
}
steps teacher --checkpoint "$ck/teacher.safetensors"
steps vanilla --checkpoint "$ck/vanilla.safetensors"
steps distilled --checkpoint "$ck/distilled.safetensors"
steps vanilla-with-teacher --checkpoint "$ck/vanilla.safetensors" --teacher "$ck/teacher.safetensors"

seeds="1 2 3 4 5"
vans=$(for s in $seeds; do printf '%s,' "runs/sf/vanilla/vanilla-s$s.safetensors"; done)
for spec in "arm-d|SF arm d" "arm-cross|SF arm d's recipe with the Porto moves teacher"; do
  name=${spec%%|*}
  arm=runs/sf/$name
  missing=0
  for s in $seeds; do [ -f "runs/sf/vanilla/vanilla-s$s.safetensors" ] && [ -f "$arm/distilled-s$s.safetensors" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    echo "sf-heldout: $arm is not finished; its paired effect on these trips is left out"
    continue
  fi
  diss=$(for s in $seeds; do printf '%s,' "$arm/distilled-s$s.safetensors"; done)
  npm run --silent cli -- eval paired-steps --dataset "$out" --vanilla "${vans%,}" --distilled "${diss%,}" --split test \
    --label "${spec#*|} on the held-out taxis' trips" --out "$docs/$name-paired-steps.json.tmp" > /dev/null
  mv "$docs/$name-paired-steps.json.tmp" "$docs/$name-paired-steps.json"
  echo "sf-heldout: $docs/$name-paired-steps.json"
done
