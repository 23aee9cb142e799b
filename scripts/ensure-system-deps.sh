#!/usr/bin/env bash
# First step of `npm test`: the system programs the tests need beyond npm packages.
#   - Chromium at /usr/bin/chromium (or $CHROMIUM_PATH, as playwright.config.ts reads it): the e2e tests.
#   - python3 with numpy: tests/checkpoint/safetensors.test.ts runs scripts/read_checkpoint.py.
#   - a python3 with torch and numpy ($PEER_PYTHON, python3 or /usr/bin/python3, the order
#     bench/cli/peerBench.ts tries): tests/bench/peer.test.ts.
# Silent when all are there. Otherwise, as root with apt-get, installs Debian's packages; else stops
# with one line naming the command to run.
set -u

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}

# find_spec instead of import: importing torch takes seconds, and this runs before every test run.
has_modules() { # python module...
  local py=$1
  shift
  command -v "$py" >/dev/null 2>&1 || return 1
  "$py" - "$@" >/dev/null 2>&1 <<'EOF'
import importlib.util, sys
sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)
EOF
}

has_torch() {
  local py
  for py in ${PEER_PYTHON:+"$PEER_PYTHON"} python3 /usr/bin/python3; do
    has_modules "$py" torch numpy && return 0
  done
  return 1
}

# Sets `missing` to the Debian packages that would supply what is absent.
check() {
  missing=()
  [ -x "$chromium" ] || missing+=(chromium)
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-numpy)
  elif ! has_modules python3 numpy; then
    missing+=(python3-numpy)
  fi
  has_torch || missing+=(python3-torch)
}

check
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "ensure-system-deps: $*" >&2; }

# apt-get would put Chromium at /usr/bin/chromium, not at a path the user chose.
if [ -n "${CHROMIUM_PATH:-}" ] && [ ! -x "$CHROMIUM_PATH" ]; then
  say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; point it at Chromium, or unset it to use /usr/bin/chromium"
  exit 1
fi

if [ "${EUID:-$(id -u)}" -ne 0 ]; then
  say "missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "missing ${missing[*]}; run: apt-get install -y ${missing[*]} (Debian), or install them with this system's package manager"
  exit 1
fi

for pkg in "${missing[@]}"; do
  case $pkg in
    chromium) say "installing Debian chromium (the Playwright e2e tests)" ;;
    python3) say "installing Debian python3 (the Python checkpoint reader and the PyTorch peer)" ;;
    python3-numpy) say "installing Debian python3-numpy (scripts/read_checkpoint.py in the checkpoint tests)" ;;
    python3-torch) say "installing Debian python3-torch (the PyTorch peer's agreement test)" ;;
  esac
done
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. an unattended upgrade) instead of failing on its lock.
apt_opts=(-qq -o DPkg::Lock::Timeout=600)
if ! apt-get "${apt_opts[@]}" update >/dev/null || ! apt-get "${apt_opts[@]}" install -y "${missing[@]}" >/dev/null; then
  say "apt-get failed; run: apt-get update && apt-get install -y ${missing[*]}"
  exit 1
fi

check
if [ ${#missing[@]} -ne 0 ]; then
  say "still missing after apt-get: ${missing[*]}"
  exit 1
fi
