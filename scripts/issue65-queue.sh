#!/usr/bin/env bash
# Issue 65's exploratory Porto runs in their order, two jobs at a time, each study resumable (a run
# stopped mid-epoch goes on from its .partial; what is done is skipped), so a later session starts
# this again and it goes on where it stopped:
#   the schedule's 24-epoch budget (seeds 1–3 of the routes control and the route features), then
#   the long-trip levers a, b and c (seeds 1–3 each, paired with those route features), then the
#   val tables by real-trip length tercile (studies/strata/levers-val.json) and the schedule's table,
#   then the final recipe (lever a: the route features + the Markov inputs) with its seeds 4–5 and its
#   KL and uniform twins (studies/porto-final-recipe.json), seeds 4–5 of both schedule arms
#   (studies/porto-schedule-24-five.json) and their five-seed table, registration 3's ten runs
#   (studies/porto-confirm-final.json) and its reading exactly as registered
#   (docs/experiments/registration-3.md), then San Francisco under the schedule
#   (studies/sf-final-recipe.json; its data built locally first: npm run data:build:sf).
# Run it in the background:  nohup bash scripts/issue65-queue.sh > runs/issue65-queue.log 2>&1 &
set -u
cd "$(dirname "$0")/.."
study() {
  echo "[queue $(date -u +%H:%M)] study $1"
  npm run --silent cli -- study run "studies/$1.json" --jobs 2 || echo "[queue] study $1 stopped (exit $?)"
}
# The schedule's table: both arms under patience 3 and under 24 epochs, on seeds $1, into $2.
schedule_table() {
  npm run --silent cli -- study schedule \
    "patience 3, routes control"=runs/control-routes@$1 "patience 3, route features"=runs/route-features@$1 \
    "24 epochs, routes control"=runs/schedule24/control-routes@$1 "24 epochs, route features"=runs/schedule24/route-features@$1 \
    --markdown "$2"
}
# Registration 3's reading, its commands as registered, once all ten runs exist (each step skipped
# once its output does): test routes of every run, the three endpoints, the routes packed for git.
registered_reading() {
  local d=runs/confirm-final ck=""
  for s in 26 27 28 29 30 31 32 33 34 35; do
    [ -f "$d/vanilla-s$s.safetensors" ] || { echo "[queue] registration 3: seed $s not trained yet"; return; }
    ck="$ck${ck:+,}$d/vanilla-s$s.safetensors"
  done
  echo "[queue $(date -u +%H:%M)] registration 3's reading"
  [ -f "$d/registered-routes-test.json" ] || npm run --silent cli -- eval paired-search --checkpoints "$ck" \
    --a method=beam,beam=4 --b method=bestFirst --split test --baselines markovLength --route-cache "$d/.routes" \
    --out "$d/registered-routes-test.json" || return
  [ -f docs/experiments/registration-3-result.json ] || npm run --silent cli -- eval registered-long \
    --routes "$d/registered-routes-test.json" --baselines-report docs/experiments/baselines/porto-val-test-chosen.json \
    --dataset public/data/porto --b method=bestFirst --seeds 26,27,28,29,30,31,32,33,34,35 \
    --out docs/experiments/registration-3-result.json --markdown docs/experiments/registration-3-result.md || return
  [ -f docs/experiments/registration-3-routes.json.gz ] ||
    npm run --silent cli -- eval pack-routes --cache "$d/.routes" --out docs/experiments/registration-3-routes.json.gz
}
for s in porto-schedule-24 porto-lever-markov porto-lever-fitted porto-lever-zone-plan; do study "$s"; done
schedule_table 1,2,3 docs/experiments/schedule-24.md
npm run --silent cli -- eval length-strata --spec studies/strata/levers-val.json --out docs/experiments/levers-val.json --markdown docs/experiments/levers-val.md
study porto-final-recipe
study porto-schedule-24-five
schedule_table 1,2,3,4,5 docs/experiments/schedule-24-five.md
study porto-confirm-final
registered_reading
study sf-final-recipe
echo "[queue $(date -u +%H:%M)] done"
