#!/usr/bin/env bash
# Stages the long studies' finished artefacts under runs/ (git-ignored) for the next commit, so that
# a study continues on a new machine where this one stopped: a new checkout holds only what git
# holds, and the SF study needs several sessions. Staged: finished checkpoints (*.safetensors with
# their *.log.json, model weights; checkpoints moved to another city, with their *.inputs), the
# aggregate reports (paired-*.json, steps-*.json, transfer.json) and the records of what each was
# made from (*.inputs, written by study run); with --partial also the runs stopped part-way
# (*.partial, each about 3× its checkpoint, with the best weights so far beside it), to be committed
# when a session ends. Never staged: training console logs, route caches (.routes/), anything under
# public/data (SF trips are never committed: tests/repo/licenceGuard scans runs/ too). Files a
# finished run removed (its .partial) leave git with the next commit.
#
#   scripts/keep-runs.sh [--partial] && git commit -m "…"
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d runs ] || { echo "keep-runs: no runs/ folder"; exit 0; }
names=(-name '*.safetensors' -o -name '*.log.json' -o -name 'paired-*.json' -o -name 'steps-*.json' -o -name 'transfer.json' -o -name '*.inputs')
[ "${1:-}" = --partial ] && names+=(-o -name '*.safetensors.partial')
mapfile -d '' files < <(find runs -path '*/.routes' -prune -o -type f \( "${names[@]}" \) \
  ! -name '.tmp-*.safetensors' ! -name '.tmp-*.json' -print0)
# A checkpoint is finished when its log is written beside it (a teacher writes its best weights
# under the final name while it trains), or its record of inputs (a moved checkpoint); an
# unfinished one is useless without its .partial, so it is
# kept only with --partial, as is a stopped run's state (.tmp-<name>.safetensors.partial).
if [ "${1:-}" != --partial ]; then
  kept=()
  for f in "${files[@]}"; do
    case $f in
      *.partial) continue ;;
      *.safetensors) [ -f "${f%.safetensors}.log.json" ] || [ -f "$f.inputs" ] || continue ;;
    esac
    kept+=("$f")
  done
  files=("${kept[@]}")
else
  # A stopped run's best weights so far (<out> beside its .partial): a resumed run whose best epoch
  # came before the stop keeps them (src/cli/train.ts), so they travel with the .partial.
  for f in "${files[@]}"; do
    case $f in
      *.safetensors.partial) [ -f "${f%.partial}" ] && files+=("${f%.partial}") ;;
    esac
  done
fi
[ ${#files[@]} -gt 0 ] && git add -f -- "${files[@]}"
# Tracked files a run has since removed (a .partial at the end of its run). A tracked .partial that
# changed is staged above only with --partial.
mapfile -d '' gone < <(git ls-files -z --deleted -- runs)
[ ${#gone[@]} -gt 0 ] && git rm -q --cached -- "${gone[@]}"
git diff --cached --stat -- runs | tail -1
