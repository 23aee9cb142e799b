#!/usr/bin/env bash
# Stages the long studies' finished artefacts under runs/ (git-ignored) for the next commit, so that
# a study continues on a new machine where this one stopped: a new checkout holds only what git
# holds, and the SF study needs several sessions. Staged: finished checkpoints (*.safetensors, model
# weights) and their logs (*.log.json), and the aggregate reports (paired-*.json, steps-*.json,
# transfer.json); with --partial also the state of runs stopped part-way (*.partial, each about 3×
# its checkpoint), to be committed when a session ends. Never staged: training console logs, route
# caches (.routes/), anything under public/data (SF trips are never committed: tests/repo/licenceGuard
# scans runs/ too). Files a finished run removed (its .partial) leave git with the next commit.
#
#   scripts/keep-runs.sh [--partial] && git commit -m "…"
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d runs ] || { echo "keep-runs: no runs/ folder"; exit 0; }
names=(-name '*.safetensors' -o -name '*.log.json' -o -name 'paired-*.json' -o -name 'steps-*.json' -o -name 'transfer.json')
[ "${1:-}" = --partial ] && names+=(-o -name '*.safetensors.partial')
mapfile -d '' files < <(find runs -path '*/.routes' -prune -o -type f \( "${names[@]}" \) \
  ! -name '.tmp-*.safetensors' ! -name '.tmp-*.log.json' ! -name '.tmp-*.json' -print0)
# A stopped run's state lives at .tmp-<name>.safetensors.partial: kept only with --partial (above).
if [ "${1:-}" != --partial ]; then
  mapfile -d '' files < <(printf '%s\0' "${files[@]}" | grep -zv '\.partial$' || true)
fi
[ ${#files[@]} -gt 0 ] && git add -f -- "${files[@]}"
# Tracked files a run has since replaced or removed (a .partial at the end of its run).
git add -u -- runs
git diff --cached --stat -- runs | tail -1
