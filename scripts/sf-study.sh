#!/usr/bin/env bash
# The San Francisco study of the second-city issue, in order, resumable: run it in the background
# and run it again after a stop; every stage skips what is finished and continues what was stopped.
# Needs public/data/sf (npm run data:build:sf, from ../shared/data/sf; git-ignored: SF trips are
# never committed). Folders under runs/sf/ (git-ignored):
#   1. the LM-TAD teacher on SF's train trips, to its plateau (patience 2), with the Porto
#      teacher's recipe (destination token, ψ on the road's far end; SF has no route corpus) teacher/
#   2. the seed-paired distillation arm with the thesis's optimum, λ 0.0014, τ 4.37, w 7 (the
#      Porto study's arm a), and SF's vanilla runs                                  arm-a/, vanilla/
#   3. region transfer Porto → SF against scratch, seeds 1–5, at 5 %, 25 % and 100 % of SF's train
#      trips (the Porto students of runs/vanilla/ start the transfer runs; at 100 % the scratch runs
#      are SF's vanilla runs)                                             transfer-0.05/, -0.25/, -1/
#   4. zero-shot: id-free students (train student --id-free) trained on all of Porto, seeds 1–5,
#      moved to SF as they are (checkpoint transfer) and scored there against SF's vanilla runs
#      (paired-steps and paired-report on SF's test; "vanilla" = SF-trained, "distilled" = zero-shot)
#                                                                                     zero-shot/
#   5. the teacher across cities: scripts/cross-teacher.sh (a Porto moves teacher distilled into SF
#      students)                                                         ../teacher-moves/, arm-cross/
#
#   nohup nice -n 10 scripts/sf-study.sh > runs/sf-study.log 2>&1 &
#   env: JOBS (trainings at once, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
sf=public/data/sf
if [ ! -f "$sf/train.csv" ]; then
  echo "sf-study: no $sf; build it first: npm run data:build:sf (reads ../shared/data/sf)" >&2
  exit 1
fi
export JOBS=${JOBS:-1} DATASET=$sf
stamp() { echo "[sf-study] $1 ($(date -u +%H:%M:%S))"; }
mkdir -p runs/sf/teacher

teacher=runs/sf/teacher/teacher.safetensors
if [ -f "${teacher%.safetensors}.log.json" ]; then
  stamp "skip teacher: finished"
else
  stamp "teacher $teacher"
  resume=()
  [ -f "$teacher.partial" ] && resume=(--resume)
  npm run --silent cli -- train teacher --dataset "$sf" --out "$teacher" --anchor end --destination \
    --layers 2 --heads 4 --embd 96 --epochs 40 --patience 2 --batch 32 "${resume[@]}" >> runs/sf/teacher/teacher.train.log 2>&1
fi

scripts/paired-arm.sh runs/sf/arm-a runs/sf/vanilla "$teacher" 0.0014 4.37 7

for frac in 0.05 0.25; do
  scripts/transfer-arm.sh "runs/sf/transfer-$frac" "runs/sf/transfer-$frac" runs/vanilla "$frac"
done
scripts/transfer-arm.sh runs/sf/transfer-1 runs/sf/vanilla runs/vanilla 1

zs=runs/sf/zero-shot
mkdir -p "$zs"
seeds="1 2 3 4 5"
for seed in $seeds; do
  ck="$zs/porto-idfree-s$seed.safetensors"
  if [ ! -f "$ck" ]; then
    stamp "id-free Porto student, seed $seed"
    npm run --silent cli -- train student --dataset public/data/porto --mode vanilla --id-free --seed "$seed" \
      --epochs 40 --patience 3 --max-len 512 --batch 16 --micro 16 --quiet --resume \
      --out "$zs/.tmp-porto-idfree-s$seed.safetensors" > "$zs/porto-idfree-s$seed.train.log" 2>&1
    mv "$zs/.tmp-porto-idfree-s$seed.log.json" "$zs/porto-idfree-s$seed.log.json"
    mv "$zs/.tmp-porto-idfree-s$seed.safetensors" "$ck"
  fi
  if [ ! "$zs/sf-s$seed.safetensors" -nt "$ck" ]; then
    npm run --silent cli -- checkpoint transfer "$ck" --dataset "$sf" --out "$zs/sf-s$seed.safetensors" > /dev/null
  fi
done
vans=$(for s in $seeds; do printf '%s,' "runs/sf/vanilla/vanilla-s$s.safetensors"; done)
zss=$(for s in $seeds; do printf '%s,' "$zs/sf-s$s.safetensors"; done)
if [ ! -f "$zs/paired-steps-test.json" ]; then
  stamp "zero-shot: paired-steps on SF test"
  npm run --silent cli -- eval paired-steps --dataset "$sf" --vanilla "${vans%,}" --distilled "${zss%,}" --split test \
    --label "zero-shot (Porto, id-free) − SF-trained vanilla" --out "$zs/.tmp-paired-steps-test.json" > /dev/null
  mv "$zs/.tmp-paired-steps-test.json" "$zs/paired-steps-test.json"
fi
if [ ! -f "$zs/paired-report.json" ]; then
  stamp "zero-shot: paired-report on SF test OD"
  npm run --silent cli -- eval paired-report --dataset "$sf" --vanilla "${vans%,}" --distilled "${zss%,}" --test-od all \
    --train-od 100 --bootstrap 2000 --method bestFirst --route-cache runs/sf/vanilla/.routes \
    --label "zero-shot (Porto, id-free) − SF-trained vanilla" --out "$zs/.tmp-paired-report.json" > /dev/null
  mv "$zs/.tmp-paired-report.json" "$zs/paired-report.json"
fi
scripts/cross-teacher.sh
stamp "done"
