// The benchmark's scaling section: generation and the paired evaluation on 1 and 2 worker threads
// (generatePool.ts), a data-parallel training step on 1 and 2 (trainPool.ts), paired rounds in one
// run, and a labelled Amdahl projection to 8 and 16 cores.
// Both sides run on pools (1 thread, 2 threads), so the comparison holds the threads' transfer cost
// on both sides and measures only what the second thread adds.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../../src/lib/data/types';
import type { Derived } from '../../src/lib/data/derivedTypes';
import { testOdPairs, generationSearch } from '../suites/suites';
import { amdahlProjection, pairedScaling, type AmdahlProjection, type ScalingResult } from '../suites/scaling';
import { runPairedProtocol } from '../../src/lib/eval/pairedProtocol';
import type { BatchScorer } from '../../src/lib/generate/search';
import { GenerationPool } from '../../src/cli/generate/generatePool';
import { TrainPool } from '../../src/cli/train/trainPool';
import { normaliseHyper } from '../../src/lib/train/sessionHyper';
import type { GeneratedTrip } from '../../src/lib/generate/generator';

export interface ScalingSection {
  hardwareConcurrency: number;
  settings: Record<string, unknown>;
  /** Seconds to start each pool (threads load the dataset) and to warm it (checkpoints, JIT): paid once per run. */
  startSeconds: { w1: number; w2: number; training: { w1: number; w2: number } };
  /**
   * Control: a fixed amount of pure arithmetic (no memory traffic, no messages) on 1 thread or
   * split over 2, paired rounds. Its speedup2 is what this machine gives a second thread right now (a busy or shared
   * machine: below 2); the workloads' speedup2 reads against it.
   */
  cpuControl: ScalingResult;
  /** Also: whether the 2-thread run's trips equal the 1-thread run's bit for bit (every timed call compared). */
  generation: ScalingResult & { identical: boolean };
  /**
   * One data-parallel optimiser step (the shipped recipe: small student, vanilla, batch 32, maxLen
   * 64, from the seed's initialisation): every rank in a thread, 1 thread on the whole batch vs 2 on
   * half each with the summed gradient; units = trips per timed call. Both pools take the same steps
   * in the same order, so their losses must agree: maxLossRelDiff is the largest relative
   * difference of the reported loss over all timed calls.
   */
  training: ScalingResult & {
    stepsPerCall: number;
    maxLossRelDiff: number;
    /**
     * On 2 threads, the share of a rank's step time spent reading its gradient back and waiting for
     * the summed one (phases readGradients + exchange, mean over ranks): the data-parallel overhead,
     * which includes waiting for the slower rank.
     */
    exchangeShare: number;
    /**
     * Milliseconds per timed step in each phase of the trainer (rank 0; studentTrainer's phases:
     * prepareTrips, buildBatch, forwardBackward, readGradients, exchange, optimizer, …), on 1 and
     * on 2 threads: a phase that does not halve on 2 threads is what the speed-up loses to.
     */
    phaseMsPerStep: { w1: Record<string, number>; w2: Record<string, number> };
  };
  /** Paired protocol on the test split (one vanilla and one distilled checkpoint): generation in the pool, scoring and statistics here. */
  evaluation: ScalingResult & { serialShare: number };
  /**
   * Each workload's speedup2 over the control's: how much of what a second thread could get on this
   * machine at this moment the workload turned into speed-up (1 = all of it).
   */
  vsControl: { generation: number; evaluation: number; training: number };
  /**
   * PROJECTIONS (labelled inside). measured: from the per-core efficiency measured here, which a
   * busy machine caps (see cpuControl). coresFree: as if every core were free, taking the
   * workloads' share of the control's speed-up (vsControl) as their per-core efficiency.
   */
  projection: {
    measured: { generation: AmdahlProjection; evaluation: AmdahlProjection; training: AmdahlProjection };
    coresFree: { generation: AmdahlProjection; evaluation: AmdahlProjection; training: AmdahlProjection };
  };
}

/** Full-size warm-up runs per pool and checkpoint (generation) or steps per pool (training) before timing. */
const WARM_PASSES = 2;

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
    // Warm-up: each thread loads both checkpoints and runs the whole workload twice on each. A
    // thread's first full-size runs are still being compiled (V8's optimising JIT and wasm tier-up
    // on its helper threads: 0.7 s of helper CPU beside 1.3 s of generation in the first 64-pair
    // run, 0.03-0.14 s beside 0.55-0.9 s from the third on; bench/cli/diagnoseScaling.ts, BENCHMARKS.md
    // "Every core"). On 1 thread that compilation runs on the idle second core; on 2 threads it is
    // paid twice (one per thread) on busy cores, so a short warm-up (it was 2 OD pairs) measures
    // the 2-thread side slower than it is.
    for (let pass = 0; pass < WARM_PASSES; pass++) for (const ck of [o.vanilla, o.distilled]) await pool.generate(ck, ods, search);
    return { pool, seconds: (performance.now() - t0) / 1000 };
  };
  const p1 = await startPool(1);
  const p2 = await startPool(2);
  const pools = { 1: p1.pool, 2: p2.pool };
  try {
    o.log(`scaling: control, an arithmetic loop on 1 vs 2 threads, ${o.rounds} paired rounds`);
    const cpuControl = await pairedScaling(1, o.rounds, (w) => Promise.all(Array.from({ length: w }, () => spinThread(4e8 / w))));
    o.log(`scaling: generation, ${ods.length} test OD pairs, beam 4, 1 vs 2 threads, ${o.rounds} paired rounds`);
    const last: Partial<Record<1 | 2, GeneratedTrip[]>> = {};
    let identical = true;
    const generated = await pairedScaling(ods.length, o.rounds, async (w) => {
      last[w] = await pools[w].generate(o.distilled, ods, search);
      const other = last[w === 1 ? 2 : 1];
      if (other && JSON.stringify(other) !== JSON.stringify(last[w])) identical = false;
    });
    const generation = { ...generated, identical };

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
    const training = await trainingScaling(o);
    const cores = [8, 16];
    const vsControl = {
      generation: generation.speedup2 / cpuControl.speedup2,
      evaluation: ev.speedup2 / cpuControl.speedup2,
      training: training.result.speedup2 / cpuControl.speedup2,
    };
    const free = Math.min(1, vsControl.generation);
    return {
      hardwareConcurrency: availableParallelism(),
      settings: {
        nOd: ods.length,
        beam: 4,
        maxSteps: 200,
        batchSize: 256,
        evaluation: evalSettings,
        checkpoint: o.distilled,
        training: { ...TRAIN_RECIPE, stepsPerCall: training.result.stepsPerCall },
      },
      startSeconds: { w1: p1.seconds, w2: p2.seconds, training: training.startSeconds },
      cpuControl,
      generation,
      evaluation: { ...ev, serialShare },
      training: training.result,
      vsControl,
      // Generation's serial part (cutting, merging, posting trips) is not separated from its parallel
      // part: taken as 0, its cost is inside the efficiency.
      projection: {
        measured: {
          generation: amdahlProjection(0, generation.efficiencyPerCore, cores),
          evaluation: amdahlProjection(serialShare, generation.efficiencyPerCore, cores),
          // The exchange (reading, summing and re-uploading the gradient) is inside the efficiency.
          training: amdahlProjection(0, training.result.efficiencyPerCore, cores),
        },
        coresFree: {
          generation: amdahlProjection(0, free, cores),
          evaluation: amdahlProjection(serialShare, free, cores),
          training: amdahlProjection(0, Math.min(1, vsControl.training), cores),
        },
      },
    };
  } finally {
    await Promise.all([p1.pool.close(), p2.pool.close()]);
  }
}

/**
 * One thread spinning `n` iterations of integer arithmetic (the control's work: equal per
 * iteration). Every intermediate stays below 2^31, so V8 keeps the loop in int32 whatever `n` is:
 * an earlier `x + i * 7` left int32 once i passed 3e8, which only the 1-thread side (4e8
 * iterations) reached, and gave it slower float arithmetic (a "speed-up" of 3.2 on 2 cores).
 */
function spinThread(n: number): Promise<void> {
  const code = `let x = 0; for (let i = 0; i < ${n}; i++) x = (x * 31 + (i & 1023)) % 1000003; require('node:worker_threads').parentPort.postMessage(x);`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.once('error', reject);
  });
}

/** The training workload: the shipped recipe's step (trainingLevers' settings), vanilla, from the seed. */
const TRAIN_RECIPE = { mode: 'vanilla', size: 'small', batch: 32, microBatch: 32, maxLen: 64, seed: 42 } as const;

/**
 * A data-parallel optimiser step on 1 vs 2 threads, paired rounds. Epochs are set high so that the
 * timed steps stay inside the first epoch (no validation pass in a timed call).
 */
async function trainingScaling(o: {
  datasetDir: string;
  rounds: number;
  log: (s: string) => void;
}): Promise<{ result: ScalingSection['training']; startSeconds: { w1: number; w2: number } }> {
  const hyper = normaliseHyper({ ...TRAIN_RECIPE, epochs: 100 });
  const stepsPerCall = 2;
  const start = async (size: number): Promise<{ pool: TrainPool; seconds: number }> => {
    const t0 = performance.now();
    const pool = await TrainPool.start({ datasetDir: o.datasetDir, hyper, size });
    await pool.steps(WARM_PASSES + 1); // warm-up: compilation, kernels, the first batches' preparation
    return { pool, seconds: (performance.now() - t0) / 1000 };
  };
  const t1 = await start(1);
  const t2 = await start(2);
  const pools = { 1: t1.pool, 2: t2.pool };
  try {
    o.log(
      `scaling: training, ${stepsPerCall} data-parallel steps of ${TRAIN_RECIPE.batch} trips, 1 vs 2 threads, ${o.rounds} paired rounds`,
    );
    const losses: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const rank0Phases = async (w: 1 | 2): Promise<Record<string, number>> => (await pools[w].steps(0))[0].phases;
    const before = { 1: await rank0Phases(1), 2: await rank0Phases(2) };
    const r = await pairedScaling(stepsPerCall * TRAIN_RECIPE.batch, o.rounds, async (w) => {
      const reports = await pools[w].steps(stepsPerCall);
      if (reports.some((x) => x.total !== reports[0].total)) throw new Error('training scaling: the ranks of one pool disagree');
      losses[w].push(reports[0].total);
    });
    const n = Math.min(losses[1].length, losses[2].length);
    let maxLossRelDiff = 0;
    for (let i = 0; i < n; i++)
      maxLossRelDiff = Math.max(maxLossRelDiff, Math.abs(losses[1][i] - losses[2][i]) / Math.max(1e-12, Math.abs(losses[1][i])));
    const phases = (await pools[2].steps(0)).map((x) => x.phases);
    const perStep = async (w: 1 | 2): Promise<Record<string, number>> => {
      const after = await rank0Phases(w);
      const steps = r.rounds * stepsPerCall;
      return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, +((v - (before[w][k] ?? 0)) / steps).toFixed(2)]));
    };
    const phaseMsPerStep = { w1: await perStep(1), w2: await perStep(2) };
    const share = (p: Record<string, number>): number => {
      const all = Object.values(p).reduce((a, b) => a + b, 0);
      return all > 0 ? ((p.readGradients ?? 0) + (p.exchange ?? 0)) / all : NaN;
    };
    const exchangeShare = phases.reduce((a, p) => a + share(p), 0) / phases.length;
    return {
      result: { ...r, stepsPerCall, maxLossRelDiff, exchangeShare, phaseMsPerStep },
      startSeconds: { w1: t1.seconds, w2: t2.seconds },
    };
  } finally {
    await Promise.all([t1.pool.close(), t2.pool.close()]);
  }
}
