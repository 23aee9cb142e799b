#!/usr/bin/env bash
# Issue 65's Porto and San Francisco runs still to train, in their order, two jobs at a time. Each
# study is resumable within a machine's life (a run stopped mid-epoch goes on from its .partial; what
# is done is skipped), but nothing outside git outlives a session's machine: commit what finished
# before the session ends (`npm run cli -- study keep <study> --weights`, then git commit), and start
# no run that cannot end in the time left (a Porto run with the route corpus: about 80 min on one
# core beside another job, 24 epochs; a San Francisco run 55–85 min, by the CPU). Runs are bit-identical to
# their committed logs when trained again, so a lost partner can be remade; a lost checkpoint costs
# only the time. On a fresh machine the finished steps cost nothing: `study run` keeps a committed
# report whose checkpoints are gone, and trains a run whose log is kept only for a report still to make.
#   1. Registration 3's ten runs (studies/porto-confirm-final.json; seeds 26-35), then its reading
#      exactly as registered (docs/experiments/registration-3.md).
#   2. The recipe's KL twin (studies/porto-final-recipe.json, arm markov-kl), with the recipe's seeds
#      1-5 as partners (runs/lever-markov; their logs are committed, their weights were lost with a
#      machine on 2026-11-28 and are trained again), then the uniform twin (markov-uniform).
#   3. San Francisco under the schedule (studies/sf-final-recipe.json; its data built locally first:
#      npm run data:build:sf), a deliverable of the issue: the recipe, the route features and the
#      recipe's KL twin (done, SF's ship decision read), its uniform twin (seeds 1-2 done) and SF's
#      vanilla under the schedule (seeds 1-2 done).
#   4. Seeds 4-5 of both schedule arms (studies/porto-schedule-24-five.json) and their table: a firmer
#      reading of a schedule already chosen on seeds 1-3.
# Run it in the background:  nohup bash scripts/issue65-queue.sh >> runs/issue65-queue.log 2>&1 &
set -u
cd "$(dirname "$0")/.."
study() { # <study> [--only <arm>]
  echo "[queue $(date -u +%H:%M)] study $*"
  npm run --silent cli -- study run "studies/$1.json" --jobs 2 "${@:2}" || echo "[queue] study $1 stopped (exit $?)"
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
    [ -f "$d/vanilla-s$s.safetensors" ] || { echo "[queue] registration 3: seed $s not trained yet"; return 1; }
    ck="$ck${ck:+,}$d/vanilla-s$s.safetensors"
  done
  echo "[queue $(date -u +%H:%M)] registration 3's reading"
  [ -f "$d/registered-routes-test.json" ] || npm run --silent cli -- eval paired-search --checkpoints "$ck" \
    --a method=beam,beam=4 --b method=bestFirst --split test --baselines markovLength --route-cache "$d/.routes" \
    --out "$d/registered-routes-test.json" || return 1
  [ -f docs/experiments/registration-3-result.json ] || npm run --silent cli -- eval registered-long \
    --routes "$d/registered-routes-test.json" --baselines-report docs/experiments/baselines/porto-val-test-chosen.json \
    --dataset public/data/porto --b method=bestFirst --seeds 26,27,28,29,30,31,32,33,34,35 \
    --out docs/experiments/registration-3-result.json --markdown docs/experiments/registration-3-result.md || return 1
  [ -f docs/experiments/registration-3-routes.json.gz ] ||
    npm run --silent cli -- eval pack-routes --cache "$d/.routes" --out docs/experiments/registration-3-routes.json.gz
}
study porto-confirm-final
registered_reading || exit 0
study porto-final-recipe --only markov-kl
study porto-final-recipe --only markov-uniform
[ -f public/data/sf/build-report.json ] || npm run --silent data:build:sf || { echo "[queue] SF data build failed"; exit 1; }
study sf-final-recipe
study porto-schedule-24-five
schedule_table 1,2,3,4,5 docs/experiments/schedule-24-five.md
echo "[queue $(date -u +%H:%M)] done"
