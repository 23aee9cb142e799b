// What a training run needs from a pool of data-parallel gradient helpers, whatever starts them:
// the browser's train worker starts Web Workers (workers/gradHelpers.ts); a test can start
// in-process trainers. The run is rank 0; the helpers are ranks 1 … size − 1, each training on its
// shard of every batch from the same starting state (dataParallel.ts).
//
// Framework-free and tfjs-free (types only).
import type { GradientExchange } from './dataParallel';
import type { SessionHyper } from './sessionHyper';

export interface GradHelperRequest {
  /** Ranks in all, rank 0 (the run itself) included. */
  size: number;
  /** The backend rank 0 runs on: every helper runs on the same one. */
  backendName: string;
  hyper: SessionHyper;
  /** Rank 0's state now (weights, optimiser, position): every helper starts from it. */
  checkpoint: Uint8Array;
  /** The distilling teacher's checkpoint (distilled runs), else null. */
  teacher: Uint8Array | null;
  /** Called once when a helper fails after the start, before the exchange rejects rank 0's step. */
  onFailure(e: Error): void;
}

export interface GradHelperPool {
  /** Rank 0's exchange (the trainer's `dataParallel`). */
  readonly exchange: GradientExchange;
  /** Ends every helper (they hold nothing that must be saved: rank 0 has the same weights). */
  close(): void;
}

/** Starts size − 1 helpers and resolves once each has loaded the checkpoint (rejects, with the reason, when one cannot). */
export type StartGradHelpers = (r: GradHelperRequest) => Promise<GradHelperPool>;
