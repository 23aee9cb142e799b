// Profiles student training steps: tfjs kernel time per kernel (tf.profile),
// host time outside the kernels, and batch building, for the shipped "small" student at batch 32
// on real Porto train trips. Weights come from plain vanilla seed 1 (shipped until 2026-11-26);
// maxLen is its own unless --max-len (the bench's levers suite uses 64).
//
//   npx tsx bench/scripts/profile-train.ts [--batch 32] [--steps 3] [--levers on|off] [--top 20] [--shapes] [--max-len N]
//
// Prints a table (kernel, ms per step, share of the step) to stdout. Times are wall-clock on a
// shared machine: read shares, not digits.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { flagString, parseArgs } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadStudentWeights, readCheckpoint } from '../../src/lib/checkpoint/loadModel';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_OFF, TRAINING_LEVERS_ON } from '../../src/lib/train/trainingLevers';
import { sampleTrips } from '../suites/suites';
import type { StudentConfig } from '../../src/lib/models/studentConfig';

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const batch = Number(flagString(p, 'batch', '32'));
  const steps = Number(flagString(p, 'steps', '3'));
  const top = Number(flagString(p, 'top', '20'));
  const shapes = p.flags.shapes === true;
  const levers = flagString(p, 'levers', 'on') === 'on' ? TRAINING_LEVERS_ON : TRAINING_LEVERS_OFF;
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived('public/data/porto');
  const ck = readCheckpoint<StudentConfig>(new Uint8Array(await readFile('runs/vanilla/vanilla-s1.safetensors')), {
    kind: 'student',
    fingerprint: derived.fingerprint,
  });
  const ckMaxLen = typeof ck.hyper.maxLen === 'number' ? ck.hyper.maxLen : 64;
  const maxLen = Number(flagString(p, 'max-len', String(ckMaxLen)));
  const trips = sampleTrips(dataset.splits.train, batch * 8, 7); // same trips and batches for every lever setting
  if (steps > 7) throw new Error('--steps must be ≤ 7 (8 batches, one for warm-up)');
  const trainer = new StudentTrainer({
    network: dataset.network,
    derived,
    train: trips,
    options: { mode: 'vanilla', batchSize: batch, microBatch: batch, maxLen, epochs: 1000, seed: 42, ...levers },
    studentConfig: ck.config,
  });
  loadStudentWeights(trainer.student, ck);
  trainer.step(); // warm-up (kernels, JIT, prepared-trip cache of this batch)
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let wall = 0;
  let kernelMs = 0;
  for (let s = 0; s < steps; s++) {
    let t = 0;
    const info = await tf.profile(() => {
      const t0 = performance.now();
      trainer.step();
      t = performance.now() - t0;
    });
    wall += t;
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      kernelMs += ms;
      // customGrad's wrapper ('forward') times the kernels inside it, which are listed too.
      if (k.name === 'forward') continue;
      const key = shapes ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
      const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls += 1;
      byKernel.set(key, e);
    }
  }
  const phases = trainer.phaseTimes();
  const perStep = (ms: number): number => ms / steps;
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  console.log(`levers ${JSON.stringify(levers)}; batch ${batch}, ${steps} profiled steps, maxLen ${maxLen}`);
  console.log(
    `step wall ${perStep(wall).toFixed(0)} ms (under tf.profile); kernels ${perStep(kernelMs).toFixed(0)} ms (${((100 * kernelMs) / wall).toFixed(1)} %); host ${perStep(wall - kernelMs).toFixed(0)} ms`,
  );
  console.log(
    `phases (ms per step, incl. warm-up step): ${Object.entries(phases)
      .map(([k, v]) => `${k} ${(v / (steps + 1)).toFixed(0)}`)
      .join(', ')}`,
  );
  console.log('| kernel | ms / step | calls / step | share of step |');
  console.log('|---|---|---|---|');
  for (const [name, e] of rows)
    console.log(`| ${name} | ${perStep(e.ms).toFixed(0)} | ${(e.calls / steps).toFixed(0)} | ${((100 * e.ms) / wall).toFixed(1)} % |`);
  trainer.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
