#!/usr/bin/env bash
# Issue 65, lever d (search): the length term and the tail guard, screened on val on the route
# features' seeds 1-3 (runs/route-features, the patience-3 recipe), each against plain best-first.
set -u
cd "$(dirname "$0")/../.."
ck=runs/route-features/vanilla-s1.safetensors,runs/route-features/vanilla-s2.safetensors,runs/route-features/vanilla-s3.safetensors
for b in cap=1.05 cap=1.1 cap=1.2 cap=1.5 length=0.3 length=1 length=3; do
  out=runs/search-levers/val-${b/=/-}.json
  { [ -f "$out" ] || [ -f "$out.gz" ]; } && continue
  npm run --silent cli -- eval paired-search --checkpoints $ck --a method=bestFirst --b method=bestFirst,$b \
    --split val --baselines markovLength --route-cache runs/search-levers/.routes --out "$out" || echo "failed: $b"
done
