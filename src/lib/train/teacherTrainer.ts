// Teacher (LM-TAD) training: next-token cross-entropy ignoring PAD, AdamW with linear warm-up and
// cosine decay, global-norm clipping, seeded shuffling, validation perplexity each epoch, best
// epoch kept, NaN/Inf guard. Steppable: one batch per step() so a worker can pause, resume and
// single-step between calls.
import * as tf from '@tensorflow/tfjs';
import type { TeacherConfig, TeacherModel } from '../models/teacher';
import { makeRng, shuffleInPlace } from '../random';
import { AdamW, DEFAULT_OPTIM, type OptimConfig } from './optim';
import { loadIntoVariables, weightsFromVariables, type Checkpoint, type NamedWeights } from './checkpoint';

export interface TeacherTrainConfig {
  batchSize: number;
  epochs: number;
  seed: number;
  /** lr, weight decay, betas, clip; warmupSteps/totalSteps are derived from the run length. */
  optim: Omit<OptimConfig, 'warmupSteps' | 'totalSteps'>;
  /** Warm-up as a share of all steps. */
  warmupRatio: number;
  /** Sequences per validation batch. */
  evalBatchSize: number;
  /** Early stopping: stop after this many epochs without a better validation loss (absent: never). */
  patience?: number;
}

/** nanoGPT-like settings scaled for a small model: lr 1e-3 → 1e-4, β2 0.95, wd 0.1, clip 1. */
export const DEFAULT_TEACHER_TRAIN: TeacherTrainConfig = {
  batchSize: 32,
  epochs: 20,
  seed: 1,
  optim: { ...DEFAULT_OPTIM, lr: 1e-3, beta2: 0.95, minLrRatio: 0.1 },
  warmupRatio: 0.05,
  evalBatchSize: 64,
};

export type TrainStatus = 'running' | 'done' | 'diverged';

export interface TeacherEpochLog {
  epoch: number;
  /** Mean per-token train loss over the epoch's batches (as trained, dropout on). */
  trainLoss: number;
  valLoss: number;
  valPerplexity: number;
  seconds: number;
}

export interface TeacherStepMetrics {
  /** Optimiser updates done so far. */
  step: number;
  /** 0-based epoch this batch belonged to. */
  epoch: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Predicted (non-PAD) tokens in the batch. */
  tokens: number;
  sequences: number;
  status: TrainStatus;
  /** Set on the last batch of an epoch. */
  epochEnd?: TeacherEpochLog;
  /** Why training stopped (divergence). */
  message?: string;
}

export interface TeacherEval {
  valLoss: number;
  valPerplexity: number;
}

export class TeacherTrainer {
  readonly model: TeacherModel;
  readonly cfg: TeacherTrainConfig;
  readonly optimizer: AdamW;
  readonly batchesPerEpoch: number;
  readonly totalSteps: number;
  readonly history: TeacherEpochLog[] = [];
  status: TrainStatus = 'running';
  message: string | undefined;
  bestEpoch = -1;
  bestValLoss = Infinity;
  private best: NamedWeights | null = null;
  private readonly train: number[][];
  private readonly val: number[][];
  private epoch = 0;
  private batchInEpoch = 0;
  private order: number[] = [];
  private epochLossSum = 0;
  private epochTokens = 0;
  private epochStart = 0;
  /** Weights before the last update (share buffers with the old values: no copy). */
  private readonly snapshot: tf.Variable[];
  private haveSnapshot = false;

  constructor(model: TeacherModel, trainSeqs: number[][], valSeqs: number[][], cfg: Partial<TeacherTrainConfig> = {}) {
    if (trainSeqs.length === 0) throw new Error('TeacherTrainer: no training sequences');
    this.model = model;
    this.cfg = { ...DEFAULT_TEACHER_TRAIN, ...cfg, optim: { ...DEFAULT_TEACHER_TRAIN.optim, ...(cfg.optim ?? {}) } };
    // Sequences without a single real target would make the loss 0/0.
    this.train = trainSeqs.filter((s) => s.length >= 2);
    this.val = valSeqs.filter((s) => s.length >= 2);
    this.batchesPerEpoch = Math.ceil(this.train.length / this.cfg.batchSize);
    this.totalSteps = this.batchesPerEpoch * this.cfg.epochs;
    this.optimizer = new AdamW(model.variables, {
      ...this.cfg.optim,
      totalSteps: this.totalSteps,
      warmupSteps: Math.round(this.totalSteps * this.cfg.warmupRatio),
    });
    this.snapshot = model.variables.map((v) => tf.tidy(() => tf.variable(v, false)));
    this.startEpoch();
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get done(): boolean {
    return this.status !== 'running';
  }

  /** One optimiser update on the next batch; at the end of an epoch also validates. */
  step(): TeacherStepMetrics {
    if (this.done) throw new Error(`TeacherTrainer: training is ${this.status}${this.message ? ` (${this.message})` : ''}`);
    const idx = this.order.slice(this.batchInEpoch * this.cfg.batchSize, (this.batchInEpoch + 1) * this.cfg.batchSize);
    const batch = idx.map((i) => this.train[i]);
    const tokens = countTargets(batch, this.model);
    const { value, grads } = tf.variableGrads(() => this.model.loss(batch, true), this.model.variables);
    const loss = value.dataSync()[0];
    value.dispose();
    const base = {
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      batchesPerEpoch: this.batchesPerEpoch,
      loss,
      tokens,
      sequences: batch.length,
    };
    if (!Number.isFinite(loss)) {
      tf.dispose(grads);
      // The current weights produced a non-finite loss: go back to the ones before the last update.
      this.restoreSnapshot();
      return this.diverge(base, `non-finite training loss (${loss}) at step ${this.optimizer.stepCount + 1}; weights restored to the last good step`);
    }
    this.takeSnapshot();
    const r = this.optimizer.step(grads);
    tf.dispose(grads);
    if (!r.finite) {
      return this.diverge({ ...base, lr: r.lr, gradNorm: r.gradNorm }, `non-finite gradient norm (${r.gradNorm}) at step ${this.optimizer.stepCount + 1}; update skipped`);
    }
    this.epochLossSum += loss * tokens;
    this.epochTokens += tokens;
    this.batchInEpoch += 1;
    const metrics: TeacherStepMetrics = { ...base, step: this.optimizer.stepCount, lr: r.lr, gradNorm: r.gradNorm, status: 'running' };
    if (this.batchInEpoch >= this.batchesPerEpoch) {
      const log = this.endEpoch();
      metrics.epochEnd = log;
      metrics.status = this.status;
      if (this.message) metrics.message = this.message;
    }
    return metrics;
  }

  /** Validation loss (mean −ln p per non-PAD token, EOT included) and perplexity. */
  evaluate(): TeacherEval {
    if (this.val.length === 0) return { valLoss: NaN, valPerplexity: NaN };
    let sum = 0;
    let count = 0;
    for (let i = 0; i < this.val.length; i += this.cfg.evalBatchSize) {
      const batch = this.val.slice(i, i + this.cfg.evalBatchSize);
      const { logp } = this.model.targetLogProbs(batch, false);
      const s = tf.tidy(() => tf.sum(logp));
      sum -= s.dataSync()[0];
      count += logp.size;
      tf.dispose([s, logp]);
    }
    const valLoss = sum / Math.max(count, 1);
    return { valLoss, valPerplexity: Math.exp(valLoss) };
  }

  /** Puts the best epoch's weights (by validation loss) back into the model, if any. */
  restoreBest(): boolean {
    if (!this.best) return false;
    loadIntoVariables(this.model.variables, this.best);
    return true;
  }

  /** A checkpoint of the current weights and training state. */
  toCheckpoint(fingerprint: string, hyper: Record<string, unknown> = {}): Checkpoint<TeacherConfig> {
    return {
      kind: 'teacher',
      config: this.model.cfg,
      fingerprint,
      training: {
        epoch: this.epoch,
        step: this.optimizer.stepCount,
        optimizer: this.optimizer.getState(),
        extra: {
          batchInEpoch: this.batchInEpoch,
          bestEpoch: this.bestEpoch,
          bestValLoss: Number.isFinite(this.bestValLoss) ? this.bestValLoss : null,
          history: this.history,
        },
      },
      hyper: { ...hyper, train: this.cfg },
      created: new Date().toISOString(),
      weights: weightsFromVariables(this.model.variables),
    };
  }

  /**
   * Resumes from a checkpoint made by toCheckpoint (check compatibility first with
   * assertCompatible). Continues at the saved epoch/batch with the same seeded order.
   */
  resumeFrom(ck: Checkpoint): void {
    loadIntoVariables(this.model.variables, ck.weights);
    if (ck.training.optimizer) this.optimizer.setState(ck.training.optimizer);
    const extra = ck.training.extra ?? {};
    this.epoch = ck.training.epoch;
    this.history.length = 0;
    if (Array.isArray(extra.history)) this.history.push(...(extra.history as TeacherEpochLog[]));
    this.bestEpoch = typeof extra.bestEpoch === 'number' ? extra.bestEpoch : -1;
    this.bestValLoss = typeof extra.bestValLoss === 'number' ? extra.bestValLoss : Infinity;
    this.best = this.bestEpoch >= 0 ? weightsFromVariables(this.model.variables) : null;
    this.status = this.epoch >= this.cfg.epochs ? 'done' : 'running';
    this.message = undefined;
    this.haveSnapshot = false;
    this.startEpoch();
    this.batchInEpoch = typeof extra.batchInEpoch === 'number' ? extra.batchInEpoch : 0;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of this.snapshot) v.dispose();
  }

  private startEpoch(): void {
    this.order = this.train.map((_, i) => i);
    // One RNG per epoch, so a resumed run shuffles exactly like an uninterrupted one.
    shuffleInPlace(this.order, makeRng((this.cfg.seed * 1_000_003 + this.epoch * 7_919) >>> 0));
    this.batchInEpoch = 0;
    this.epochLossSum = 0;
    this.epochTokens = 0;
    this.epochStart = nowMs();
  }

  private endEpoch(): TeacherEpochLog {
    const { valLoss, valPerplexity } = this.evaluate();
    const log: TeacherEpochLog = {
      epoch: this.epoch,
      trainLoss: this.epochLossSum / Math.max(this.epochTokens, 1),
      valLoss,
      valPerplexity,
      seconds: (nowMs() - this.epochStart) / 1000,
    };
    this.history.push(log);
    if (this.val.length > 0 && !Number.isFinite(valLoss)) {
      this.restoreSnapshot();
      this.status = 'diverged';
      this.message = `non-finite validation loss after epoch ${this.epoch}; weights restored to the last good step`;
      return log;
    }
    // Without validation data the last epoch counts as the best.
    const score = this.val.length > 0 ? valLoss : -this.epoch;
    if (score < this.bestValLoss) {
      this.bestValLoss = score;
      this.bestEpoch = this.epoch;
      this.best = weightsFromVariables(this.model.variables);
    }
    this.epoch += 1;
    const stale = this.bestEpoch >= 0 ? this.epoch - 1 - this.bestEpoch : 0;
    if (this.epoch >= this.cfg.epochs) this.status = 'done';
    else if (this.cfg.patience !== undefined && this.val.length > 0 && stale >= this.cfg.patience) {
      this.status = 'done';
      this.message = `early stop: no better validation loss for ${stale} epochs`;
    } else this.startEpoch();
    return log;
  }

  private takeSnapshot(): void {
    // assign() shares the variable's current buffer; the optimiser's next assign gives the model
    // a new buffer, so the snapshot keeps the old values without copying.
    this.model.variables.forEach((v, i) => this.snapshot[i].assign(v));
    this.haveSnapshot = true;
  }

  private restoreSnapshot(): void {
    if (!this.haveSnapshot) return;
    this.model.variables.forEach((v, i) => v.assign(this.snapshot[i]));
  }

  private diverge(base: Omit<TeacherStepMetrics, 'step' | 'lr' | 'gradNorm' | 'status'> & { lr?: number; gradNorm?: number }, message: string): TeacherStepMetrics {
    this.status = 'diverged';
    this.message = message;
    return {
      ...base,
      step: this.optimizer.stepCount,
      lr: base.lr ?? this.optimizer.nextLr,
      gradNorm: base.gradNorm ?? NaN,
      status: 'diverged',
      message,
    };
  }
}

function countTargets(batch: number[][], model: TeacherModel): number {
  const cap = model.cfg.blockSize + 1;
  let n = 0;
  for (const s of batch) {
    const len = Math.min(s.length, cap);
    for (let i = 1; i < len; i++) if (s[i] !== model.special.pad) n++;
  }
  return n;
}

function nowMs(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
