// Typed messages between the teaching view and workers/teachWorker.ts. The worker runs the models
// once per trip and sends raw numbers; the page recomputes every τ/λ effect itself (src/lib/teach).
import type { GridSpec } from '../src/lib/data/derivedTypes';
import type { LonLat, SplitName } from '../src/lib/data/types';
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { Detour } from '../src/lib/teach/detour';
import type { ScoreDistribution } from '../src/lib/teach/anomaly';
import type { TripExplanation } from '../src/lib/teach/explain';

export type TeachModelName = 'teacher' | 'vanilla' | 'distilled';

export interface TeachModelInfo {
  /** 'checkpoint' = the shipped trained model; 'fresh' = randomly initialised stand-in. */
  source: 'checkpoint' | 'fresh';
  params: number;
  note?: string;
  /** Hyperparameters stored in the checkpoint (λ, τ, w …), when any. */
  hyper?: Record<string, unknown>;
}

export interface TripListEntry {
  id: string;
  split: SplitName;
  roads: number;
}

export type TeachRequest =
  | {
      type: 'init';
      backend?: string | null;
      /** Base URL of the HOSER folder (…/data/porto/). */
      dataBaseUrl: string;
      checkpoints: Record<TeachModelName, string>;
      wasmPaths: Record<string, string>;
      /**
       * The trip the page opens on (a shared link). Then `ready` comes before the search for the
       * telling example, which follows as a `telling` message: the first screen does not wait.
       */
      pinnedTrip?: string | null;
    }
  /** Explain a trip (all steps); trip null = the telling example chosen by the worker. */
  | { type: 'explain'; requestId: number; trip: string | null }
  /** A synthetic detour of a trip and its anomaly score. */
  | { type: 'detour'; requestId: number; trip: string; seed: number; level: number; prob: number };

export interface TeachReady {
  type: 'ready';
  backend: BackendInfo;
  models: Record<TeachModelName, TeachModelInfo>;
  /** Teacher context window w used for the teacher's input. */
  window: number;
  trips: TripListEntry[];
  /**
   * The telling example: a trip and step where the teacher and the vanilla student disagree; null
   * until found when the page opened on a pinned trip.
   */
  telling: { trip: string; step: number } | null;
  grid: GridSpec;
}

export type TeachResponse =
  | { type: 'progress'; phase: string }
  | TeachReady
  | { type: 'telling'; telling: { trip: string; step: number } }
  | {
      type: 'trip';
      requestId: number;
      split: SplitName;
      exp: TripExplanation;
      /** Polyline of every road on the trip and every candidate road. */
      geometry: Record<number, LonLat[]>;
      /** Best step to open on when the URL gave none. */
      bestStep: number;
    }
  | {
      type: 'detour';
      requestId: number;
      trip: string;
      detour: Detour;
      /** Anomaly score of the trip as driven and with the detour; surprisal per detour token. */
      original: number;
      score: number;
      surprisal: number[];
    }
  /** Score distribution of normal vs detoured val/test trips (sent once, after ready). */
  | { type: 'scores'; dist: ScoreDistribution; level: number; prob: number }
  | { type: 'error'; message: string; requestId?: number };
