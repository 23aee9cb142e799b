// A pool of generation threads for the CLI (`generate --workers N`, `eval paired-report --workers N`,
// the benchmark's scaling section). Each thread (generateWorker.ts) loads the dataset and the
// checkpoints itself; the OD list is cut into contiguous pieces that free threads pull
// (generate/shards.ts), and the trips come back in input order, equal bit for bit to one thread's
// (tests/cli/generatePool.test.ts).
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startCliThread, whenReady } from '../common/workerThread';
import type { GeneratedTrip, GenerateOptions, GenOD } from '../../lib/generate/generator';
import { generateInPieces, type PieceSearch } from '../../lib/generate/shards';

export interface PoolWorkerData {
  datasetDir: string;
  backend: 'wasm' | 'cpu';
}

export type PoolRequest = { kind: 'piece'; id: number; checkpoint: string; ods: GenOD[]; search: PieceSearch } | { kind: 'close' };

export type PoolReply =
  | { kind: 'ready' }
  | { kind: 'progress'; id: number; done: number }
  | { kind: 'done'; id: number; trips: GeneratedTrip[] }
  | { kind: 'error'; id: number; message: string };

/**
 * --workers: a positive integer, or "auto" for the machine's cores (os.availableParallelism()),
 * at most 16. The default is 1: one thread, no pool, exactly as before.
 */
export function parseWorkers(v: string | true | undefined): number {
  if (v === undefined) return 1;
  if (v === 'auto') return Math.min(16, availableParallelism());
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1)
    throw new Error(`--workers expects a positive integer or auto, got "${String(v)}"`);
  return n;
}

interface Pending {
  resolve: (t: GeneratedTrip[]) => void;
  reject: (e: Error) => void;
  onDone: (done: number) => void;
}

class PoolThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(private readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: PoolReply) => {
        if (m.kind === 'ready') return resolve();
        if (m.kind === 'error' && m.id === -1) return reject(new Error(`generation thread failed to start: ${m.message}`));
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.kind === 'progress') p.onDone(m.done);
        else {
          this.pending.delete(m.id);
          if (m.kind === 'done') p.resolve(m.trips);
          else p.reject(new Error(`generation thread: ${m.message}`));
        }
      });
      worker.on('error', (e) => {
        reject(e);
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }

  generate(checkpoint: string, ods: GenOD[], search: PieceSearch, onDone: (done: number) => void): Promise<GeneratedTrip[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onDone });
      this.worker.postMessage({ kind: 'piece', id, checkpoint, ods, search } satisfies PoolRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ kind: 'close' } satisfies PoolRequest);
    await this.worker.terminate();
  }
}

/** N generation threads over one dataset folder. */
export class GenerationPool {
  private constructor(private readonly threads: PoolThread[]) {}

  /** Starts `n` threads and waits until each has loaded the dataset. */
  static async start(n: number, datasetDir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<GenerationPool> {
    const threads = Array.from(
      { length: n },
      () => new PoolThread(startCliThread('generate/generateWorker', { datasetDir, backend } satisfies PoolWorkerData)),
    );
    const pool = new GenerationPool(threads);
    return whenReady(
      pool,
      threads.map((t) => t.ready),
    );
  }

  get size(): number {
    return this.threads.length;
  }

  /** generateRoutes(checkpoint's scorer, ods, opts), sharded over the threads. */
  generate(checkpoint: string, ods: GenOD[], opts: GenerateOptions): Promise<GeneratedTrip[]> {
    return generateInPieces(ods, opts, this.threads.length, (lane, piece, search, onDone) =>
      this.threads[lane].generate(checkpoint, piece, search, onDone),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
