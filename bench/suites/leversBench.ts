// Training speed levers: one trainer at the shipped recipe (small student,
// batch 32, maxLen 64, vanilla) steps the same batch under every lever setting, side by side in
// interleaved rounds: all levers off (the baseline), all on, and all on but one (what that lever
// is worth). One trainer for all settings: the levers change how a step is computed, not what,
// so the work per step is the same whatever the weights are at that moment.
import type { Derived } from '../../src/lib/data/derivedTypes';
import type { Dataset } from '../../src/lib/data/types';
import { STUDENT_PRESETS, type StudentConfig } from '../../src/lib/models/studentConfig';
import { StudentTrainer } from '../../src/lib/train/studentTrainer';
import { TRAINING_LEVERS_OFF, TRAINING_LEVERS_ON, TRAINING_LEVER_NAMES, type TrainingLevers } from '../../src/lib/train/trainingLevers';
import { ratioReport, sampleTrips, timingReport, type RatioReport, type TimingReport } from './suites';
import { compare, ratioOf, throughput, type TimingOptions } from './timing';
import { matmulBoundSeconds, matmulRate, matmulWork } from './computeBound';
import * as tf from '@tensorflow/tfjs';
import { TeacherModel, defaultTeacherConfig } from '../../src/lib/models/teacher';
import { teacherSequences } from '../../src/lib/train/teacherSession';
import { setFastBatchMatMul } from '../../src/lib/models/batchMatMulKernel';
import { setFastLogSumExp } from '../../src/lib/models/softmaxKernel';

/** The largest matmul shapes of a step whose rates are measured for the bound. */
const BOUND_SHAPES = 6;

export interface LeversBenchOptions {
  dataset: Dataset;
  derived: Derived;
  batch: number;
  maxLen?: number;
  studentConfig?: Partial<StudentConfig>;
  seed?: number;
  timing?: TimingOptions;
}

export interface LeversBenchResult {
  batch: number;
  maxLen: number;
  /** Mean prediction steps per trip of the batch (after cropping at maxLen), and the padded length T. */
  meanStepsPerTrip: number;
  stepMs: Record<string, TimingReport>;
  tripsPerSec: Record<string, number>;
  /** Paired per-round ratio allOff / allOn step time: the speed-up. */
  speedup: RatioReport;
  /** Per lever: paired ratio (all on but this lever) / (all on) step time; 1 = worth nothing. */
  leverWorth: Record<string, RatioReport>;
  /**
   * How close the all-on step runs to the machine's matmul bound: the time its matmuls (forward and
   * backward, counted from one profiled step) would take at tfjs's rate for their own shapes,
   * over its median step time. 1 would be nothing but matmuls at full speed.
   */
  boundShare: number;
  bound: { matmulGflop: number; boundSeconds: number; achievedGflopPerSec: number; matmulGflopPerSec: Record<string, number> };
}

export async function leversBench(o: LeversBenchOptions): Promise<LeversBenchResult> {
  const maxLen = o.maxLen ?? 64;
  const trips = sampleTrips(o.dataset.splits.train, o.batch, o.seed ?? 7);
  const trainer = new StudentTrainer({
    network: o.dataset.network,
    derived: o.derived,
    train: trips,
    options: { mode: 'vanilla', batchSize: o.batch, microBatch: o.batch, maxLen, epochs: 1_000_000, seed: 42, ...TRAINING_LEVERS_OFF },
    studentConfig: { ...STUDENT_PRESETS.small, ...o.studentConfig },
  });
  const settings: Record<string, TrainingLevers> = { allOff: TRAINING_LEVERS_OFF, allOn: TRAINING_LEVERS_ON };
  for (const name of TRAINING_LEVER_NAMES) settings[`allOnBut_${name}`] = { ...TRAINING_LEVERS_ON, [name]: false };
  const stepWith = (l: TrainingLevers) => (): void => {
    trainer.setLevers(l);
    trainer.step();
  };
  try {
    // Warm-up: every code path once (kernels, JIT, the batch's prepared trips).
    stepWith(TRAINING_LEVERS_OFF)();
    stepWith(TRAINING_LEVERS_ON)();
    // The step's matmul work and their rates before the timed rounds; the rates again after.
    const work = await matmulWork(stepWith(TRAINING_LEVERS_ON));
    const ratesBefore = await matmulRate(work.byShape.slice(0, BOUND_SHAPES).map((s) => s.shape));
    const cmp = await compare(
      Object.fromEntries(Object.entries(settings).map(([k, l]) => [k, stepWith(l)])) as Record<string, () => void>,
      { ...o.timing, warmup: 0 },
    );
    const stepMs: Record<string, TimingReport> = {};
    const tripsPerSec: Record<string, number> = {};
    for (const k of Object.keys(settings)) {
      stepMs[k] = timingReport(cmp.timings[k]);
      tripsPerSec[k] = throughput(cmp.timings[k], trips.length).median;
    }
    const leverWorth: Record<string, RatioReport> = {};
    for (const name of TRAINING_LEVER_NAMES) leverWorth[name] = ratioReport(ratioOf(cmp, `allOnBut_${name}`, 'allOn'));
    const bound = await matmulBoundSeconds(work, BOUND_SHAPES, ratesBefore);
    const stepSeconds = stepMs.allOn.medianMs / 1000;
    return {
      batch: trips.length,
      maxLen,
      meanStepsPerTrip: trips.reduce((a, t) => a + Math.min(t.roads.length, maxLen + 1) - 1, 0) / trips.length,
      stepMs,
      tripsPerSec,
      speedup: ratioReport(ratioOf(cmp, 'allOff', 'allOn')),
      leverWorth,
      boundShare: bound.seconds / stepSeconds,
      bound: {
        matmulGflop: work.gflop,
        boundSeconds: bound.seconds,
        achievedGflopPerSec: work.gflop / stepSeconds,
        matmulGflopPerSec: bound.rates,
      },
    };
  } finally {
    trainer.dispose();
  }
}

export interface TeacherLeverResult {
  batch: number;
  /** Mean tokens per sequence of the batch. */
  meanTokens: number;
  /** all: every lever on; none: all off (tfjs's own ops, padded rows); allBut_X: all on but X. */
  stepMs: Record<string, TimingReport>;
  /** Paired per-round ratio none / all: what the three levers give the teacher together. */
  speedup: RatioReport;
  /** Per lever: (all on but it) / (all on). */
  worth: { fastBatchMatMul: RatioReport; fastLogSumExp: RatioReport; packRows: RatioReport };
}

/**
 * The levers that also reach the teacher (the study's LM-TAD: 2 layers × 4 heads × 96, ψ anchor end,
 * destination-conditioned, on grid tokens of real train trips): its forward and backward with
 * attention's batched matmuls (batchMatMulKernel.ts) and the vocabulary's log-sum-exp
 * (softmaxKernel.ts) on our SIMD kernels or on tfjs's ops, and the position-wise layers on the
 * real rows only or on the padded batch (TeacherModel.packRows), in interleaved rounds. The optimiser
 * update is left out: none of the levers touches it.
 */
export async function teacherLeverBench(o: {
  dataset: Dataset;
  derived: Derived;
  batch: number;
  seed?: number;
  timing?: TimingOptions;
}): Promise<TeacherLeverResult> {
  const cfg = {
    ...defaultTeacherConfig(o.derived.grid.vocabSize, 256),
    nLayer: 2,
    nHead: 4,
    nEmbd: 96,
    anchor: 'end' as const,
    destination: true,
  };
  const model = new TeacherModel(cfg, 1);
  const seqs = teacherSequences(sampleTrips(o.dataset.splits.train, o.batch, o.seed ?? 7), cfg, o.derived).filter((s) => s.length >= 2);
  const stepWith = (matMul: boolean, lse: boolean, pack: boolean) => (): void => {
    setFastBatchMatMul(matMul);
    setFastLogSumExp(lse);
    model.packRows = pack;
    const { value, grads } = tf.variableGrads(() => model.loss(seqs, true), model.variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const settings = {
    all: stepWith(true, true, true),
    none: stepWith(false, false, false),
    allBut_fastBatchMatMul: stepWith(false, true, true),
    allBut_fastLogSumExp: stepWith(true, false, true),
    allBut_packRows: stepWith(true, true, false),
  };
  try {
    for (const f of Object.values(settings)) f();
    const cmp = await compare(settings, { ...o.timing, warmup: 0 });
    return {
      batch: seqs.length,
      meanTokens: seqs.reduce((a, s) => a + s.length, 0) / seqs.length,
      stepMs: Object.fromEntries((Object.keys(settings) as Array<keyof typeof settings>).map((k) => [k, timingReport(cmp.timings[k])])),
      speedup: ratioReport(ratioOf(cmp, 'none', 'all')),
      worth: {
        fastBatchMatMul: ratioReport(ratioOf(cmp, 'allBut_fastBatchMatMul', 'all')),
        fastLogSumExp: ratioReport(ratioOf(cmp, 'allBut_fastLogSumExp', 'all')),
        packRows: ratioReport(ratioOf(cmp, 'allBut_packRows', 'all')),
      },
    };
  } finally {
    setFastBatchMatMul(true);
    setFastLogSumExp(true);
    model.packRows = true;
    model.dispose();
  }
}
