// Teacher (LM-TAD) training: next-token cross-entropy ignoring PAD, AdamW with linear warm-up and
// cosine decay, global-norm clipping, seeded shuffling, validation perplexity each epoch, best
// epoch kept, NaN/Inf guard. Steppable: one batch per step() so a worker can pause, resume and
// single-step between calls.
//
// Every device read is asynchronous (one `await data()` per step: the loss rides with the
// optimiser's norm check), because the teacher also trains in the app's WebGPU worker, where a
// synchronous read returns zeros. The best epoch's weights and the divergence snapshot stay on the
// device as tensors that share the old buffers: keeping them costs no read and no copy.
import * as tf from '@tensorflow/tfjs';
import type { TeacherConfig, TeacherModel } from '../models/teacher';
import { makeRng, shuffleInPlace } from '../random';
import { AdamW, DEFAULT_OPTIM, type OptimConfig } from './optim';
import { fusedAdamWAvailable } from './fusedAdamW';
import { loadIntoVariables, weightsFromVariables, type Checkpoint } from '../checkpoint/checkpoint';
import { downloadVariables } from '../runtime/deviceMemory';
import { canonicalName } from '../features/variableNames';
import { defaultClock as nowMs } from '../runtime/clock';

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
  /** The best epoch's weights (tensors sharing the buffers the variables had then). */
  private best: tf.Tensor[] | null = null;
  private readonly train: number[][];
  private readonly val: number[][];
  private epoch = 0;
  private batchInEpoch = 0;
  private order: number[] = [];
  private epochLossSum = 0;
  private epochTokens = 0;
  private epochStart = 0;
  /** Weights before the last successful update (tensors sharing the old buffers: no copy). */
  private snapshot: tf.Tensor[] | null = null;

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
    // The composed update where tfjs runs on the CPU (cpu, wasm: the teacher's numbers as they have
    // always been); on WebGPU and WebGL, where each op's dispatch costs more than its work, all
    // variables concatenated in a few ops (flatAdamW.ts; the same values up to the norm's summing order).
    this.optimizer.fused = !fusedAdamWAvailable();
    this.startEpoch();
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get done(): boolean {
    return this.status !== 'running';
  }

  /** One optimiser update on the next batch; at the end of an epoch also validates. */
  async step(): Promise<TeacherStepMetrics> {
    if (this.done) throw new Error(`TeacherTrainer: training is ${this.status}${this.message ? ` (${this.message})` : ''}`);
    const idx = this.order.slice(this.batchInEpoch * this.cfg.batchSize, (this.batchInEpoch + 1) * this.cfg.batchSize);
    const batch = idx.map((i) => this.train[i]);
    const tokens = countTargets(batch, this.model);
    const { value, grads } = tf.variableGrads(() => this.model.loss(batch, true), this.model.variables);
    // The weights before this update: clones share the buffers, which the update replaces.
    const before = this.model.variables.map((v) => tf.clone(v));
    let r;
    try {
      r = await this.optimizer.stepAsync(grads, [value]);
    } finally {
      tf.dispose(grads);
      value.dispose();
    }
    const loss = r.guards?.[0] ?? NaN;
    const base = {
      epoch: this.epoch,
      batchInEpoch: this.batchInEpoch,
      batchesPerEpoch: this.batchesPerEpoch,
      loss,
      tokens,
      sequences: batch.length,
    };
    if (!Number.isFinite(loss)) {
      tf.dispose(before);
      // The current weights produced a non-finite loss (the guard blocked this update): go back
      // to the ones before the last update.
      this.restoreSnapshot();
      return this.diverge(
        base,
        `non-finite training loss (${loss}) at step ${this.optimizer.stepCount + 1}; weights restored to the last good step`,
      );
    }
    if (!r.finite) {
      tf.dispose(before);
      return this.diverge(
        { ...base, lr: r.lr, gradNorm: r.gradNorm },
        `non-finite gradient norm (${r.gradNorm}) at step ${this.optimizer.stepCount + 1}; update skipped`,
      );
    }
    if (this.snapshot) tf.dispose(this.snapshot);
    this.snapshot = before;
    this.epochLossSum += loss * tokens;
    this.epochTokens += tokens;
    this.batchInEpoch += 1;
    const metrics: TeacherStepMetrics = { ...base, step: this.optimizer.stepCount, lr: r.lr, gradNorm: r.gradNorm, status: 'running' };
    if (this.batchInEpoch >= this.batchesPerEpoch) {
      const log = await this.endEpoch();
      metrics.epochEnd = log;
      metrics.status = this.status;
      if (this.message) metrics.message = this.message;
    }
    return metrics;
  }

  /** Validation loss (mean −ln p per non-PAD token, EOT included) and perplexity; one read. */
  async evaluate(): Promise<TeacherEval> {
    if (this.val.length === 0) return { valLoss: NaN, valPerplexity: NaN };
    const sums: tf.Scalar[] = [];
    let count = 0;
    try {
      for (let i = 0; i < this.val.length; i += this.cfg.evalBatchSize) {
        const batch = this.val.slice(i, i + this.cfg.evalBatchSize);
        const { logp } = this.model.targetLogProbs(batch, false);
        sums.push(tf.tidy(() => tf.sum(logp)));
        count += logp.size;
        logp.dispose();
      }
      const total = tf.tidy(() => tf.neg(tf.addN(sums)));
      const sum = (await total.data().finally(() => total.dispose()))[0];
      const valLoss = sum / Math.max(count, 1);
      return { valLoss, valPerplexity: Math.exp(valLoss) };
    } finally {
      tf.dispose(sums);
    }
  }

  /** Puts the best epoch's weights (by validation loss) back into the model, if any. */
  restoreBest(): boolean {
    if (!this.best) return false;
    const best = this.best;
    this.model.variables.forEach((v, i) => v.assign(best[i]));
    return true;
  }

  /**
   * A checkpoint of the current weights (or the best epoch's, with `best`) and training state.
   * Downloads every variable first, so that encoding reads CPU copies only (webgpu).
   */
  async toCheckpoint(
    fingerprint: string,
    hyper: Record<string, unknown> = {},
    opts: { best?: boolean; optimizer?: boolean } = {},
  ): Promise<Checkpoint<TeacherConfig>> {
    const useBest = opts.best === true && this.best !== null;
    await downloadVariables();
    const weights = weightsFromVariables(this.model.variables);
    if (useBest) {
      const best = await Promise.all((this.best as tf.Tensor[]).map((t) => t.data() as Promise<Float32Array>));
      this.model.variables.forEach((v, i) => {
        weights[canonicalName(v.name)].data = Float32Array.from(best[i]);
      });
    }
    return {
      kind: 'teacher',
      config: this.model.cfg,
      fingerprint,
      training: {
        epoch: this.epoch,
        step: this.optimizer.stepCount,
        optimizer: opts.optimizer === false ? undefined : this.optimizer.getState(),
        extra: {
          batchInEpoch: this.batchInEpoch,
          bestEpoch: this.bestEpoch,
          bestValLoss: Number.isFinite(this.bestValLoss) ? this.bestValLoss : null,
          history: this.history,
          dropoutState: this.model.dropoutState,
        },
      },
      hyper: { ...hyper, train: this.cfg, weights: useBest ? `best epoch ${this.bestEpoch}` : 'current' },
      created: new Date().toISOString(),
      weights,
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
    // Older checkpoints kept no dropout state: their run goes on with the model's fresh sequence.
    if (typeof extra.dropoutState === 'number') this.model.dropoutState = extra.dropoutState;
    this.keepBest();
    if (this.bestEpoch < 0) this.dropBest();
    this.status = this.epoch >= this.cfg.epochs ? 'done' : 'running';
    this.message = undefined;
    if (this.snapshot) tf.dispose(this.snapshot);
    this.snapshot = null;
    this.startEpoch();
    this.batchInEpoch = typeof extra.batchInEpoch === 'number' ? extra.batchInEpoch : 0;
  }

  dispose(): void {
    this.optimizer.dispose();
    if (this.snapshot) tf.dispose(this.snapshot);
    this.snapshot = null;
    this.dropBest();
  }

  /** Keeps the current weights as the best epoch's (clones share the buffers: no copy). */
  private keepBest(): void {
    this.dropBest();
    this.best = this.model.variables.map((v) => tf.clone(v));
  }

  private dropBest(): void {
    if (this.best) tf.dispose(this.best);
    this.best = null;
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

  private async endEpoch(): Promise<TeacherEpochLog> {
    const { valLoss, valPerplexity } = await this.evaluate();
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
      this.keepBest();
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

  private restoreSnapshot(): void {
    const snap = this.snapshot;
    if (!snap) return;
    this.model.variables.forEach((v, i) => v.assign(snap[i]));
  }

  private diverge(
    base: Omit<TeacherStepMetrics, 'step' | 'lr' | 'gradNorm' | 'status'> & { lr?: number; gradNorm?: number },
    message: string,
  ): TeacherStepMetrics {
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
