// A pool of map-matching threads for `data match --workers N`. Each thread (matchWorker.ts) reads
// the network's roadmap itself and matches the batches of traces it is sent with the run's fixed
// options (src/lib/data/matchStream.ts `matchBatch`); the results are handed on in input order by
// the driver, so the output is the same for any number of threads.
import { JobThread, startCliThread, whenReady } from '../common/workerThread';
import type { BatchMatch, TraceBatch } from '../../lib/data/matchStream';
import type { MatchCalibration } from '../../lib/data/matchTraces';

export interface MatchWorkerData {
  networkDir: string;
  minRoads: number;
  fileLabel: string;
}

/** One batch of traces, matched with the run's calibration. */
export interface MatchJob {
  batch: TraceBatch;
  calibrated: MatchCalibration;
}

type MatchThread = JobThread<MatchJob, BatchMatch>;

/** N matching threads over one network folder. */
export class MatchPool {
  private constructor(private readonly threads: MatchThread[]) {}

  /** Starts `n` threads and waits until each has read the network. */
  static async start(n: number, data: MatchWorkerData): Promise<MatchPool> {
    const threads = Array.from(
      { length: n },
      (): MatchThread => new JobThread(startCliThread('data/matchWorker', data), 'matching thread'),
    );
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
    return best.run({ batch, calibrated });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
