// Does one optimiser step on the 64 longest Porto train trips, uncropped (maxLen 512), fit in
// tfjs-wasm's memory? Trains one step with micro-batches capped by padded size (the default,
// src/lib/train/microBatches.ts) and, with --uncapped, as one pass of 64 trips. Prints JSON: the
// micro-batches, step time, the wasm heap's size and the process's peak RSS.
//
//   npx tsx bench/scripts/whole-trip-batch.ts [--uncapped] [--trips 64]
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { flagString, parseArgs } from '../../src/cli/common/args';
import { loadDatasetWithDerived } from '../../src/cli/common/fsDataset';
import { initNodeBackend } from '../../src/lib/runtime/node';
import { loadStudentWeights, readCheckpoint } from '../../src/lib/checkpoint/loadModel';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { DEFAULT_MICRO_TOKENS, microBatches } from '../../src/lib/train/microBatches';
import type { StudentConfig } from '../../src/lib/models/studentConfig';

const MAX_LEN = 512;

function wasmHeapMiB(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (b.wasm?.HEAPU8?.byteLength ?? 0) / 2 ** 20;
}

async function main(): Promise<void> {
  const p = parseArgs(process.argv.slice(2));
  const n = Number(flagString(p, 'trips', '64'));
  const microTokens = p.flags.uncapped === true ? 0 : DEFAULT_MICRO_TOKENS;
  await initNodeBackend('wasm');
  const { dataset, derived } = await loadDatasetWithDerived('public/data/porto');
  const ck = readCheckpoint<StudentConfig>(new Uint8Array(await readFile('runs/vanilla/vanilla-s1.safetensors')), {
    kind: 'student',
    fingerprint: derived.fingerprint,
  });
  const longest = [...dataset.splits.train].sort((a, b) => b.roads.length - a.roads.length).slice(0, n);
  const steps = longest.map((t) => Math.min(t.roads.length - 1, MAX_LEN));
  const trainer = new StudentTrainer({
    network: dataset.network,
    derived,
    train: longest,
    options: { mode: 'vanilla', batchSize: n, microBatch: n, microTokens, maxLen: MAX_LEN, epochs: 1, seed: 1 },
    studentConfig: ck.config,
  });
  loadStudentWeights(trainer.student, ck);
  const heapBefore = wasmHeapMiB();
  const t0 = performance.now();
  const m = trainer.step();
  const seconds = (performance.now() - t0) / 1000;
  // The passes the trainer made: its one batch holds every trip, sorted by length (its length
  // buckets), then cut by microBatches.
  const inBatchOrder = [...steps].sort((a, b) => a - b).map((s) => ({ steps: s }));
  const passes = microBatches(inBatchOrder, n, microTokens).map((b) => ({ trips: b.length, longest: Math.max(...b.map((t) => t.steps)) }));
  console.log(
    JSON.stringify({
      trips: n,
      maxLen: MAX_LEN,
      tripSteps: { min: Math.min(...steps), max: Math.max(...steps), total: steps.reduce((a, b) => a + b, 0) },
      microTokens,
      passes,
      loss: Number(m.total.toFixed(4)),
      finite: m.finite,
      stepSeconds: Number(seconds.toFixed(1)),
      wasmHeapMiB: { before: Math.round(heapBefore), after: Math.round(wasmHeapMiB()) },
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      tensors: tf.memory().numTensors,
    }),
  );
  trainer.dispose();
}

main().catch((e) => {
  console.log(
    JSON.stringify({
      error: String((e as Error).message ?? e).slice(0, 300),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  process.exit(1);
});
