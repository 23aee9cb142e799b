#!/usr/bin/env bash
# Issue 65's exploratory Porto runs in their order, two jobs at a time, each study resumable (a run
# stopped mid-epoch goes on from its .partial; what is done is skipped), so a later session starts
# this again and it goes on where it stopped:
#   the schedule's 24-epoch budget (seeds 1–3 of the routes control and the route features), then
#   the long-trip levers a, b and c (seeds 1–3 each, paired with those route features), then the
#   val tables by real-trip length tercile (studies/strata/levers-val.json) and the schedule's table,
#   then seeds 4–5 of both schedule arms (studies/porto-schedule-24-five.json), after the tables that
#   read the seeds 1–3 report, and their five-seed table.
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
for s in porto-schedule-24 porto-lever-markov porto-lever-fitted porto-lever-zone-plan; do study "$s"; done
schedule_table 1,2,3 docs/experiments/schedule-24.md
npm run --silent cli -- eval length-strata --spec studies/strata/levers-val.json --out docs/experiments/levers-val.json --markdown docs/experiments/levers-val.md
study porto-schedule-24-five
schedule_table 1,2,3,4,5 docs/experiments/schedule-24-five.md
echo "[queue $(date -u +%H:%M)] done"
