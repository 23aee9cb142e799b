// A pool of map-matching threads for `data match --workers N`. Each thread (matchWorker.ts) reads
// the network's roadmap itself and matches the batches of traces it is sent with the run's fixed
// options (src/lib/data/matchStream.ts `matchBatch`); the results are handed on in input order by
// the driver, so the output is the same for any number of threads.
import type { Worker } from 'node:worker_threads';
import { startCliThread, whenReady } from '../common/workerThread';
import type { BatchMatch, TraceBatch } from '../../lib/data/matchStream';
import type { MatchCalibration } from '../../lib/data/matchTraces';

export interface MatchWorkerData {
  networkDir: string;
  minRoads: number;
  fileLabel: string;
}

export type MatchRequest = { kind: 'batch'; id: number; batch: TraceBatch; calibrated: MatchCalibration } | { kind: 'close' };

export type MatchReply =
  { kind: 'ready' } | { kind: 'done'; id: number; result: BatchMatch } | { kind: 'error'; id: number; message: string };

class MatchThread {
  private readonly pending = new Map<number, { resolve: (r: BatchMatch) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /** Batches sent and not yet answered: the pool sends the next batch to the least busy thread. */
  get busy(): number {
    return this.pending.size;
  }
  readonly ready: Promise<void>;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: MatchReply) => {
        if (m.kind === 'ready') return resolve();
        if (m.kind === 'error' && m.id === -1) return reject(new Error(`matching thread failed to start: ${m.message}`));
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.kind === 'done') p.resolve(m.result);
        else p.reject(new Error(`matching thread: ${m.message}`));
      });
      worker.on('error', (e) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }

  match(batch: TraceBatch, calibrated: MatchCalibration): Promise<BatchMatch> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'batch', id, batch, calibrated } satisfies MatchRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ kind: 'close' } satisfies MatchRequest);
    await this.worker.terminate();
  }
}

/** N matching threads over one network folder. */
export class MatchPool {
  private constructor(private readonly threads: MatchThread[]) {}

  /** Starts `n` threads and waits until each has read the network. */
  static async start(n: number, data: MatchWorkerData): Promise<MatchPool> {
    const threads = Array.from({ length: n }, () => new MatchThread(startCliThread('data/matchWorker', data)));
    const pool = new MatchPool(threads);
    return whenReady(
      pool,
      threads.map((t) => t.ready),
    );
  }

  get size(): number {
    return this.threads.length;
  }

  /** Matches a batch on the least busy thread (ties: the first). */
  match(batch: TraceBatch, calibrated: MatchCalibration): Promise<BatchMatch> {
    let best = this.threads[0];
    for (const t of this.threads) if (t.busy < best.busy) best = t;
    return best.match(batch, calibrated);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
