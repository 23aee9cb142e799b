#!/usr/bin/env bash
# Builds .gpu/ (git-ignored): everything bench/gpu/run.sh needs on a Linux x86-64 machine with an
# NVIDIA GPU and no network (bench/gpu/README.md): the benchmark bundled into one file, Node itself,
# Dawn for linux-x64 only, a Vulkan loader, tfjs-wasm's binaries, and Porto's data, the peer's
# checkpoint, the peer and the PyTorch package. Compressed, it stays well under the 64 MiB a call
# carries. Needs what `npm test` needs here (npm packages, Debian's chromium for the loader).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.gpu
NODE_BIN=$(readlink -f "$(command -v node)")
# Everything is rebuilt but node.xz, which is kept while it is the same node (compressing it is slow).
mkdir -p "$OUT"
find "$OUT" -mindepth 1 -maxdepth 1 ! -name node.xz ! -name node.version -exec rm -rf {} +
mkdir -p "$OUT/dawn" "$OUT/vulkan"

echo "[prepare] the benchmark, bundled (tfjs included; node's modules stay imports)"
npx esbuild bench/gpu/gpuBench.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" \
  --outfile="$OUT/work/gpuBench.mjs"
mkdir -p "$OUT/work/wasm"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$OUT/work/wasm/"

echo "[prepare] data, the peer's checkpoint, the peer and the PyTorch package"
tar -c --exclude=__pycache__ public/data/porto runs/vanilla/vanilla-s1.safetensors bench/cli/peer/peer.py pytorch/trajdistill_torch |
  tar -x -C "$OUT/work"
tar -C "$OUT/work" -cf - . | xz -T0 -6 > "$OUT/work.tar.xz"
rm -rf "$OUT/work"

echo "[prepare] Dawn (linux-x64 only)"
npx tsx -e "import { ensureDawn } from './src/cli/common/dawn.ts'; const r = ensureDawn(); if (!r.ok) { console.error(r.reason); process.exit(1); }"
DAWN=$(npx tsx -e "import { dawnEntry } from './src/cli/common/dawn.ts'; console.log(dawnEntry())")
DAWN=$(dirname "$DAWN")
cp "$DAWN/index.js" "$DAWN/package.json" "$OUT/dawn/"
xz -T0 -6 -c "$DAWN/dist/linux-x64/dawn.node" > "$OUT/dawn/dawn.node.xz"

echo "[prepare] the Vulkan loader (Debian chromium's), for a machine without one"
LOADER=$(dirname "$(readlink -f "${CHROMIUM_PATH:-/usr/bin/chromium}")")/libvulkan.so.1
[ -f "$LOADER" ] || LOADER=/usr/lib/chromium/libvulkan.so.1
cp "$LOADER" "$OUT/vulkan/"

echo "[prepare] GL vendor-neutral dispatch (libglvnd) and the Vulkan loader as amd64 packages: NVIDIA's Vulkan"
echo "  driver (libGLX_nvidia) cannot load without libGLdispatch, which the device image lacks"
LISTS=$(mktemp -d)
mkdir -p "$LISTS/partial" "$OUT/gl"
APT_AMD64=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$LISTS")
apt-get "${APT_AMD64[@]}" update > /dev/null
(cd "$OUT/gl" && apt-get "${APT_AMD64[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
rm -rf "$LISTS"

VERSION="$(node --version) $(sha256sum "$NODE_BIN" | cut -c1-16)"
if [ ! -f "$OUT/node.xz" ] || [ "$(cat "$OUT/node.version" 2>/dev/null)" != "$VERSION" ]; then
  echo "[prepare] node $(node --version) (the device machine has none), compressed: a minute or two"
  xz -T0 -6 -c "$NODE_BIN" > "$OUT/node.xz"
  echo "$VERSION" > "$OUT/node.version"
fi

du -b -s "$OUT" | awk '{printf "[prepare] .gpu/: %.1f MiB\n", $1 / 1048576}'
