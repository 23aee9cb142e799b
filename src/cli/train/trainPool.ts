// Data-parallel student training over worker threads (`train student --workers N`, the benchmark's
// scaling.training). Each thread (trainGradWorker.ts) builds the same TrainingSession, loads the
// same starting state, and trains on its strided shard of every batch; the main thread holds the
// ExchangeHub (lib/train/dataParallel.ts) that sums the counts and gradients and sends every rank
// the same sum, so every copy of the weights stays equal. The main thread may itself be rank 0 (the
// CLI: its session logs and saves checkpoints) or only coordinate (the benchmark: every rank a thread).
import type { Worker } from 'node:worker_threads';
import { startCliThread, whenReady } from '../common/workerThread';
import { ExchangeHub, type GradientExchange } from '../../lib/train/dataParallel';
import { isExchangeUp, serveExchange, type ExchangeDown, type ExchangeUp } from '../../lib/train/exchangeProtocol';
import type { SessionHyper } from '../../lib/train/sessionHyper';

export interface GradWorkerData {
  datasetDir: string;
  backend: 'wasm' | 'cpu';
  hyper: SessionHyper;
  /** The LM-TAD teacher's checkpoint (distilled runs), loaded by each thread. */
  teacherPath: string | null;
  /** The starting state (weights, optimiser, position) every rank loads; null: the seed's initialisation. */
  checkpoint: Uint8Array | null;
  rank: number;
  size: number;
}

/** To a thread: the exchange's answers (lib/train/exchangeProtocol.ts, shared with the browser's helpers) and the pool's own requests. */
export type GradRequest = ExchangeDown | { kind: 'steps'; id: number; n: number } | { kind: 'close' };

/** From a thread: its exchange requests (exchangeProtocol.ts) and its own reports; `failed`: the thread gave up. */
export type GradReply =
  | ExchangeUp
  | { kind: 'ready' }
  | { kind: 'stepped'; id: number; steps: number; total: number; done: boolean; phases: Record<string, number> }
  | { kind: 'failed'; message: string };

/** What a thread answers to `steps(n)`: steps done, the last one's loss, and its trainer's cumulative ms per phase of a step. */
export interface StepsReport {
  steps: number;
  total: number;
  done: boolean;
  phases: Record<string, number>;
}

/** One rank in a thread, wired to the hub: its counts and contributions go in, the sums come back. */
class GradThread {
  readonly ready: Promise<void>;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: StepsReport) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly worker: Worker,
    private readonly rank: number,
    private readonly hub: ExchangeHub,
  ) {
    const failAll = (e: Error): void => {
      hub.fail(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: GradReply) => {
        if (m.kind === 'ready') resolve();
        else if (isExchangeUp(m)) serveExchange(hub, rank, m, (down, transfer) => worker.postMessage(down satisfies GradRequest, transfer));
        else if (m.kind === 'stepped') {
          this.pending.get(m.id)?.resolve(m);
          this.pending.delete(m.id);
        } else {
          const e = new Error(`training thread ${rank}: ${m.message}`);
          reject(e);
          failAll(e);
        }
      });
      worker.on('error', (e) => {
        reject(e);
        failAll(e);
      });
    });
  }

  /** Runs up to `n` optimiser steps (fewer when training ends); resolves with the steps done and the last step's loss. */
  steps(n: number): Promise<StepsReport> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'steps', id, n } satisfies GradRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ kind: 'close' } satisfies GradRequest);
    await this.worker.terminate();
  }

  get id(): number {
    return this.rank;
  }
}

export interface TrainPoolOptions {
  datasetDir: string;
  backend?: 'wasm' | 'cpu';
  hyper: SessionHyper;
  teacherPath?: string | null;
  checkpoint?: Uint8Array | null;
  /** Ranks in all (the main thread's included when `mainRank`). */
  size: number;
  /** The main thread trains as rank 0 (its exchange is `mainExchange`); the threads are ranks 1 … size − 1. */
  mainRank?: boolean;
}

/** `size` ranks of data-parallel training, all or all but rank 0 in worker threads. */
export class TrainPool {
  private constructor(
    private readonly threads: GradThread[],
    /** Rank 0's exchange when the main thread trains too; null otherwise. */
    readonly mainExchange: GradientExchange | null,
  ) {}

  /** Starts the threads and waits until each has built its trainer and loaded the starting state. */
  static async start(o: TrainPoolOptions): Promise<TrainPool> {
    if (!Number.isInteger(o.size) || o.size < 1) throw new Error(`TrainPool: size must be a positive integer, got ${o.size}`);
    const hub = new ExchangeHub(o.size);
    const first = o.mainRank ? 1 : 0;
    const threads: GradThread[] = [];
    for (let rank = first; rank < o.size; rank++) {
      const data: GradWorkerData = {
        datasetDir: o.datasetDir,
        backend: o.backend ?? 'wasm',
        hyper: o.hyper,
        teacherPath: o.teacherPath ?? null,
        checkpoint: o.checkpoint ?? null,
        rank,
        size: o.size,
      };
      threads.push(new GradThread(startCliThread('train/trainGradWorker', data), rank, hub));
    }
    const pool = new TrainPool(threads, o.mainRank ? hub.endpoint(0) : null);
    return whenReady(
      pool,
      threads.map((t) => t.ready),
    );
  }

  get threadCount(): number {
    return this.threads.length;
  }

  /**
   * Every thread runs up to `n` steps (the main thread, when it is rank 0, must run the same steps
   * alongside: each step waits for every rank). Resolves with each thread's report.
   */
  steps(n: number): Promise<StepsReport[]> {
    return Promise.all(this.threads.map((t) => t.steps(n)));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
