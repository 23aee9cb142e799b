// What the student's TrainingSession and the TeacherSession have in common: how they are built
// and driven (RunLoop's play / pause / step / stop), the runtime fields of their metrics, and
// saving / loading checkpoints around the parts each kind of model fills in.
//
// Framework-free: no DOM, no worker globals.
import * as tf from '@tensorflow/tfjs';
import type { Derived } from '../data/derivedTypes';
import type { Dataset } from '../data/types';
import { encodeCheckpoint, type Checkpoint, type CheckpointKind } from '../checkpoint/checkpoint';
import type { CheckpointInput } from '../checkpoint/loadModel';
import { RunLoop, macrotask, type SessionState, type Steppable } from './runLoop';
import { defaultClock as defaultNow } from '../runtime/clock';

/** The one event the session base raises itself; each kind adds its metrics and epochs. */
export interface StateEvents {
  state?(s: SessionState, reason?: string): void;
}

/** What every session is built from: data, settings, events and how it is driven. */
export interface SessionInit<H, E extends StateEvents> {
  dataset: Dataset;
  derived: Derived;
  hyper?: Partial<H>;
  events?: E;
  /** Rate bound of metrics records (default 100 ms → ≤ 10 / s). */
  minEmitMs?: number;
  /** Clock in ms (default performance.now). */
  now?: () => number;
  /** Awaited between the steps of a run (the worker's periodic autosave). */
  betweenSteps?: () => Promise<void>;
  /** Yields to the event loop between steps (default: a macrotask). */
  yieldFn?: () => Promise<void>;
  /** Name reported in metrics (default tf.getBackend()). */
  backendName?: string;
}

/** Which weights a save holds: the current ones (default) or the best epoch's; with or without optimiser state. */
export interface SaveOptions {
  best?: boolean;
  optimizer?: boolean;
}

/** What a save hands back besides its bytes: enough to list it without decoding the bytes again. */
export interface SaveSummary {
  kind: CheckpointKind;
  epoch: number;
  step: number;
  created: string;
  /** Best validation score so far (student: all-step accuracy; teacher: perplexity), null before the first. */
  best: number | null;
  /** Student: val decision accuracy (steps with a real choice) at the best epoch, the reports' accuracy; absent for a teacher or before the first epoch. */
  bestDecisionAcc?: number;
}

export interface SavedCheckpoint {
  bytes: Uint8Array;
  summary: SaveSummary;
}

/** The memory and backend fields of every metrics record. */
export interface RuntimeStats {
  numTensors: number;
  numBytes: number;
  backend: string;
}

export abstract class SteppedSession<M, E extends StateEvents> implements Steppable<M> {
  readonly derived: Derived;
  protected readonly events: E;
  protected readonly minEmitMs: number;
  protected readonly now: () => number;
  protected readonly run: RunLoop<M>;
  private readonly backendName?: string;

  protected constructor(init: SessionInit<unknown, E>) {
    this.derived = init.derived;
    this.events = init.events ?? ({} as E);
    this.minEmitMs = init.minEmitMs ?? 100;
    this.now = init.now ?? defaultNow;
    this.backendName = init.backendName;
    this.run = new RunLoop<M>(this, (st, reason) => this.events.state?.(st, reason), init.yieldFn ?? macrotask, init.betweenSteps);
  }

  abstract stepOnce(): Promise<{ metrics: M; halt?: string }>;
  abstract get finished(): boolean;
  abstract get finishReason(): string | undefined;
  abstract flushMetrics(): void;
  abstract resetClock(): void;
  /** The checkpoint a save encodes; device values are read asynchronously (webgpu). */
  protected abstract snapshot(opts: SaveOptions): Promise<Checkpoint>;
  /** SaveSummary.best of the run as it is now. */
  protected abstract get bestScore(): number | null;
  /** SaveSummary.bestDecisionAcc of the run as it is now (students only). */
  protected get bestDecisionAcc(): number | undefined {
    return undefined;
  }
  /** Checks `src` against this session's model and takes over its weights and training state. */
  protected abstract restore(src: CheckpointInput): Checkpoint;

  get state(): SessionState {
    return this.run.state;
  }

  /** When the step in progress began (Date.now()), or null between steps. */
  get stepSince(): number | null {
    return this.run.stepSince;
  }

  /** Starts (or resumes) the run loop; resolves when it stops running (pause, stop, done). */
  start(): Promise<void> {
    return this.run.start();
  }

  /** Pauses after the step in progress; the returned promise resolves once the loop has halted. */
  pause(): Promise<void> {
    return this.run.pause();
  }

  /** Ends the run for good (weights stay usable for checkpoints and evaluation). */
  stop(): Promise<void> {
    return this.run.stop();
  }

  /** One optimiser step while not running (idle or paused); always emits its metrics. */
  step(): Promise<M | null> {
    return this.run.step();
  }

  /** Checkpoint bytes with their summary. */
  async save(opts: SaveOptions = {}): Promise<SavedCheckpoint> {
    const ck = await this.snapshot(opts);
    const summary: SaveSummary = {
      kind: ck.kind,
      epoch: ck.training.epoch,
      step: ck.training.step,
      created: ck.created,
      best: this.bestScore,
    };
    const decision = this.bestDecisionAcc;
    if (decision !== undefined) summary.bestDecisionAcc = decision;
    return { bytes: encodeCheckpoint(ck), summary };
  }

  /**
   * Loads weights and training state from a checkpoint (bytes or decoded); the run continues
   * where the file's stopped. Refuses, with the reason, a checkpoint for another kind, road
   * network or size. Only while not running.
   */
  loadCheckpoint(src: CheckpointInput): Checkpoint {
    if (this.run.state === 'running') throw new Error('pause training before loading a checkpoint');
    const ck = this.restore(src);
    this.run.reopen();
    return ck;
  }

  /** A stopped run becomes paused (resumable) again, without an event (a data-parallel helper failed, not the run). */
  reopen(): void {
    this.run.reopen();
  }

  dispose(): void {
    this.run.close();
  }

  protected runtimeStats(): RuntimeStats {
    const mem = tf.memory();
    return { numTensors: mem.numTensors, numBytes: mem.numBytes, backend: this.backendName ?? tf.getBackend() };
  }
}
