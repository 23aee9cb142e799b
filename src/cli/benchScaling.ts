// The benchmark's scaling section: generation and the paired evaluation on 1 and 2 worker threads
// (generatePool.ts), paired rounds in one run, and a labelled Amdahl projection to 8 and 16 cores.
// Both sides run on pools (1 thread, 2 threads), so the comparison holds the threads' transfer cost
// on both sides and measures only what the second thread adds.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../lib/data/types';
import type { Derived } from '../lib/data/derivedTypes';
import { testOdPairs, generationSearch } from '../lib/bench/suites';
import { amdahlProjection, pairedScaling, type AmdahlProjection, type ScalingResult } from '../lib/bench/scaling';
import { runPairedProtocol } from '../lib/eval/pairedProtocol';
import type { BatchScorer } from '../lib/generate/search';
import { GenerationPool } from './generatePool';

export interface ScalingSection {
  hardwareConcurrency: number;
  settings: Record<string, unknown>;
  /** Seconds to start each pool (threads load the dataset) and to warm it (checkpoints, JIT): paid once per run. */
  startSeconds: { w1: number; w2: number };
  /**
   * Control: a fixed amount of pure arithmetic (no memory traffic, no messages) on 1 thread or
   * split over 2, paired rounds. Its speedup2 is what this machine gives a second thread right now (a busy or shared
   * machine: below 2); the workloads' speedup2 reads against it.
   */
  cpuControl: ScalingResult;
  generation: ScalingResult;
  /** Paired protocol on the test split (one vanilla and one distilled checkpoint): generation in the pool, scoring and statistics here. */
  evaluation: ScalingResult & { serialShare: number };
  /**
   * Each workload's speedup2 over the control's: how much of what a second thread could get on this
   * machine at this moment the workload turned into speed-up (1 = all of it).
   */
  vsControl: { generation: number; evaluation: number };
  /**
   * PROJECTIONS (labelled inside). measured: from the per-core efficiency measured here, which a
   * busy machine caps (see cpuControl). coresFree: as if every core were free, taking the
   * workloads' share of the control's speed-up (vsControl) as their per-core efficiency.
   */
  projection: {
    measured: { generation: AmdahlProjection; evaluation: AmdahlProjection };
    coresFree: { generation: AmdahlProjection; evaluation: AmdahlProjection };
  };
}

export async function scalingBench(o: {
  datasetDir: string;
  dataset: Dataset;
  derived: Derived;
  vanilla: string;
  distilled: string;
  nOd: number;
  rounds: number;
  log: (s: string) => void;
}): Promise<ScalingSection> {
  const ods = testOdPairs(o.dataset, o.nOd, 11);
  const search = { ...generationSearch(o.derived), method: 'beam' as const, batchSize: 256 };
  const startPool = async (n: number): Promise<{ pool: GenerationPool; seconds: number }> => {
    const t0 = performance.now();
    const pool = await GenerationPool.start(n, o.datasetDir);
    // Warm-up: each thread loads both checkpoints and runs its kernels once.
    for (const ck of [o.vanilla, o.distilled]) await pool.generate(ck, ods.slice(0, 2 * n), search);
    return { pool, seconds: (performance.now() - t0) / 1000 };
  };
  const p1 = await startPool(1);
  const p2 = await startPool(2);
  const pools = { 1: p1.pool, 2: p2.pool };
  try {
    o.log(`scaling: control, an arithmetic loop on 1 vs 2 threads, ${o.rounds} paired rounds`);
    const cpuControl = await pairedScaling(1, o.rounds, (w) => Promise.all(Array.from({ length: w }, () => spinThread(4e8 / w))));
    o.log(`scaling: generation, ${ods.length} test OD pairs, beam 4, 1 vs 2 threads, ${o.rounds} paired rounds`);
    const generation = await pairedScaling(ods.length, o.rounds, (w) => pools[w].generate(o.distilled, ods, search));

    // The paired protocol's scorers are only names here: the pool's threads hold the models.
    const key = (path: string): BatchScorer => ({ scoreBatch: () => Promise.reject(new Error(`${path} scores in the pool`)) });
    const vanilla = key(o.vanilla);
    const distilled = key(o.distilled);
    const pathOf = new Map<BatchScorer, string>([
      [vanilla, o.vanilla],
      [distilled, o.distilled],
    ]);
    const evalSettings = { testOd: o.nOd, bootstrap: 2000, oracleResamples: 10 };
    let serial: number[] = [];
    const evaluate = async (w: 1 | 2): Promise<void> => {
      const t0 = performance.now();
      const rep = await runPairedProtocol({
        dataset: o.dataset,
        derived: o.derived,
        pairs: [{ seed: 1, vanilla, distilled }],
        splits: ['test'],
        ...evalSettings,
        generate: (scorer, od, opts) => pools[w].generate(pathOf.get(scorer)!, od, opts),
      });
      const total = (performance.now() - t0) / 1000;
      const gen = rep.splits.test.arms.vanilla[0].genSeconds + rep.splits.test.arms.distilled[0].genSeconds;
      if (w === 1) serial.push((total - gen) / total);
    };
    o.log(`scaling: paired evaluation, ${o.nOd} test OD pairs × 2 checkpoints, 1 vs 2 threads, ${o.rounds} paired rounds`);
    serial = [];
    const ev = await pairedScaling(2 * ods.length, o.rounds, evaluate);
    const serialShare = serial.sort((a, b) => a - b)[Math.floor(serial.length / 2)];
    const cores = [8, 16];
    const vsControl = { generation: generation.speedup2 / cpuControl.speedup2, evaluation: ev.speedup2 / cpuControl.speedup2 };
    const free = Math.min(1, vsControl.generation);
    return {
      hardwareConcurrency: availableParallelism(),
      settings: { nOd: ods.length, beam: 4, maxSteps: 200, batchSize: 256, evaluation: evalSettings, checkpoint: o.distilled },
      startSeconds: { w1: p1.seconds, w2: p2.seconds },
      cpuControl,
      generation,
      evaluation: { ...ev, serialShare },
      vsControl,
      // Generation's serial part (cutting, merging, posting trips) is not separated from its parallel
      // part: taken as 0, its cost is inside the efficiency.
      projection: {
        measured: {
          generation: amdahlProjection(0, generation.efficiencyPerCore, cores),
          evaluation: amdahlProjection(serialShare, generation.efficiencyPerCore, cores),
        },
        coresFree: {
          generation: amdahlProjection(0, free, cores),
          evaluation: amdahlProjection(serialShare, free, cores),
        },
      },
    };
  } finally {
    await Promise.all([p1.pool.close(), p2.pool.close()]);
  }
}

/** One thread spinning `n` iterations of integer arithmetic (the control's work: equal per thread). */
function spinThread(n: number): Promise<void> {
  const code = `let x = 0; for (let i = 0; i < ${n}; i++) x = (x + i * 7) % 1000003; require('node:worker_threads').parentPort.postMessage(x);`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.once('error', reject);
  });
}
