# Sourced by the study scripts (paired-arm.sh, transfer-arm.sh): one process per training run, so
# that two study lanes can work through the same list of runs, each taking the runs nobody trains,
# and score them once. A run's lock is <dir>/.lock-<name> beside its checkpoint (under runs/,
# git-ignored), held with flock(1) while the run trains; a killed process drops its locks.

# claim_run <checkpoint>: takes the run's lock on fd 8 without waiting; fails (status 1) when another
# process trains that run. The lock is held until release_run or the shell's end.
claim_run() {
  exec 8> "$(dirname "$1")/.lock-$(basename "$1" .safetensors)"
  flock -n 8
}

release_run() {
  exec 8>&-
}

# await_runs <checkpoint>…: waits until no other process trains any of them, then fails when one is
# still missing (its training failed: see its .train.log).
await_runs() {
  local ck
  for ck in "$@"; do
    [ -f "$ck" ] && continue
    flock "$(dirname "$ck")/.lock-$(basename "$ck" .safetensors)" true
    [ -f "$ck" ] || { echo "$ck: missing after its training (see $(dirname "$ck")/$(basename "$ck" .safetensors).train.log)" >&2; return 1; }
  done
}

# train_claimed <checkpoint> <train student flags…>: trains one student run unless it exists or
# another process trains it. It trains into a temporary name (a stopped run leaves nothing to skip
# next time; its <name>.partial, the whole state after each epoch, lets the next start continue
# it) and moves the student and its log in place when done. Reads $dataset and the env EPOCHS (40:
# a cap early stopping should reach first), PATIENCE (3), MAX_LEN (512), BATCH (16), MICRO (16).
train_claimed() {
  local ck=$1 dir base rc=0
  shift
  dir=$(dirname "$ck")
  base=$(basename "$ck" .safetensors)
  if ! claim_run "$ck"; then
    echo "[busy] $ck: another process trains it"
    return 0
  fi
  if [ ! -f "$ck" ]; then
    npm run --silent cli -- train student --dataset "$dataset" --epochs "${EPOCHS:-40}" --patience "${PATIENCE:-3}" \
      --max-len "${MAX_LEN:-512}" --batch "${BATCH:-16}" --micro "${MICRO:-16}" --quiet --resume "$@" \
      --out "$dir/.tmp-$base.safetensors" > "$dir/$base.train.log" 2>&1 &&
      mv "$dir/.tmp-$base.log.json" "$dir/$base.log.json" && mv "$dir/.tmp-$base.safetensors" "$ck" || rc=$?
  fi
  release_run
  return $rc
}

# hold_reports <dir>: one process scores a study folder at a time (fd 7, blocking); the next one then
# finds the reports up to date and skips them.
hold_reports() {
  exec 7> "$1/.lock-reports"
  flock 7
}
