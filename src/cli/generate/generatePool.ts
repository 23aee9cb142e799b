// A pool of generation threads for the CLI (`generate --workers N`, `eval paired-report --workers N`,
// the benchmark's scaling section). Each thread (generateWorker.ts) loads the dataset and the
// checkpoints itself; the OD list is cut into contiguous pieces that free threads pull
// (generate/shards.ts), and the trips come back in input order, equal bit for bit to one thread's
// (tests/cli/generatePool.test.ts).
import { availableParallelism } from 'node:os';
import { JobThread, startCliThread, whenReady } from '../common/workerThread';
import type { GeneratedTrip, GenerateOptions, GenOD } from '../../lib/generate/generator';
import { generateInPieces, type PieceSearch } from '../../lib/generate/shards';

export interface PoolWorkerData {
  datasetDir: string;
  backend: 'wasm' | 'cpu';
}

/** A piece of OD pairs to generate with one checkpoint (loaded by the thread on first use); progress: OD pairs done. */
export interface PieceJob {
  checkpoint: string;
  ods: GenOD[];
  search: PieceSearch;
}

type PoolThread = JobThread<PieceJob, GeneratedTrip[], number>;

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

/** N generation threads over one dataset folder. */
export class GenerationPool {
  private constructor(private readonly threads: PoolThread[]) {}

  /** Starts `n` threads and waits until each has loaded the dataset. */
  static async start(n: number, datasetDir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<GenerationPool> {
    const threads = Array.from(
      { length: n },
      (): PoolThread =>
        new JobThread(startCliThread('generate/generateWorker', { datasetDir, backend } satisfies PoolWorkerData), 'generation thread'),
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
      this.threads[lane].run({ checkpoint, ods: piece, search }, onDone),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
