#!/usr/bin/env bash
# Issue 65, lever d (search): the length term and the tail guard, screened on val on seeds 1-3 of a
# recipe's checkpoints, each against plain best-first.
#   sweep.sh [checkpoint folder] [output folder]
# Defaults: the route features' patience-3 runs (runs/route-features) into runs/search-levers; the
# 24-epoch recipe: sweep.sh runs/schedule24/route-features runs/search-levers-24.
set -u
cd "$(dirname "$0")/../.."
dir=${1:-runs/route-features}
outdir=${2:-runs/search-levers}
mkdir -p "$outdir"
ck=$dir/vanilla-s1.safetensors,$dir/vanilla-s2.safetensors,$dir/vanilla-s3.safetensors
for b in cap=1.05 cap=1.1 cap=1.2 cap=1.5 length=0.3 length=1 length=3; do
  out=$outdir/val-${b/=/-}.json
  { [ -f "$out" ] || [ -f "$out.gz" ]; } && continue
  npm run --silent cli -- eval paired-search --checkpoints $ck --a method=bestFirst --b method=bestFirst,$b \
    --split val --baselines markovLength --route-cache "$outdir/.routes" --out "$out" || echo "failed: $b"
done
