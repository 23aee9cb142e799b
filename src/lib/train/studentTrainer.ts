// Student (HOSER) training loop, vanilla or distilled (thesis Alg. 1, eq. 9):
// options, batches per epoch, the optimiser step, epochs, early stopping, the NaN guard and the
// state for checkpoints. Its parts live beside it:
//   studentLoss.ts   the loss (CE + α·time + λ·KL) of one micro-batch
//   teacherProbs.ts  the teacher's candidate probabilities per trip, cached (the teacher is frozen)
//   studentEval.ts   validation (accuracy, chance level, decision-step NLL)
//   deviceTask.ts    device reads as generators, run with sync (cpu/wasm) or async reads (webgpu)
//   trainingLevers.ts  speed levers that leave the maths unchanged
//
// One call to step() = one optimiser update over `batchSize` trips, split into micro-batches whose
// gradients are accumulated; the loss parts are full-batch fractions, so accumulation gives exactly
// the gradient of the full-batch loss.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import type { RoadNetwork, Trajectory } from '../data/types';
import { Student } from '../models/student';
import { DEFAULT_STUDENT_CONFIG, type StudentConfig } from '../models/studentConfig';
import { makeRng, shuffleInPlace } from '../random';
import { readValues, runTaskAsync, runTaskSync, waitFor, type DeviceTask } from './deviceTask';
import { batchShard, type GradientExchange, type ShardContribution } from './dataParallel';
import { AdamW, DEFAULT_OPTIM, GradAccumulator, lrAt, withSchedule, type OptimState, type StepResult } from './optim';
import {
  DEFAULT_BATCH_OPTIONS,
  batchContext,
  batchRoads,
  buildBatch,
  prepareTrip,
  prepareWholeTrips,
  swappedDestinations,
  type BatchContext,
  type PreparedTrip,
} from '../features/studentBatch';
import { evaluateTask, type EvalResult } from './studentEval';
import { valSubset } from './valCheck';
import { klRowCount, klRowWeights, lossParts, NO_KL_MASK, type Counts, type KlMaskOptions } from './studentLoss';
import { TeacherProbs, type NextCellTeacher } from './teacherProbs';
import type { TeacherTarget } from './teacherTargets';
import { TRAINING_LEVERS_ON, type TrainingLevers } from './trainingLevers';
import { setFastBatchMatMul } from '../models/batchMatMulKernel';
import { setAliasCopies } from '../models/aliasKernels';
import { setFastSum } from '../models/sumKernel';
import { setFastSlice } from '../models/sliceKernels';
import { setFastGelu } from '../models/geluKernel';
import { defaultClock as now } from '../runtime/clock';
import { DEFAULT_BATCH, DEFAULT_MICRO_BATCH, STUDENT_WARMUP_RATIO, THESIS_RECIPE } from './recipe';
import { DEFAULT_MICRO_TOKENS, microBatches } from './microBatches';

// Moved out of this module; re-exported for its importers.
export { runTaskAsync, runTaskSync, type DeviceAnswer, type DeviceIo, type DeviceTask } from './deviceTask';
export type { EvalResult } from './studentEval';
export type { NextCellTeacher } from './teacherProbs';

export type TrainMode = 'vanilla' | 'distilled';

export interface StudentTrainerOptions extends TrainingLevers, KlMaskOptions {
  mode: TrainMode;
  /** Distillation weight λ, temperature τ and teacher window w (default: THESIS_RECIPE). */
  lambda: number;
  tau: number;
  window: number;
  /** Weight α of the time loss. */
  alpha: number;
  /** Thesis-code variants: KL only at each trip's last step; no τ² factor. */
  lastStepOnly: boolean;
  noTauSquared: boolean;
  /** Thesis-code variant: road/zone encoders frozen at their random initialisation. */
  freezeEncoders: boolean;
  lr: number;
  weightDecay: number;
  warmupRatio: number;
  clipNorm: number;
  /** Trips per optimiser step, and per micro-batch (gradient accumulation when smaller). */
  batchSize: number;
  microBatch: number;
  /** Padded prefix positions per micro-batch (0: no cap): long trips go in smaller passes (microBatches.ts). */
  microTokens: number;
  epochs: number;
  seed: number;
  /** Candidate cap and longest prefix (trips are cropped, see studentBatch.ts). */
  k: number;
  maxLen: number;
  cacheTeacher: boolean;
  /** Teacher rows per forward pass (bounds the [rows, vocab] output). */
  teacherChunk: number;
  /** Early stopping: stop after this many epochs without a lower val decision NLL (0: never). */
  patience: number;
  /** What the KL pulls towards: the teacher, or a control (teacherProbs.ts). */
  teacherTarget: TeacherTarget;
  /**
   * Group trips of similar length into the same batch (within windows of 8 batches of a shuffled
   * epoch; batch order shuffled again). Padding to the longest trip otherwise makes the trajectory
   * encoder ~2.4× more expensive on Porto-like length spreads. 0/1 disables.
   */
  bucketWindow: number;
  /**
   * Training sets up to this many trips keep their prepared arrays between epochs; larger ones are
   * prepared batch by batch in every step (streaming, bounded memory).
   */
  preparedCacheTrips: number;
}

export const DEFAULT_TRAINER_OPTIONS: StudentTrainerOptions = {
  mode: 'vanilla',
  ...THESIS_RECIPE,
  alpha: 1,
  ...NO_KL_MASK,
  lastStepOnly: false,
  noTauSquared: false,
  freezeEncoders: false,
  lr: DEFAULT_OPTIM.lr,
  weightDecay: DEFAULT_OPTIM.weightDecay,
  warmupRatio: STUDENT_WARMUP_RATIO,
  clipNorm: DEFAULT_OPTIM.clipNorm,
  batchSize: DEFAULT_BATCH,
  microBatch: DEFAULT_MICRO_BATCH,
  microTokens: DEFAULT_MICRO_TOKENS,
  epochs: 25,
  seed: 42,
  k: DEFAULT_BATCH_OPTIONS.k,
  maxLen: DEFAULT_BATCH_OPTIONS.maxLen,
  cacheTeacher: true,
  teacherChunk: 512,
  patience: 0,
  teacherTarget: 'teacher',
  bucketWindow: 8,
  preparedCacheTrips: 20_000,
  ...TRAINING_LEVERS_ON,
};

/** Loss terms and training accuracy, as reported per step and averaged per epoch. */
export interface LossTerms {
  ce: number;
  kl: number;
  time: number;
  total: number;
  trainAcc: number;
}

/** What every per-step report carries (step metrics, throttle samples and aggregates). */
export interface StepCore extends LossTerms {
  /** Optimiser updates done so far (1 after the first step). */
  step: number;
  /** 0-based epoch this step belonged to. */
  epoch: number;
  lr: number;
  gradNorm: number;
}

export interface StudentStepMetrics extends StepCore {
  stepsPerSec: number;
  tripsPerSec: number;
  /** False when the NaN/Inf guard fired at this step (training is then stopped). */
  finite: boolean;
  /** Present when this step finished an epoch. */
  epochEnd?: EpochRecord;
  /** True once all epochs are done or the guard stopped training. */
  done: boolean;
}

export interface EpochRecord extends Partial<EvalResult>, LossTerms {
  epoch: number;
  steps: number;
  seconds: number;
  /** The learning rate of the epoch's last update: the schedule's position when the epoch ended
   * (absent in logs written before it was recorded). */
  lr?: number;
  /** Distilled runs: the share of decision steps whose KL term was kept (below 1 under a KL mask). */
  klKeptShare?: number;
}

export interface StudentTrainerInit {
  network: RoadNetwork;
  derived: Derived;
  train: Trajectory[];
  val?: Trajectory[];
  teacher?: NextCellTeacher;
  /**
   * A road-level teacher instead of the cell-level one: per train trip id, probabilities over that
   * trip's candidates, aligned with prepareTrip on this trainer's context (e.g. a stronger student's
   * softmax: the positive control). Renormalised by the loss like q̃.
   */
  candidateTeacher?: ReadonlyMap<string, Float32Array>;
  options?: Partial<StudentTrainerOptions>;
  studentConfig?: Partial<StudentConfig>;
}

interface Running {
  ce: number;
  kl: number;
  time: number;
  total: number;
  acc: number;
  n: number;
  /** Decision steps with candidates, and those whose KL term was kept (KlMaskOptions). */
  klKept: number;
  klRows: number;
  t0: number;
}

export class StudentTrainer {
  readonly opts: StudentTrainerOptions;
  readonly student: Student;
  readonly ctx: BatchContext;
  /** ctx for the training trips themselves: their Markov route inputs cross-fitted (BatchContext.crossFit). */
  readonly trainCtx: BatchContext;
  readonly optimizer: AdamW;
  readonly history: EpochRecord[] = [];
  /** The epoch with the lowest val decision NLL, and its val accuracy (what the UI shows). */
  bestEpoch = -1;
  bestValAcc = -Infinity;
  private bestValNll = Infinity;
  /** Set when the NaN/Inf guard stopped training. */
  stopReason: string | null = null;

  private readonly derived: Derived;
  /**
   * Training trips are prepared (candidates, labels, features) batch by batch, inside the step, so
   * memory does not grow with the training set: only ids and step counts are kept for all trips.
   * Small sets (≤ options.preparedCacheTrips) also keep what they prepared, to skip the work in
   * later epochs.
   */
  private readonly trainTrips: Trajectory[];
  /** Position of each kept trip in `init.train` (the PreparedTrip.index and teacher-cache key). */
  private readonly trainIndex: Int32Array;
  private readonly trainSteps: Int32Array;
  private readonly preparedCache: Map<number, PreparedTrip> | null;
  private readonly valTrips: Trajectory[];
  private valPrepared: PreparedTrip[] | null = null;
  /** The fixed val subset of checkValAsync, prepared once (valCheck.ts). */
  private valSubsetPrepared: { n: number; prepared: PreparedTrip[] } | null = null;
  /** Ids of init.train, by PreparedTrip.index. */
  private readonly trainIds: string[];
  private readonly teacherProbs: TeacherProbs;
  private readonly vars: tf.Variable[];
  private readonly stepsPerEpoch: number;
  private epoch = 0;
  /** Index of the next batch of the current epoch. */
  private cursor = 0;
  private batches: number[][] = [];
  private running: Running;
  private bestWeights: Record<string, Float32Array> | null = null;
  /** Weights after the last finished epoch; read lazily (first step) so the constructor reads nothing. */
  private lastGood: Record<string, Float32Array> | null = null;
  private readonly phaseMs: Record<string, number> = {};

  constructor(init: StudentTrainerInit) {
    this.opts = { ...DEFAULT_TRAINER_OPTIONS, ...init.options };
    const o = this.opts;
    if (o.mode === 'distilled' && !init.teacher && !init.candidateTeacher && o.teacherTarget !== 'uniform')
      throw new Error('distilled mode needs a teacher');
    if (!(o.batchSize >= 1) || !(o.microBatch >= 1)) throw new Error('batchSize and microBatch must be ≥ 1');
    this.derived = init.derived;
    this.trainIds = init.train.map((t) => t.id);
    this.teacherProbs = new TeacherProbs(
      init.derived,
      this.trainIds,
      () => this.opts,
      init.teacher,
      init.candidateTeacher,
      swappedDestinations(init.train),
    );
    this.ctx = batchContext(init.network, init.derived, { k: o.k, maxLen: o.maxLen, routeFeatures: init.studentConfig?.routeFeatures });
    this.trainCtx = { ...this.ctx, crossFit: true };
    const kept: number[] = [];
    init.train.forEach((t, i) => {
      if (t.roads.length >= 2) kept.push(i);
    });
    if (kept.length === 0) throw new Error('no training trip has two or more roads');
    this.trainIndex = Int32Array.from(kept);
    this.trainTrips = kept.map((i) => init.train[i]);
    this.trainSteps = Int32Array.from(this.trainTrips, (t) => Math.min(t.roads.length, o.maxLen + 1) - 1);
    this.preparedCache = this.trainTrips.length <= o.preparedCacheTrips ? new Map() : null;
    this.valTrips = init.val ?? [];
    this.student = new Student(
      init.derived,
      { ...DEFAULT_STUDENT_CONFIG, ...init.studentConfig, freezeEncoders: o.freezeEncoders },
      o.seed,
    );
    this.student.levers = { fusedGat: o.fusedGat, packRows: o.packRows, receptiveField: o.receptiveField };
    this.vars = this.student.trainableVariables();
    this.stepsPerEpoch = Math.ceil(this.trainTrips.length / o.batchSize);
    const optCfg = withSchedule(
      { ...DEFAULT_OPTIM, lr: o.lr, weightDecay: o.weightDecay, clipNorm: o.clipNorm },
      this.stepsPerEpoch * o.epochs,
      o.warmupRatio,
    );
    this.optimizer = new AdamW(this.vars, optCfg, (v) => this.student.store.decayOf(v));
    this.optimizer.fused = o.fusedAdamW;
    this.batches = this.epochBatches(0);
    this.running = freshRunning();
  }

  /** Switches speed levers between steps (the benchmark times one trainer under each setting). */
  setLevers(l: Partial<TrainingLevers>): void {
    Object.assign(this.opts, l);
    this.student.levers = { fusedGat: this.opts.fusedGat, packRows: this.opts.packRows, receptiveField: this.opts.receptiveField };
    this.optimizer.fused = this.opts.fusedAdamW;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get steps(): number {
    return this.optimizer.stepCount;
  }

  get stepsInEpoch(): number {
    return this.stepsPerEpoch;
  }

  get done(): boolean {
    return this.stopReason !== null || this.epoch >= this.opts.epochs || this.earlyStopped;
  }

  /** True once `patience` epochs in a row brought no better val decision NLL. */
  get earlyStopped(): boolean {
    const p = this.opts.patience;
    return p > 0 && this.bestEpoch >= 0 && this.epoch - 1 - this.bestEpoch >= p;
  }

  get valTripCount(): number {
    return this.valTrips.length;
  }

  get trainTripCount(): number {
    return this.trainTrips.length;
  }

  /** The k-th kept training trip, prepared now (or taken from the small-set cache). */
  private preparedTrain(k: number): PreparedTrip {
    const hit = this.preparedCache?.get(k);
    if (hit) return hit;
    const p = prepareTrip(this.trainCtx, this.trainTrips[k], this.trainIndex[k]);
    this.preparedCache?.set(k, p);
    return p;
  }

  /** The epoch's batches (trip indices). Same seed → same batches; each epoch its own shuffle. */
  private epochBatches(epoch: number): number[][] {
    const rng = makeRng((this.opts.seed * 1_000_003 + epoch * 7919 + 1) >>> 0);
    const idx = shuffleInPlace(
      Array.from(this.trainSteps, (_, i) => i),
      rng,
    );
    const bs = this.opts.batchSize;
    const win = Math.max(1, Math.floor(this.opts.bucketWindow)) * bs;
    const out: number[][] = [];
    for (let w = 0; w < idx.length; w += win) {
      const chunk = idx.slice(w, w + win);
      // Stable sort by length inside the window (ties keep the shuffled order).
      if (win > bs) chunk.sort((a, b) => this.trainSteps[a] - this.trainSteps[b]);
      for (let i = 0; i < chunk.length; i += bs) out.push(chunk.slice(i, i + bs));
    }
    return win > bs ? shuffleInPlace(out, rng) : out;
  }

  // -------------------------------------------------------------------------------------------
  // Teacher

  private get distilling(): boolean {
    return this.opts.mode === 'distilled' && this.opts.lambda > 0 && this.teacherProbs.available;
  }

  /** Fills the teacher cache for every training trip (optional; otherwise filled lazily). */
  precomputeTeacher(onProgress?: (done: number, total: number) => void): void {
    if (!this.distilling || !this.opts.cacheTeacher) return;
    const n = this.trainTrips.length;
    const per = 64;
    for (let i = 0; i < n; i += per) {
      const chunk: PreparedTrip[] = [];
      for (let k = i; k < Math.min(n, i + per); k++) chunk.push(this.preparedTrain(k));
      runTaskSync(this.teacherProbs.tripsTask(chunk));
      onProgress?.(Math.min(n, i + per), n);
    }
  }

  get teacherCacheSize(): number {
    return this.teacherProbs.size;
  }

  // -------------------------------------------------------------------------------------------
  // Training

  /** One optimiser update (no-op returning done=true once training is over). Sync reads: not on webgpu. */
  step(): StudentStepMetrics {
    return runTaskSync(this.stepTask(), this.optimizer);
  }

  /** step() with asynchronous device reads (required on webgpu; works on every backend). */
  stepAsync(): Promise<StudentStepMetrics> {
    return runTaskAsync(this.stepTask(), this.optimizer);
  }

  /** Micro-batches of the step in progress done so far (null between steps): progress on a slow backend. */
  microProgress: { done: number; total: number } | null = null;

  /**
   * Data-parallel training (dataParallel.ts): when set, each step trains on this worker's shard of
   * the batch and applies the gradient summed over every worker's shard, so all workers' weights
   * stay equal. Needs the async driver (stepAsync). Null: the whole batch here, as always.
   */
  dataParallel: GradientExchange | null = null;

  /**
   * An exchange call whose failure (another worker died) gives this step's batch back: nothing has
   * been updated yet, so the run can go on (on one worker) from the same batch.
   */
  private exchanged<T>(p: Promise<T>): Promise<T> {
    const cursor = this.cursor;
    return p.catch((e: unknown) => {
      this.cursor = cursor - 1;
      throw e;
    });
  }

  private *stepTask(): DeviceTask<StudentStepMetrics> {
    const o = this.opts;
    setFastBatchMatMul(o.fastBatchMatMul);
    setAliasCopies(o.aliasCopies);
    setFastSum(o.fastSum);
    setFastGelu(o.fusedGelu);
    setFastSlice(o.fastSlice);
    const t0 = now();
    if (this.done) return this.idleMetrics();
    // The NaN guard's fallback; read before the first update changes the weights.
    if (!this.lastGood) this.lastGood = yield* this.weightsTask();
    const idx = this.batches[this.cursor];
    this.cursor += 1;
    const dp = this.dataParallel;
    let tp = now();
    const trips = (dp ? batchShard(idx, dp.size, dp.rank) : idx).map((i) => this.preparedTrain(i));
    tp = this.phase('prepareTrips', tp);

    const micro = microBatches(trips, o.microBatch, o.microTokens);
    const batches = micro.map((m) => buildBatch(this.ctx, m));
    tp = this.phase('buildBatch', tp);
    const teacher: Array<{ probs: Float32Array; rowWeights: Float32Array } | null> = [];
    for (let i = 0; i < batches.length; i++) {
      if (!this.distilling) {
        teacher.push(null);
        continue;
      }
      const probs = yield* this.teacherProbs.batchTask(batches[i], micro[i]);
      teacher.push({ probs, rowWeights: klRowWeights(batches[i], probs, o) });
    }
    tp = this.phase('teacher', tp);
    let totals: Counts = { ce: 0, time: 0, kl: 0 };
    for (const [i, b] of batches.entries()) {
      totals.ce += b.nValid;
      for (let n = 0; n < b.N; n++) totals.time += b.timeMask[n];
      totals.kl += teacher[i] ? klRowCount(teacher[i].rowWeights) : 0;
    }
    // Data-parallel: every loss part is divided by the joined batch's counts (dataParallel.ts).
    if (dp) totals = yield* waitFor(this.exchanged(dp.counts(totals)));
    // The KL rows kept and their candidates' rows, for the epoch's klKeptShare.
    let klKept = 0;
    let klRows = 0;
    for (const [i, b] of batches.entries()) {
      if (!teacher[i]) continue;
      klKept += klRowCount(teacher[i].rowWeights);
      for (let n = 0; n < b.N; n++) if (b.candMask[n * b.C] > 0) klRows += 1;
    }

    const acc = new GradAccumulator();
    const sums = { ce: 0, time: 0, kl: 0, total: 0, correct: 0 };
    let finite = true;
    const scale = batches.length; // accumulator averages; parts are already full-batch fractions
    // Loss scalars of every micro-batch stay on the device until one read after the last one.
    const scalars: tf.Tensor[] = [];
    let grads: tf.NamedTensorMap = {};
    try {
      this.microProgress = { done: 0, total: batches.length };
      for (const [i, batch] of batches.entries()) {
        let parts: tf.Scalar[] = [];
        const { value, grads: g } = tf.variableGrads(() => {
          const enc = this.student.encodeNetwork(batchRoads(batch));
          const r = lossParts(this.student, this.derived, o, batch, enc, teacher[i], totals);
          parts = [r.ce, r.time, r.kl, r.correct].map((t) => tf.keep(t));
          return tf.mul(r.total, scale) as tf.Scalar;
        }, this.vars);
        acc.add(g);
        tf.dispose(g);
        scalars.push(value, ...parts);
        // With several micro-batches, wait for each one so that the count a slow backend shows is
        // work finished, not merely queued (one scalar read; a single micro-batch needs none).
        if (batches.length > 1) yield* readValues([value]);
        this.microProgress = { done: i + 1, total: batches.length };
      }
      grads = acc.take();
      tp = this.phase('forwardBackward', tp);
      const vals = yield* readValues(scalars);
      tp = this.phase('readLosses', tp);
      for (let i = 0; i < batches.length; i++) {
        const [total, ce, time, kl, correct] = vals.slice(5 * i, 5 * i + 5).map((v) => v[0]);
        sums.total += total / scale;
        sums.ce += ce;
        sums.time += time;
        sums.kl += kl;
        sums.correct += correct;
        if (!Number.isFinite(total)) finite = false;
      }
    } finally {
      tf.dispose(scalars);
      acc.dispose();
    }
    let lr = this.optimizer.nextLr;
    let gradNorm = NaN;
    try {
      if (dp) {
        // Every worker sends its share and applies the same sum (a worker whose loss is not finite
        // makes the summed loss NaN, so all of them skip the update together).
        const local = yield* this.contributionTask(grads, [sums.total, sums.ce, sums.time, sums.kl, sums.correct, klKept, klRows]);
        tp = this.phase('readGradients', tp);
        const sum = yield* waitFor(this.exchanged(dp.contribute(local)));
        tp = this.phase('exchange', tp);
        tf.dispose(grads);
        grads = {};
        grads = this.gradientsOf(sum);
        [sums.total, sums.ce, sums.time, sums.kl, sums.correct, klKept, klRows] = sum.stats;
        finite = Number.isFinite(sums.total);
      }
      if (finite) {
        const r = (yield { update: grads }) as StepResult;
        lr = r.lr;
        gradNorm = r.gradNorm;
        finite = r.finite;
      }
    } finally {
      tf.dispose(grads);
    }
    this.phase('optimizer', tp);
    if (!finite) yield* this.guard(`non-finite ${Number.isFinite(sums.total) ? 'gradients' : 'loss'} at step ${this.steps + 1}`);

    const trainAcc = totals.ce > 0 ? sums.correct / totals.ce : 0;
    if (finite) {
      const r = this.running;
      r.ce += sums.ce;
      r.kl += sums.kl;
      r.time += sums.time;
      r.total += sums.total;
      r.acc += trainAcc;
      r.n += 1;
      r.klKept += klKept;
      r.klRows += klRows;
    }
    const epochOfStep = this.epoch;
    let epochEnd: EpochRecord | undefined;
    if (finite && this.cursor >= this.batches.length) epochEnd = yield* this.finishEpoch();
    const secs = Math.max(1e-9, (now() - t0) / 1000);
    this.microProgress = null;
    return {
      step: this.steps,
      epoch: epochOfStep,
      ce: sums.ce,
      kl: sums.kl,
      time: sums.time,
      total: sums.total,
      trainAcc,
      lr,
      gradNorm,
      stepsPerSec: 1 / secs,
      tripsPerSec: idx.length / secs,
      finite,
      epochEnd,
      done: this.done,
    };
  }

  /** This worker's gradients (summed over its micro-batches) and stats, as plain arrays for the exchange. */
  private *contributionTask(grads: tf.NamedTensorMap, stats: number[]): DeviceTask<ShardContribution> {
    const sizes = this.vars.map((v) => v.size);
    const grad = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    const present = new Uint8Array(this.vars.length);
    const have = this.vars.flatMap((v, i) => (grads[v.name] ? [i] : []));
    const vals = yield* readValues(have.map((i) => grads[this.vars[i].name]));
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    have.forEach((i, j) => {
      grad.set(vals[j], offsets[i]);
      present[i] = 1;
    });
    return { grad, present, stats: Float64Array.from(stats) };
  }

  /** The summed gradients as tensors, for the variables some worker's gradient reached. */
  private gradientsOf(sum: ShardContribution): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    let at = 0;
    this.vars.forEach((v, i) => {
      if (sum.present[i]) out[v.name] = tf.tensor(sum.grad.slice(at, at + v.size), v.shape, 'float32');
      at += v.size;
    });
    return out;
  }

  /** Adds the time since `t0` to a phase of the step; returns now. */
  private phase(name: string, t0: number): number {
    const t = now();
    this.phaseMs[name] = (this.phaseMs[name] ?? 0) + (t - t0);
    return t;
  }

  /** Milliseconds spent so far in each phase of step() (host-side breakdown for profiling). */
  phaseTimes(): Record<string, number> {
    return { ...this.phaseMs };
  }

  private idleMetrics(): StudentStepMetrics {
    return {
      step: this.steps,
      epoch: this.epoch,
      ce: NaN,
      kl: NaN,
      time: NaN,
      total: NaN,
      trainAcc: NaN,
      lr: this.optimizer.nextLr,
      gradNorm: NaN,
      stepsPerSec: 0,
      tripsPerSec: 0,
      finite: this.stopReason === null,
      done: true,
    };
  }

  /** Copies of all student weights keyed by model-local name. */
  private *weightsTask(): DeviceTask<Record<string, Float32Array>> {
    const params = this.student.store.list();
    const vals = yield* readValues(params.map((p) => p.variable));
    const out: Record<string, Float32Array> = {};
    params.forEach((p, i) => {
      out[p.name] = Float32Array.from(vals[i]);
    });
    return out;
  }

  /** NaN/Inf guard: stop, and make sure the weights are the last good ones. */
  private *guard(reason: string): DeviceTask<void> {
    this.stopReason = reason;
    if (!(yield* this.weightsFinite()) && this.lastGood) this.student.setWeights(this.lastGood);
  }

  private *weightsFinite(): DeviceTask<boolean> {
    // sum(stack) rather than addN: tfjs-webgpu's AddN binds every input in one shader and yields
    // zeros beyond maxStorageBuffersPerShaderStage (8 on SwiftShader); Concat splits its inputs.
    const bad = tf.tidy(() =>
      tf.sum(tf.stack(this.student.store.variables().map((v) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(v)), 'float32'))))),
    );
    try {
      const [v] = yield* readValues([bad]);
      return v[0] === 0;
    } finally {
      bad.dispose();
    }
  }

  private *finishEpoch(): DeviceTask<EpochRecord> {
    const r = this.running;
    const n = Math.max(1, r.n);
    const rec: EpochRecord = {
      epoch: this.epoch,
      ce: r.ce / n,
      kl: r.kl / n,
      time: r.time / n,
      total: r.total / n,
      trainAcc: r.acc / n,
      steps: r.n,
      seconds: (now() - r.t0) / 1000,
      lr: lrAt(this.optimizer.stepCount, this.optimizer.cfg),
    };
    if (r.klRows > 0) rec.klKeptShare = r.klKept / r.klRows;
    const weights = yield* this.weightsTask();
    if (this.valTrips.length > 0) {
      Object.assign(rec, yield* this.evaluateTask(this.valTrips, 64));
      if ((rec.valNllDecision ?? Infinity) < this.bestValNll) {
        this.bestValNll = rec.valNllDecision as number;
        this.bestValAcc = rec.valAcc as number;
        this.bestEpoch = this.epoch;
        this.bestWeights = weights;
      }
    }
    this.lastGood = weights;
    this.history.push(rec);
    this.epoch += 1;
    this.cursor = 0;
    this.batches = this.epochBatches(this.epoch);
    this.running = freshRunning();
    return rec;
  }

  /** Runs steps until the current epoch ends (or training stops); returns its record. */
  runEpoch(onStep?: (m: StudentStepMetrics) => void): EpochRecord | undefined {
    while (!this.done) {
      const m = this.step();
      onStep?.(m);
      if (m.epochEnd) return m.epochEnd;
      if (!m.finite) return undefined;
    }
    return undefined;
  }

  /** Puts the best epoch's weights (by val decision NLL) into the student; false if none. */
  restoreBest(): boolean {
    if (!this.bestWeights) return false;
    this.student.setWeights(this.bestWeights);
    return true;
  }

  get bestSnapshot(): Record<string, Float32Array> | null {
    return this.bestWeights;
  }

  // -------------------------------------------------------------------------------------------
  // Evaluation

  /**
   * Next-road accuracy over the steps of `trips` whose next road is a candidate, the chance level
   * valChanceAcc = mean of 1/|candidates| over those steps, and the mean CE there.
   */
  evaluate(trips: Trajectory[], batchTrips = 64): EvalResult {
    return runTaskSync(this.evaluateTask(trips, batchTrips));
  }

  /** evaluate() with asynchronous device reads (webgpu). */
  evaluateAsync(trips: Trajectory[], batchTrips = 64): Promise<EvalResult> {
    return runTaskAsync(this.evaluateTask(trips, batchTrips));
  }

  /**
   * Val metrics on the fixed subset of `n` val trips (valCheck.ts valSubset; 0 or ≥ the set: all of
   * it), with asynchronous reads: the Train view's early points between epoch ends.
   */
  checkValAsync(n: number): Promise<EvalResult & { trips: number }> {
    const whole = !(n > 0) || n >= this.valTrips.length;
    let prepared: PreparedTrip[];
    if (whole) prepared = this.valPrepared ??= this.prepareEval(this.valTrips);
    else {
      if (this.valSubsetPrepared?.n !== n) this.valSubsetPrepared = { n, prepared: this.prepareEval(valSubset(this.valTrips, n)) };
      prepared = this.valSubsetPrepared.prepared;
    }
    return runTaskAsync(evaluateTask(this.student, this.ctx, prepared, 64)).then((r) => ({ ...r, trips: prepared.length }));
  }

  /** Whole trips (no cropping), in length order so batches pad little. */
  private prepareEval(trips: Trajectory[]): PreparedTrip[] {
    return prepareWholeTrips(this.ctx, trips).sort((a, b) => a.steps - b.steps);
  }

  private *evaluateTask(trips: Trajectory[], batchTrips: number): DeviceTask<EvalResult> {
    // Validation scores whole trips (no cropping), in length order so batches pad little.
    const whole = (): PreparedTrip[] => prepareWholeTrips(this.ctx, trips).sort((a, b) => a.steps - b.steps);
    const prepared = trips === this.valTrips ? (this.valPrepared ??= whole()) : whole();
    return yield* evaluateTask(this.student, this.ctx, prepared, batchTrips);
  }

  // -------------------------------------------------------------------------------------------
  // State for checkpoints / resume

  trainingState(): { epoch: number; cursor: number; optimizer: OptimState; bestEpoch: number; bestValAcc: number; history: EpochRecord[] } {
    return {
      epoch: this.epoch,
      cursor: this.cursor,
      optimizer: this.optimizer.getState(),
      bestEpoch: this.bestEpoch,
      bestValAcc: this.bestValAcc,
      history: this.history.map((h) => ({ ...h })),
    };
  }

  /** Resumes at a saved position (weights are loaded separately into `student`). */
  restoreTrainingState(s: {
    epoch: number;
    cursor: number;
    optimizer?: OptimState;
    bestEpoch?: number;
    bestValAcc?: number;
    history?: EpochRecord[];
  }): void {
    this.epoch = s.epoch;
    this.batches = this.epochBatches(s.epoch);
    this.cursor = Math.min(s.cursor, this.batches.length);
    if (s.optimizer) this.optimizer.setState(s.optimizer);
    this.bestEpoch = s.bestEpoch ?? -1;
    this.bestValAcc = s.bestValAcc ?? -Infinity;
    this.history.length = 0;
    if (s.history) this.history.push(...s.history);
    // Older checkpoints selected on accuracy and kept no NLL: any finite NLL then wins once.
    this.bestValNll = this.history.find((h) => h.epoch === this.bestEpoch)?.valNllDecision ?? Infinity;
    this.running = freshRunning();
    this.lastGood = null; // re-read before the next update
  }

  dispose(): void {
    this.optimizer.dispose();
    this.student.dispose();
    this.teacherProbs.clear();
  }
}

function freshRunning(): Running {
  return { ce: 0, kl: 0, time: 0, total: 0, acc: 0, n: 0, klKept: 0, klRows: 0, t0: now() };
}
