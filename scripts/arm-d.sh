#!/usr/bin/env bash
# Issue 22, arm d: a recipe tuned for generation. `tune` on val with the generation objective (the
# best-first routes of 200 val OD pairs against their real trips: reached rate first, then DTW) over
# λ, τ, w and where the KL is dropped, at full data, rungs of 4 and 12 epochs; then the best trial
# that reached 12 epochs runs as a seed-paired arm (scripts/paired-arm.sh, with the shared vanilla
# runs), scored on test once. Resumable: tune continues from its log, the arm from its runs.
#
#   nohup nice -n 10 scripts/arm-d.sh <teacher ckpt> > runs/arm-d.log 2>&1 &
#   env: TRIALS (12), and paired-arm.sh's (JOBS defaults to 1 here: one training at a time)
set -euo pipefail
cd "$(dirname "$0")/.."
teacher=${1:?teacher checkpoint}
export JOBS=${JOBS:-1}
mkdir -p runs/arm-d
# One arm d at a time: a second start (e.g. distill-study.sh reaching arm d while an arm-d.sh started
# by hand still runs) waits here, then finds the tuning and the runs done and skips them.
exec 9> runs/arm-d/.lock
flock 9
echo "[arm d] tuning on val ($(date -u +%H:%M:%S))"
npm run --silent cli -- tune --trials "${TRIALS:-12}" --teacher "$teacher" --objective generation --objective-od 200 --tune-mask \
  --min-budget 4 --max-budget 12 --eta 3 --max-len 512 --batch 16 --micro 16 --patience 3 \
  --out runs/arm-d/tuning.json --state runs/arm-d/tuning-state
# The best full-budget trial: λ τ w, and its KL mask as train flags.
# shellcheck disable=SC2016
read -r lambda tau window flags < <(node -e '
  const r = require("./runs/arm-d/tuning.json");
  const b = r.best;
  if (!b || b.lambda === 0) { console.log("none"); process.exit(0); }
  const m = b.mask ?? { lastSteps: 0, indistinct: false };
  const f = [m.lastSteps > 0 ? `--kl-mask-last ${m.lastSteps}` : "", m.indistinct ? "--kl-mask-indistinct" : ""].filter(Boolean).join(" ");
  console.log(b.lambda, b.tau, b.window, f || "-");
')
if [ "$lambda" = none ]; then
  echo "[arm d] vanilla won the tuning on val: no distilled recipe to run (see runs/arm-d/tuning.json)"
  exit 0
fi
[ "$flags" = - ] && flags=""
echo "[arm d] best on val: λ $lambda τ $tau w $window ${flags:-no KL mask} ($(date -u +%H:%M:%S))"
DISTILL_FLAGS="$flags" scripts/paired-arm.sh runs/arm-d runs/vanilla "$teacher" "$lambda" "$tau" "$window"
echo "[arm d] done ($(date -u +%H:%M:%S))"
