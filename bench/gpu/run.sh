#!/usr/bin/env bash
# The prepared device call (bench/gpu/README.md): unpacks what bench/gpu/prepare.sh put in .gpu/,
# finds node, a Vulkan loader and the GPU's Vulkan driver, and runs the benchmark. Its JSON goes to
# stdout and to $OUT/gpu-bench.json (or the work folder). Extra arguments go to gpuBench.ts.
set -uo pipefail
cd "$(dirname "$0")/../.."
CARRY=$PWD/${GPU_CARRY:-.gpu}
W=${GPU_WORK:-/tmp/trajdistill-gpu}
[ -f "$CARRY/work.tar.xz" ] || { echo "bench/gpu/run.sh: $CARRY has no work.tar.xz: run bench/gpu/prepare.sh first, and carry .gpu" >&2; exit 2; }
# xz to stdout; Python's lzma where the machine has no xz.
unxz_to_stdout() {
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}
rm -rf "$W"
mkdir -p "$W/dawn/node_modules/webgpu/dist/linux-x64"
unxz_to_stdout "$CARRY/work.tar.xz" | tar -x -C "$W"

# Node 20 or later: the machine's, else the carried one.
NODE=$(command -v node || true)
if [ -z "$NODE" ] || ! "$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  unxz_to_stdout "$CARRY/node.xz" > "$W/node" && chmod +x "$W/node" && NODE=$W/node
fi
cp "$CARRY/dawn/index.js" "$CARRY/dawn/package.json" "$W/dawn/node_modules/webgpu/"
unxz_to_stdout "$CARRY/dawn/dawn.node.xz" > "$W/dawn/node_modules/webgpu/dist/linux-x64/dawn.node"

# NVIDIA's Vulkan driver lives in libGLX_nvidia, which needs libglvnd's libGLdispatch: where the
# machine has none (the lent machines' image, 2026-11-28: "Found no drivers"), unpack the carried
# amd64 packages (libglvnd, the GLX/EGL/GL dispatch libraries, the Vulkan loader) into / and
# refresh the linker cache, as the device tool's notes advise for these packages.
if [ -d "$CARRY/gl" ] && ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch\.so\.0 '; then
  if command -v dpkg >/dev/null && [ -w / ]; then
    for f in "$CARRY"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    echo "[run] no libGLdispatch and no way to unpack the carried GL packages (dpkg, write access to /)" >&2
  fi
fi
# The Vulkan loader: the machine's, else the carried one (read at the process's start).
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then export LD_LIBRARY_PATH="$CARRY/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
# The driver: a VK_ICD_FILENAMES given, else NVIDIA's ICD file where drivers put it, else one written
# for the NVIDIA library that holds Vulkan (libGLX_nvidia), else none (the JSON says why).
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    [ -f "$f" ] && export VK_ICD_FILENAMES=$f && break
  done
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  lib=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 /{print $NF; exit}')
  for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64; do
    [ -z "$lib" ] && [ -f "$d/libGLX_nvidia.so.0" ] && lib=$d/libGLX_nvidia.so.0
  done
  if [ -n "$lib" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > "$W/nvidia_icd.json"
    export VK_ICD_FILENAMES=$W/nvidia_icd.json
  fi
fi
GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')
echo "[run] node $("$NODE" --version), VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-none found}, GPU: $GPU" >&2

cd "$W"
RESULT=${OUT:-$W}/gpu-bench.json
timeout "${GPU_BENCH_TIMEOUT:-450}" "$NODE" gpuBench.mjs --dawn "$W/dawn" --wasm-dir "$W/wasm/" "$@" > "$RESULT"
rc=$?
cat "$RESULT"
exit $rc
