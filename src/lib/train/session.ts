// A training session: the orchestration shared by the training worker and the CLI.
//
// It owns one StudentTrainer (vanilla or distilled), runs it step by step in an async loop that
// yields to the event loop between steps (so pause / stop / single-step messages are handled while
// training runs), keeps per-epoch records with validation accuracy and the best epoch, and turns
// the model + training state into checkpoint bytes. Metrics are throttled here (MetricThrottle):
// every step's numbers are aggregated and at most one record per `minEmitMs` leaves the session,
// so a consumer (postMessage, console) never limits training speed.
//
// Framework-free: no DOM, no worker globals. Time and yielding are injectable for tests.
//
// All device reads here are asynchronous (trainer.stepAsync, save()): on webgpu a
// synchronous read (dataSync) returns zeros in a worker and breaks the device.
import type { Student } from '../models/student';
import { STUDENT_PRESETS, type StudentConfig } from '../models/studentConfig';
import { nestedSubset } from '../random';
import { StudentTrainer, type EpochRecord, type NextCellTeacher, type StepCore, type StudentStepMetrics } from './studentTrainer';
import { encodeCheckpoint, weightsFromVariables, type Checkpoint } from '../checkpoint/checkpoint';
import { loadStudentWeights, readCheckpoint, type CheckpointInput } from '../checkpoint/loadModel';
import { canonicalName } from '../features/variableNames';
import type { OptimState } from './optim';
import type { SessionState } from './runLoop';
import { SteppedSession } from './steppedSession';
import type { RuntimeStats, SaveOptions, SessionInit } from './steppedSession';
import { normaliseHyper, type SessionHyper } from './sessionHyper';
import { downloadVariables, trimGpuBufferPool } from '../runtime/deviceMemory';
import { defaultClock as defaultNow } from '../runtime/clock';
import { routesAsTrips } from './routeTrips';
import { valCheckDue, type ValCheckOptions, type ValPoint } from './valCheck';

export { downloadVariables, trimGpuBufferPool, GPU_POOL_LIMIT_BYTES } from '../runtime/deviceMemory';

// ---------------------------------------------------------------------------------------------
// Hyperparameters (their defaults and clamping: sessionHyper.ts)

/** The student architecture a session builds (freezeEncoders is a training option, not a size). */
export function studentConfigFor(h: SessionHyper, override: Partial<StudentConfig> = {}): StudentConfig {
  return {
    ...STUDENT_PRESETS[h.size],
    ...(h.idFree ? { idFree: true } : {}),
    ...(h.routeFeatures
      ? {
          routeFeatures: {
            speeds: h.routeSpeeds,
            ...(h.routeMarkov ? { markov: h.routeMarkov } : {}),
            ...(h.routeZonePlan ? { zonePlan: true } : {}),
          },
        }
      : {}),
    ...override,
    freezeEncoders: h.freezeEncoders,
  };
}

// ---------------------------------------------------------------------------------------------
// Metric throttling

/** The per-step numbers the throttle aggregates (a subset of StudentStepMetrics). */
export interface StepSample extends StepCore {
  /** Trips in this step. */
  trips: number;
}

/**
 * What one emitted metrics record holds: means over the steps since the previous record; `step`
 * and `epoch` are the last ones covered.
 */
export interface MetricAggregate extends StepCore {
  /** Steps aggregated into this record. */
  samples: number;
  /** Throughput over the wall time since the previous record (includes any pause overhead). */
  stepsPerSec: number;
  tripsPerSec: number;
}

/**
 * Aggregates step samples and releases at most one aggregate per `minIntervalMs` (≤ 1000/min
 * messages a second). Losses are means over the aggregated steps (non-finite ones skipped), lr and
 * the step counter are the latest, throughput is measured over wall time between releases.
 */
export class MetricThrottle {
  private sums = { ce: 0, kl: 0, time: 0, total: 0, trainAcc: 0, gradNorm: 0 };
  private finiteN = 0;
  private n = 0;
  private trips = 0;
  private last: StepSample | null = null;
  private windowStart: number;
  private lastEmit = -Infinity;

  constructor(
    readonly minIntervalMs = 100,
    private readonly now: () => number = defaultNow,
  ) {
    this.windowStart = now();
  }

  /** Restarts the throughput clock (after a pause, so idle time is not counted). */
  resetClock(): void {
    this.windowStart = this.now();
  }

  get pending(): number {
    return this.n;
  }

  /** Adds a step; returns an aggregate when one may be emitted now, else null. */
  add(s: StepSample): MetricAggregate | null {
    this.n += 1;
    this.trips += s.trips;
    this.last = s;
    if ([s.ce, s.kl, s.time, s.total, s.trainAcc].every(Number.isFinite)) {
      this.finiteN += 1;
      this.sums.ce += s.ce;
      this.sums.kl += s.kl;
      this.sums.time += s.time;
      this.sums.total += s.total;
      this.sums.trainAcc += s.trainAcc;
      this.sums.gradNorm += Number.isFinite(s.gradNorm) ? s.gradNorm : 0;
    }
    return this.now() - this.lastEmit >= this.minIntervalMs ? this.flush() : null;
  }

  /** Releases whatever is pending (ignores the rate bound); null when nothing is. */
  flush(): MetricAggregate | null {
    if (this.n === 0 || !this.last) return null;
    const t = this.now();
    const secs = Math.max(1e-6, (t - this.windowStart) / 1000);
    const k = Math.max(1, this.finiteN);
    const f = this.finiteN > 0;
    const out: MetricAggregate = {
      step: this.last.step,
      epoch: this.last.epoch,
      ce: f ? this.sums.ce / k : NaN,
      kl: f ? this.sums.kl / k : NaN,
      time: f ? this.sums.time / k : NaN,
      total: f ? this.sums.total / k : NaN,
      trainAcc: f ? this.sums.trainAcc / k : NaN,
      gradNorm: f ? this.sums.gradNorm / k : NaN,
      lr: this.last.lr,
      samples: this.n,
      stepsPerSec: this.n / secs,
      tripsPerSec: this.trips / secs,
    };
    this.sums = { ce: 0, kl: 0, time: 0, total: 0, trainAcc: 0, gradNorm: 0 };
    this.finiteN = 0;
    this.n = 0;
    this.trips = 0;
    this.last = null;
    this.windowStart = t;
    this.lastEmit = t;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Session

export type { SessionState } from './runLoop';

export interface SessionMetrics extends MetricAggregate, RuntimeStats {
  stepsPerEpoch: number;
  epochs: number;
  /** Latest validation accuracy (from the last finished epoch), when there is one. */
  valAcc?: number;
  valChanceAcc?: number;
}

export interface SessionEpochRecord extends EpochRecord {
  /** Optimiser steps done at the end of this epoch. */
  step: number;
  bestEpoch: number;
  bestValAcc: number | null;
}

export interface SessionEvents {
  metrics?(m: SessionMetrics): void;
  /** Awaited: a slow consumer (e.g. an IndexedDB save) delays the next epoch, not this one. */
  epoch?(rec: SessionEpochRecord): void | Promise<void>;
  state?(s: SessionState, reason?: string): void;
  /** An early val point (valCheck.ts), between epoch ends; awaited like `epoch`. */
  valPoint?(p: ValPoint): void | Promise<void>;
}

export interface TrainingSessionInit extends SessionInit<SessionHyper, SessionEvents> {
  /** Needed for mode 'distilled' with λ > 0 (or candidateTeacher). */
  teacher?: NextCellTeacher;
  /** A road-level teacher (StudentTrainerInit.candidateTeacher), keyed by train trip id. */
  candidateTeacher?: ReadonlyMap<string, Float32Array>;
  /** Overrides of the size preset (tests use a tiny model). */
  studentConfig?: Partial<StudentConfig>;
  /** Early val points between epoch ends (valCheck.ts); absent: only the epoch ends' val. */
  valCheck?: ValCheckOptions;
}

/** Resume data a student checkpoint carries in training.extra. */
interface StudentExtra {
  cursor: number;
  bestEpoch: number;
  bestValAcc: number | null;
  history: EpochRecord[];
}

export class TrainingSession extends SteppedSession<StudentStepMetrics, SessionEvents> {
  readonly hyper: SessionHyper;
  readonly trainer: StudentTrainer;
  private readonly throttle: MetricThrottle;
  private lastVal: { valAcc: number; valChanceAcc: number } | null = null;
  private readonly valCheck: ValCheckOptions | null;

  constructor(init: TrainingSessionInit) {
    super(init);
    this.valCheck = init.valCheck && init.valCheck.everySteps > 0 && init.dataset.splits.val.length > 0 ? { ...init.valCheck } : null;
    this.hyper = normaliseHyper(init.hyper ?? {});
    const h = this.hyper;
    this.throttle = new MetricThrottle(this.minEmitMs, this.now);
    if (h.mode === 'distilled' && h.lambda > 0 && !init.teacher && !init.candidateTeacher && h.teacherTarget !== 'uniform')
      throw new Error('distilled training needs a teacher checkpoint');
    const trips = nestedSubset(init.dataset.splits.train, h.trainFrac, h.seed);
    const routes = h.routes ? (init.dataset.routes ?? []) : [];
    if (h.routes && routes.length === 0) throw new Error(`training on routes: ${init.dataset.name} has no routes.csv`);
    const cfg = studentConfigFor(h, init.studentConfig);
    this.trainer = new StudentTrainer({
      network: init.dataset.network,
      derived: init.derived,
      train: [...trips, ...routesAsTrips(routes, trips, h.seed)],
      val: init.dataset.splits.val,
      teacher: h.mode === 'distilled' ? init.teacher : undefined,
      candidateTeacher: h.mode === 'distilled' ? init.candidateTeacher : undefined,
      studentConfig: cfg,
      options: {
        mode: h.mode,
        lambda: h.lambda,
        tau: h.tau,
        window: h.window,
        alpha: h.alpha,
        lastStepOnly: h.lastStepOnly,
        noTauSquared: h.noTauSquared,
        freezeEncoders: h.freezeEncoders,
        klMaskLastSteps: h.klMaskLastSteps,
        klMaskIndistinct: h.klMaskIndistinct,
        klMaskRandom: h.klMaskRandom,
        lr: h.lr,
        batchSize: h.batch,
        microBatch: h.microBatch,
        epochs: h.epochs,
        seed: h.seed,
        maxLen: h.maxLen,
        patience: h.patience,
        teacherTarget: h.teacherTarget,
      },
    });
  }

  /** Micro-batches of the step in progress done so far, or null between steps. */
  get microProgress(): { done: number; total: number } | null {
    return this.trainer.microProgress;
  }

  get student(): Student {
    return this.trainer.student;
  }

  get steps(): number {
    return this.trainer.steps;
  }

  get history(): EpochRecord[] {
    return this.trainer.history;
  }

  resume(): Promise<void> {
    return this.start();
  }

  // Steppable (driven by this.run) -------------------------------------------------------------

  get finished(): boolean {
    return this.trainer.done;
  }

  get finishReason(): string | undefined {
    return this.trainer.stopReason ?? undefined;
  }

  resetClock(): void {
    this.throttle.resetClock();
  }

  flushMetrics(): void {
    const rest = this.throttle.flush();
    if (rest) this.emitMetrics(rest);
  }

  async stepOnce(): Promise<{ metrics: StudentStepMetrics; halt?: string }> {
    const m = await this.trainer.stepAsync();
    trimGpuBufferPool();
    const agg = this.throttle.add({ ...m, trips: m.tripsPerSec / Math.max(m.stepsPerSec, 1e-12) });
    if (m.epochEnd) {
      // The epoch's own record goes out first so charts get the validation point in order.
      const pending = agg ?? this.throttle.flush();
      if (m.epochEnd.valAcc !== undefined) this.lastVal = { valAcc: m.epochEnd.valAcc, valChanceAcc: m.epochEnd.valChanceAcc ?? NaN };
      if (pending) this.emitMetrics(pending);
      const rec: SessionEpochRecord = {
        ...m.epochEnd,
        step: this.trainer.steps,
        bestEpoch: this.trainer.bestEpoch,
        bestValAcc: Number.isFinite(this.trainer.bestValAcc) ? this.trainer.bestValAcc : null,
      };
      await this.events.epoch?.(rec);
    } else {
      if (agg) this.emitMetrics(agg);
      if (m.finite && this.valCheck && valCheckDue(this.trainer.steps, this.valCheck)) await this.checkVal(m.epoch);
    }
    return { metrics: m, halt: m.finite ? undefined : (this.trainer.stopReason ?? 'non-finite loss') };
  }

  /** An early val point on the fixed subset (not at an epoch's end: the whole val set is scored there). */
  private async checkVal(epoch: number): Promise<void> {
    const o = this.valCheck;
    if (!o || !this.events.valPoint) return;
    const t0 = this.now();
    const r = await this.trainer.checkValAsync(o.trips);
    await this.events.valPoint({
      step: this.trainer.steps,
      epoch,
      trips: r.trips,
      whole: r.trips >= this.trainer.valTripCount,
      valAccDecision: r.valAccDecision,
      valNllDecision: r.valNllDecision,
      valChanceAccDecision: r.valChanceAccDecision,
      seconds: (this.now() - t0) / 1000,
    });
  }

  private emitMetrics(a: MetricAggregate): void {
    if (!this.events.metrics) return;
    this.events.metrics({
      ...a,
      stepsPerEpoch: this.trainer.stepsInEpoch,
      epochs: this.hyper.epochs,
      valAcc: this.lastVal?.valAcc,
      valChanceAcc: this.lastVal?.valChanceAcc,
      ...this.runtimeStats(),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Checkpoints

  /** The student architecture as stored in checkpoints. */
  get modelConfig(): StudentConfig {
    return this.trainer.student.config;
  }

  /**
   * A checkpoint of the current weights (or the best epoch's, with `best`), the model config, the
   * dataset fingerprint and — unless `optimizer` is false — the optimiser state for resuming.
   */
  checkpoint(opts: SaveOptions = {}): Checkpoint<StudentConfig> {
    const t = this.trainer;
    const vars = t.student.store.variables();
    const weights = weightsFromVariables(vars);
    if (opts.best && t.bestSnapshot) {
      // bestSnapshot is keyed like student.getWeights(); swap the values in, keep the names/shapes.
      const snap = t.bestSnapshot;
      const local = t.student.store.list();
      for (const p of local) {
        const w = weights[canonicalName(p.variable.name)];
        const v = snap[p.name];
        if (w && v && v.length === w.data.length) w.data = v;
      }
    }
    const state = t.trainingState();
    const extra: StudentExtra = {
      cursor: state.cursor,
      bestEpoch: state.bestEpoch,
      bestValAcc: Number.isFinite(state.bestValAcc) ? state.bestValAcc : null,
      history: state.history,
    };
    return {
      kind: 'student',
      config: this.modelConfig,
      fingerprint: this.derived.fingerprint,
      training: {
        epoch: state.epoch,
        step: t.steps,
        optimizer: opts.optimizer === false ? undefined : (state.optimizer as OptimState),
        extra: extra as unknown as Record<string, unknown>,
      },
      hyper: {
        ...this.hyper,
        window: Number.isFinite(this.hyper.window) ? this.hyper.window : 'all',
        weights: opts.best && t.bestSnapshot ? `best epoch ${t.bestEpoch}` : 'current',
      },
      created: new Date().toISOString(),
      weights,
    };
  }

  /** Synchronous reads: for cpu/wasm (the CLI); save() works on every backend. */
  checkpointBytes(opts: SaveOptions = {}): Uint8Array {
    return encodeCheckpoint(this.checkpoint(opts));
  }

  /**
   * Every live variable (weights and optimiser moments) is first downloaded asynchronously;
   * backends cache what they downloaded, so the synchronous reads that build the checkpoint then
   * never touch the device (on webgpu they would return zeros in a worker).
   */
  protected async snapshot(opts: SaveOptions): Promise<Checkpoint> {
    await downloadVariables();
    return this.checkpoint(opts);
  }

  protected get bestScore(): number | null {
    return Number.isFinite(this.trainer.bestValAcc) ? this.trainer.bestValAcc : null;
  }

  protected override get bestDecisionAcc(): number | undefined {
    const t = this.trainer;
    const acc = t.history.find((h) => h.epoch === t.bestEpoch)?.valAccDecision;
    return typeof acc === 'number' && Number.isFinite(acc) ? acc : undefined;
  }

  /**
   * Starts this fresh run from a student checkpoint's weights (fine-tuning): the optimiser, the
   * schedule and the counters stay fresh. Refuses, with the reason, a checkpoint of another kind,
   * road network or size. Only before the first step.
   */
  initFrom(src: CheckpointInput): Checkpoint {
    if (this.steps > 0 || this.state === 'running') throw new Error('a run starts from a checkpoint only before its first step');
    const ck = readCheckpoint(src, {
      kind: 'student',
      fingerprint: this.derived.fingerprint,
      config: this.modelConfig,
      ignoreKeys: ['dropout', 'freezeEncoders'],
    });
    loadStudentWeights(this.trainer.student, ck);
    return ck;
  }

  /** Weights and, when present, optimiser state and position; the size must match, dropout and freezing may differ. */
  protected restore(src: CheckpointInput): Checkpoint {
    const ck = readCheckpoint(src, {
      kind: 'student',
      fingerprint: this.derived.fingerprint,
      config: this.modelConfig,
      ignoreKeys: ['dropout', 'freezeEncoders'],
    });
    const t = this.trainer;
    loadStudentWeights(t.student, ck);
    const extra = (ck.training.extra ?? {}) as Partial<StudentExtra>;
    t.restoreTrainingState({
      epoch: ck.training.epoch,
      cursor: typeof extra.cursor === 'number' ? extra.cursor : 0,
      optimizer: ck.training.optimizer,
      bestEpoch: typeof extra.bestEpoch === 'number' ? extra.bestEpoch : -1,
      bestValAcc: typeof extra.bestValAcc === 'number' ? extra.bestValAcc : -Infinity,
      history: Array.isArray(extra.history) ? extra.history : [],
    });
    const last = t.history[t.history.length - 1];
    this.lastVal = last?.valAcc !== undefined ? { valAcc: last.valAcc, valChanceAcc: last.valChanceAcc ?? NaN } : null;
    return ck;
  }

  dispose(): void {
    super.dispose();
    this.trainer.dispose();
  }
}
