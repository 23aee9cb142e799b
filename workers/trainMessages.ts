// Typed messages between the page and the training worker (workers/trainWorker.ts).
// A discriminated union on `type` in each direction; payloads are structured-clone friendly and
// checkpoint bytes travel as transferable ArrayBuffers.
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { SessionEpochRecord, SessionHyper, SessionMetrics } from '../src/lib/train/session';
import type { EpochRecord } from '../src/lib/train/studentTrainer';
import type { TripProbe } from '../src/lib/train/tripProbe';

export type TrainHyper = SessionHyper;

/** Where the worker gets its data from. */
export type DatasetSource =
  /** Base URL of a HOSER folder (…/data/porto/): roadmap.geo, roadmap.rel, train/val/test.csv. */
  | { kind: 'url'; baseUrl: string; name: string }
  /** Files the user picked (read as text by the worker). */
  | { kind: 'files'; files: File[]; name: string };

// ---------------------------------------------------------------------------------------------
// page → worker

export type TrainRequest =
  | {
      type: 'init';
      /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
      backend?: string | null;
      /** On a software WebGPU adapter try wasm first (ignored when `backend` is given). */
      preferWasmOverFallbackGpu?: boolean;
      dataset: DatasetSource;
      /** URL of the teacher checkpoint (distilled mode); absent → vanilla only. */
      teacherUrl?: string;
      /** File name → URL of the tfjs-backend-wasm binaries. */
      wasmPaths: Record<string, string>;
    }
  | { type: 'configure'; hyper: Partial<TrainHyper> }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  | { type: 'stop' }
  /** Current weights with optimiser state (for resuming), or the best epoch's weights only. */
  | { type: 'exportCheckpoint'; best?: boolean }
  | { type: 'loadCheckpoint'; bytes: ArrayBuffer; name?: string }
  /** Resume from the checkpoint auto-saved in IndexedDB for this dataset. */
  | { type: 'resumeSaved' }
  | { type: 'clearSaved' };

// ---------------------------------------------------------------------------------------------
// worker → page

export type TrainState = 'loading' | 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** Summary of the auto-saved checkpoint, so the page can offer to resume. */
export interface SavedInfo {
  key: string;
  epoch: number;
  step: number;
  created: string;
  hyper: Partial<TrainHyper>;
  bestValAcc: number | null;
  bytes: number;
}

export interface DatasetSummary {
  name: string;
  fingerprint: string;
  roads: number;
  train: number;
  val: number;
  teacher: { loaded: boolean; params?: number; note?: string };
  /** Student parameters of the current configuration. */
  studentParams?: number;
  stepsPerEpoch?: number;
}

export type TrainResponse =
  | { type: 'ready'; backend: BackendInfo; dataset: DatasetSummary; saved: SavedInfo | null }
  | { type: 'progress'; phase: string; loaded: number; total: number | null }
  | { type: 'configured'; hyper: TrainHyper; studentParams: number; stepsPerEpoch: number; trainTrips: number }
  | ({ type: 'metrics' } & SessionMetrics)
  | ({ type: 'epoch' } & SessionEpochRecord)
  | { type: 'checkpoint'; bytes: ArrayBuffer; name: string; epoch: number; step: number }
  | { type: 'loaded'; name: string; epoch: number; step: number; history: EpochRecord[] }
  | { type: 'saved'; info: SavedInfo | null }
  /** The student's next-road choices on the fixed probe trip, at `epoch` (finished) and `step`. */
  | { type: 'probe'; probe: TripProbe; epoch: number; step: number }
  | { type: 'state'; state: TrainState; reason?: string }
  | { type: 'error'; message: string; during?: string };
