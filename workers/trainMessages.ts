// The training worker's interface (workers/trainWorker.ts), called through comlink. Requests are
// method calls that resolve with their answer (or reject with the reason); what the worker reports
// on its own (progress, metrics, epochs, run state, autosaves) arrives through the TrainEvents
// callbacks the page passes once, at init, as a comlink.proxy. Checkpoint bytes travel as
// transferred ArrayBuffers (comlink.transfer) in both directions. The run's answers and events are
// src/lib/train/trainRunTypes.ts's (the worker's TrainRun gives them), re-exported here.
import type { PackedDataset } from '../src/lib/data/packedDataset';
import type { ValCheckOptions } from '../src/lib/train/valCheck';
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { RunChart, SavedRunInfo } from '../src/lib/train/savedRuns';
import type { SessionHyper } from '../src/lib/train/sessionHyper';
import type { TeacherHyper } from '../src/lib/train/teacherHyper';
import type {
  CheckpointOut,
  Configured,
  DatasetSummary,
  LoadedInfo,
  SavedLists,
  StepProgress,
  TeacherInfo,
  TrainKind,
  TrainRunEvents,
  TrainState,
  TransferInfo,
} from '../src/lib/train/trainRunTypes';

export type { Configured, DatasetSummary, LoadedInfo, SavedLists, StepProgress, TeacherInfo, TrainKind, TrainState, TransferInfo };
export type TrainHyper = SessionHyper;
export type { TeacherHyper };

/** A run to configure: its kind and settings. */
export type TrainJob = { kind: 'student'; hyper: Partial<TrainHyper> } | { kind: 'teacher'; hyper: Partial<TeacherHyper> };

export type { DatasetSource } from './dataMessages';

export interface TrainInit {
  /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
  backend?: string | null;
  /** On a software WebGPU adapter try wasm first (ignored when `backend` is given). */
  preferWasmOverFallbackGpu?: boolean;
  /** `?wasmThreads=N`: tfjs-wasm threads, for this worker and its gradient helpers; absent: none. */
  wasmThreads?: number;
  /** The dataset, parsed by the data worker (DataWorkerApi.packed), transferred. */
  dataset: PackedDataset;
  /** URL of the teacher checkpoint (distilled mode); absent → vanilla only. */
  teacherUrl?: string;
  /** Early val points of student runs (`?valEvery=&valTrips=`); absent: DEFAULT_VAL_CHECK. */
  valCheck?: ValCheckOptions;
}

/** An auto-saved run, as listed (src/lib/train/savedRuns.ts), so the page can offer to resume it. */
export type SavedInfo = SavedRunInfo;
export type { RunChart };

export interface ReadyInfo {
  backend: BackendInfo;
  dataset: DatasetSummary;
  saved: SavedLists;
}

export type CheckpointFile = CheckpointOut;

/** Reported by the worker on its own (a comlink.proxy passed to init). */
export interface TrainEvents extends TrainRunEvents {
  progress(phase: string, loaded: number, total: number | null): void;
}

/** How a run trains (sent with start). */
export interface StartOptions {
  /** Data-parallel workers (the train worker and workers − 1 gradient helpers); student runs only, default 1. */
  workers?: number;
}

/** The one message a gradient helper (trainGradWorker.ts) gets from the train worker (gradHelpers.ts). */
export interface GradHelperInit {
  dataset: PackedDataset;
  /** The backend rank 0 runs on (the helper runs on the same one). */
  backend: string;
  /** Rank 0's `wasmThreads` (TrainInit). */
  wasmThreads?: number;
  hyper: SessionHyper;
  /** Rank 0's checkpoint when the loop starts. */
  checkpoint: Uint8Array;
  /** The distilling teacher's checkpoint (distilled runs). */
  teacher: Uint8Array | null;
  rank: number;
  size: number;
  /** The helper's end of its MessageChannel to rank 0 (exchange messages, src/lib/train/exchangeProtocol.ts). */
  port: MessagePort;
}

/** What a gradient helper reports on its own channel: loaded and stepping, or why it stopped. */
export type GradHelperReply = { kind: 'ready' } | { kind: 'failed'; message: string };

/** The worker's methods (comlink.wrap<TrainWorkerApi>). */
export interface TrainWorkerApi {
  init(opts: TrainInit, events: TrainEvents): Promise<ReadyInfo>;
  /** A new run of `kind` with these settings (replaces the current run). */
  configure(job: TrainJob): Promise<Configured>;
  /** Starts (or resumes) the run; its workers are (re)started from its state now. */
  start(opts?: StartOptions): Promise<void>;
  pause(): Promise<void>;
  step(): Promise<void>;
  stop(): Promise<void>;
  /** Current weights with optimiser state (for resuming), or the best epoch's weights only. */
  exportCheckpoint(best: boolean): Promise<CheckpointFile>;
  /**
   * Loads checkpoint bytes of the kind the page is in (a teacher file in student mode, or another
   * road network's, is refused with the reason); the run continues where the file's stopped.
   */
  loadCheckpoint(bytes: ArrayBuffer, name: string, kind: TrainKind): Promise<LoadedInfo>;
  /**
   * Region transfer: a new student run of this dataset started from a student checkpoint of
   * another road network (its id tables re-initialised); anything else that does not fit is refused.
   */
  transferFrom(bytes: ArrayBuffer, name: string): Promise<TransferInfo>;
  /**
   * Fine-tune: a new student run with these settings that starts from the weights of the student
   * checkpoint at `url` (the city's shipped student), with a fresh optimiser; a checkpoint of
   * another network or size is refused with the reason.
   */
  fineTune(url: string, hyper: Partial<TrainHyper>, valCheck?: ValCheckOptions): Promise<TransferInfo>;
  /** Resumes a run auto-saved in IndexedDB for this dataset (`id`, default the newest of `kind`), paused. */
  resumeSaved(kind: TrainKind, id?: string, valCheck?: ValCheckOptions): Promise<LoadedInfo>;
  /** A saved run's checkpoint file (weights + optimiser state), as it was last saved. */
  savedCheckpoint(kind: TrainKind, id: string): Promise<CheckpointFile>;
  renameSaved(kind: TrainKind, id: string, name: string): Promise<void>;
  deleteSaved(kind: TrainKind, id: string): Promise<void>;
  /** Distillation from now on uses the teacher of the current teacher run (its best epoch). */
  useTrainedTeacher(): Promise<TeacherInfo>;
  /** The checkpoint of the teacher trained in this session once it drives distillation, else null. */
  sessionTeacher(): Promise<ArrayBuffer | null>;
  /** The device-loss drill: destroys the WebGPU device (false when not on webgpu). */
  loseGpuDevice(): Promise<boolean>;
}
