#!/usr/bin/env bash
# Seed-paired distillation runs: vanilla and distilled students share each training
# seed, at one train fraction, with one recipe. Resumable: a run whose checkpoint exists is skipped,
# so the script can be stopped and started again. Then scores every pair teacher-forced on val and
# test (eval paired-steps). Long: run it in the background and poll the log.
#
#   scripts/distill-seeds.sh <out dir> <teacher ckpt> <train frac> <lambda> <tau> <window> [seeds]
#   env: EPOCHS (12), PATIENCE (2), MAX_LEN (512), BATCH (16), MICRO (16)
#   e.g. nohup scripts/distill-seeds.sh runs/full teacher.safetensors 1 0.5 2 7 "1 2 3 4 5" > runs/full.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?out dir}
teacher=${2:?teacher checkpoint}
frac=${3:?train fraction}
lambda=${4:?lambda}
tau=${5:?tau}
window=${6:?window}
seeds=${7:-1 2 3 4 5}
epochs=${EPOCHS:-12}
patience=${PATIENCE:-2}
maxlen=${MAX_LEN:-512}
# Batch 16 is what the committed reports trained with, when 64 whole trips in one pass overran wasm's
# memory. BATCH=64 now fits: the trainer splits a step into passes of at most 16 × 512 padded
# positions (src/lib/train/microBatches.ts; scripts/whole-trip-batch.ts measures it).
batch=${BATCH:-16}
micro=${MICRO:-16}
mkdir -p "$out"

common=(--dataset public/data/porto --train-frac "$frac" --epochs "$epochs" --patience "$patience" --max-len "$maxlen" --batch "$batch" --micro "$micro" --quiet)
for seed in $seeds; do
  for mode in vanilla distilled; do
    ck="$out/$mode-s$seed.safetensors"
    if [ -f "$ck" ]; then echo "[skip] $ck exists"; continue; fi
    echo "[train] $ck ($(date -u +%H:%M:%S))"
    extra=()
    if [ "$mode" = distilled ]; then extra=(--teacher "$teacher" --lambda "$lambda" --tau "$tau" --window "$window"); fi
    # Train into a temporary name: a run stopped half-way leaves no checkpoint to skip next time.
    npm run --silent cli -- train student --mode "$mode" --seed "$seed" "${common[@]}" "${extra[@]}" --out "$out/.tmp-$mode-s$seed.safetensors"
    mv "$out/.tmp-$mode-s$seed.safetensors" "$ck"
    mv "$out/.tmp-$mode-s$seed.log.json" "$out/$mode-s$seed.log.json"
  done
done

van=$(for s in $seeds; do printf '%s,' "$out/vanilla-s$s.safetensors"; done)
dis=$(for s in $seeds; do printf '%s,' "$out/distilled-s$s.safetensors"; done)
for split in val test; do
  echo "[eval] paired-steps on $split ($(date -u +%H:%M:%S))"
  npm run --silent cli -- eval paired-steps --vanilla "${van%,}" --distilled "${dis%,}" --split "$split" \
    --label "frac $frac, lambda $lambda, tau $tau, w $window" --out "$out/paired-steps-$split.json" > /dev/null
done
echo "[done] $(date -u +%H:%M:%S)"
