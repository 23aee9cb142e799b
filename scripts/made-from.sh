# Sourced by the study scripts: whether a derived file (a report, a moved checkpoint) is up to date
# with the files it was made from. Git keeps no modification times (a new checkout dates its files
# in the order it wrote them, reports before the checkpoints they score), so the test is by content:
# <out>.inputs, beside <out>, holds the sha256 of each input when <out> was made. Committed with the
# runs (scripts/keep-runs.sh), it lets a new machine skip what an earlier one scored.

# made_from <out> <input>…: records that <out> was just made from these inputs.
made_from() {
  local out=$1
  shift
  sha256sum -- "$@" | cut -d' ' -f1 > "$out.inputs.tmp" && mv "$out.inputs.tmp" "$out.inputs"
}

# up_to_date <out> <input>…: <out> exists and was made from these inputs as they are now. An <out>
# with no record, made on this machine after every input (the study before records), is adopted.
up_to_date() {
  local out=$1 f
  shift
  [ -f "$out" ] || return 1
  if [ ! -f "$out.inputs" ]; then
    for f in "$@"; do [ "$out" -nt "$f" ] || return 1; done
    made_from "$out" "$@"
    return 0
  fi
  [ "$(sha256sum -- "$@" | cut -d' ' -f1)" = "$(cat "$out.inputs")" ]
}
