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

# hold_reports <dir>: one process scores a study folder at a time (fd 7, blocking); the next one then
# finds the reports up to date and skips them.
hold_reports() {
  exec 7> "$1/.lock-reports"
  flock 7
}
