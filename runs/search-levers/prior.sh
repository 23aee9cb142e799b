#!/usr/bin/env bash
# Issue 65, lever a screened at search time first: the Markov chain's log p as a prior on the route
# features' next-road choices (features + prior − features), seeds 1-3, val, best-first.
set -u
cd "$(dirname "$0")/../.."
ck=runs/route-features/vanilla-s1.safetensors,runs/route-features/vanilla-s2.safetensors,runs/route-features/vanilla-s3.safetensors
for beta in 0.1 0.3 1; do
  out=runs/search-levers/val-prior-$beta.json
  { [ -f "$out" ] || [ -f "$out.gz" ]; } && continue
  npm run --silent cli -- eval paired-report --vanilla $ck --distilled $ck --distilled-prior markov:$beta --splits val --train-od 0 \
    --method bestFirst --route-cache runs/search-levers/.routes --label "route features + Markov prior β $beta − route features" --out "$out" || echo "failed: $beta"
done
