// A teacher (LM-TAD) training session: the TeacherTrainer on the same play / pause / step / stop
// loop as the student's TrainingSession (runLoop.ts), with throttled metrics, per-epoch records
// (train and validation perplexity), and checkpoints that resume where the run stopped. Used by
// the training worker (teacher mode) and the CLI (`train teacher`).
//
// Framework-free: no DOM, no worker globals. All device reads are asynchronous (TeacherTrainer).
import type { Derived } from '../data/derivedTypes';
import { TeacherModel, defaultTeacherConfig, teacherRoadCells, tripToTokens, type TeacherConfig } from '../models/teacher';
import { trimGpuBufferPool } from '../runtime/deviceMemory';
import type { Checkpoint } from '../checkpoint/checkpoint';
import { readCheckpoint, type CheckpointInput } from '../checkpoint/loadModel';
import { SteppedSession } from './steppedSession';
import type { RuntimeStats, SaveOptions, SessionInit, StateEvents } from './steppedSession';
import { normaliseTeacherHyper, type TeacherHyper } from './teacherHyper';
import { DEFAULT_TEACHER_TRAIN, TeacherTrainer, type TeacherEpochLog, type TeacherStepMetrics } from './teacherTrainer';

// ---------------------------------------------------------------------------------------------
// Hyperparameters

/** The architecture a teacher session builds for this dataset's grid. */
export function teacherConfigFor(h: TeacherHyper, vocabSize: number): TeacherConfig {
  const cfg: TeacherConfig = {
    ...defaultTeacherConfig(vocabSize, h.block),
    nLayer: h.layers,
    nHead: h.heads,
    nEmbd: h.embd,
    dropout: h.dropout,
  };
  // Only the variant is written down: a default teacher's config stays as the CLI writes it.
  if (h.anchor === 'end') cfg.anchor = 'end';
  return cfg;
}

/**
 * The teacher's token sequences of a set of trips (SOT, ψ cells, EOT), with its anchor, collapse
 * and destination options. One implementation for the CLI and the worker.
 */
export function teacherSequences(trips: readonly { roads: readonly number[] }[], cfg: TeacherConfig, derived: Derived): number[][] {
  const roadCell = teacherRoadCells(cfg, derived.grid);
  const special = { sot: derived.grid.sot, eot: derived.grid.eot };
  return trips.map((t) => tripToTokens(t.roads, roadCell, cfg.collapse, special, cfg.destination));
}

// ---------------------------------------------------------------------------------------------
// Session

/** One metrics record: means over the steps since the previous record. */
export interface TeacherSessionMetrics extends RuntimeStats {
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  epochs: number;
  loss: number;
  perplexity: number;
  lr: number;
  gradNorm: number;
  samples: number;
  stepsPerSec: number;
  tokensPerSec: number;
}

export interface TeacherSessionEpoch extends TeacherEpochLog {
  trainPerplexity: number;
  /** Optimiser steps done at the end of this epoch. */
  step: number;
  bestEpoch: number;
  bestValPerplexity: number | null;
}

export interface TeacherSessionEvents extends StateEvents {
  metrics?(m: TeacherSessionMetrics): void;
  epoch?(rec: TeacherSessionEpoch): void | Promise<void>;
}

export type TeacherSessionInit = SessionInit<TeacherHyper, TeacherSessionEvents>;

export class TeacherSession extends SteppedSession<TeacherStepMetrics, TeacherSessionEvents> {
  readonly hyper: TeacherHyper;
  readonly model: TeacherModel;
  readonly trainer: TeacherTrainer;
  private acc = { loss: 0, tokens: 0, gradNorm: 0, n: 0 };
  private last: TeacherStepMetrics | null = null;
  private windowStart: number;
  private lastEmit = -Infinity;

  constructor(init: TeacherSessionInit) {
    super(init);
    this.hyper = normaliseTeacherHyper(init.hyper ?? {});
    const h = this.hyper;
    this.windowStart = this.now();
    const cfg = teacherConfigFor(h, init.derived.grid.vocabSize);
    const train = teacherSequences(init.dataset.splits.train, cfg, init.derived);
    const val = teacherSequences(init.dataset.splits.val, cfg, init.derived);
    this.model = new TeacherModel(cfg, h.seed);
    try {
      this.trainer = new TeacherTrainer(this.model, train, val, {
        batchSize: h.batch,
        epochs: h.epochs,
        seed: h.seed,
        optim: { ...DEFAULT_TEACHER_TRAIN.optim, lr: h.lr },
        patience: h.patience > 0 ? h.patience : undefined,
      });
    } catch (e) {
      this.model.dispose();
      throw e;
    }
  }

  get steps(): number {
    return this.trainer.optimizer.stepCount;
  }

  get stepsPerEpoch(): number {
    return this.trainer.batchesPerEpoch;
  }

  get history(): TeacherSessionEpoch[] {
    return this.trainer.history.map((h, i) => this.epochRecord(h, i));
  }

  // Steppable ------------------------------------------------------------------------------------

  get finished(): boolean {
    return this.trainer.done;
  }

  get finishReason(): string | undefined {
    return this.trainer.message;
  }

  resetClock(): void {
    this.windowStart = this.now();
  }

  flushMetrics(): void {
    if (this.acc.n === 0 || !this.last) return;
    const t = this.now();
    const secs = Math.max(1e-6, (t - this.windowStart) / 1000);
    const loss = this.acc.tokens > 0 ? this.acc.loss / this.acc.tokens : NaN;
    this.events.metrics?.({
      step: this.last.step,
      epoch: this.last.epoch,
      stepsPerEpoch: this.trainer.batchesPerEpoch,
      epochs: this.hyper.epochs,
      loss,
      perplexity: Math.exp(loss),
      lr: this.last.lr,
      gradNorm: this.acc.gradNorm / this.acc.n,
      samples: this.acc.n,
      stepsPerSec: this.acc.n / secs,
      tokensPerSec: this.acc.tokens / secs,
      ...this.runtimeStats(),
    });
    this.acc = { loss: 0, tokens: 0, gradNorm: 0, n: 0 };
    this.last = null;
    this.windowStart = t;
    this.lastEmit = t;
  }

  async stepOnce(): Promise<{ metrics: TeacherStepMetrics; halt?: string }> {
    const m = await this.trainer.step();
    trimGpuBufferPool();
    if (m.status === 'diverged') return { metrics: m, halt: m.message ?? 'training diverged' };
    this.acc.loss += m.loss * m.tokens;
    this.acc.tokens += m.tokens;
    this.acc.gradNorm += Number.isFinite(m.gradNorm) ? m.gradNorm : 0;
    this.acc.n += 1;
    this.last = m;
    if (m.epochEnd) {
      this.flushMetrics();
      await this.events.epoch?.(this.epochRecord(m.epochEnd, this.trainer.history.length - 1));
    } else if (this.now() - this.lastEmit >= this.minEmitMs) {
      this.flushMetrics();
    }
    return { metrics: m };
  }

  private epochRecord(h: TeacherEpochLog, index: number): TeacherSessionEpoch {
    const t = this.trainer;
    // Steps at the end of epoch `index`: whole epochs of batchesPerEpoch each.
    return {
      ...h,
      trainPerplexity: Math.exp(h.trainLoss),
      step: (index + 1) * t.batchesPerEpoch,
      bestEpoch: t.bestEpoch,
      bestValPerplexity: Number.isFinite(t.bestValLoss) ? Math.exp(t.bestValLoss) : null,
    };
  }

  // Checkpoints ------------------------------------------------------------------------------------

  /** Checkpoint bytes: current weights with optimiser state (resumable), or the best epoch's. */
  async checkpointBytes(opts: SaveOptions = {}): Promise<Uint8Array> {
    return (await this.save(opts)).bytes;
  }

  protected snapshot(opts: SaveOptions): Promise<Checkpoint> {
    return this.trainer.toCheckpoint(this.derived.fingerprint, { ...this.hyper }, opts);
  }

  protected get bestScore(): number | null {
    return Number.isFinite(this.trainer.bestValLoss) ? Math.exp(this.trainer.bestValLoss) : null;
  }

  protected restore(src: CheckpointInput): Checkpoint {
    const ck = readCheckpoint(src, { kind: 'teacher', fingerprint: this.derived.fingerprint, config: this.model.cfg });
    this.trainer.resumeFrom(ck);
    return ck;
  }

  dispose(): void {
    super.dispose();
    this.trainer.dispose();
    this.model.dispose();
  }
}

/**
 * The session settings that rebuild a teacher checkpoint's model: its architecture from the
 * config, its run settings from `hyper` where it has them (CLI checkpoints keep those in
 * `hyper.train`). A session built from these accepts the checkpoint unless it is for another
 * network or kind.
 */
export function teacherHyperOf(ck: Checkpoint): Partial<TeacherHyper> {
  const cfg = ck.config as Partial<TeacherConfig>;
  const h = (ck.hyper ?? {}) as Partial<TeacherHyper> & { train?: { batchSize?: number; epochs?: number } };
  const out: Partial<TeacherHyper> = { ...h };
  if (h.batch === undefined && h.train?.batchSize !== undefined) out.batch = h.train.batchSize;
  if (h.epochs === undefined && h.train?.epochs !== undefined) out.epochs = h.train.epochs;
  if (typeof cfg.nLayer === 'number') out.layers = cfg.nLayer;
  if (typeof cfg.nHead === 'number') out.heads = cfg.nHead;
  if (typeof cfg.nEmbd === 'number') out.embd = cfg.nEmbd;
  if (typeof cfg.blockSize === 'number') out.block = cfg.blockSize;
  if (typeof cfg.dropout === 'number') out.dropout = cfg.dropout;
  out.anchor = cfg.anchor === 'end' ? 'end' : 'centroid';
  return out;
}
