// The training worker's interface (workers/trainWorker.ts), called through comlink. Requests are
// method calls that resolve with their answer (or reject with the reason); what the worker reports
// on its own (progress, metrics, epochs, run state, autosaves) arrives through the TrainEvents
// callbacks the page passes once, at init, as a comlink.proxy. Checkpoint bytes travel as
// transferred ArrayBuffers (comlink.transfer) in both directions.
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { RunChart, SavedRunInfo } from '../src/lib/train/savedRuns';
import type { SessionEpochRecord, SessionMetrics } from '../src/lib/train/session';
import type { SessionHyper } from '../src/lib/train/sessionHyper';
import type { EpochRecord } from '../src/lib/train/studentTrainer';
import type { TeacherSessionEpoch, TeacherSessionMetrics } from '../src/lib/train/teacherSession';
import type { TeacherHyper } from '../src/lib/train/teacherHyper';
import type { TripProbe } from '../src/lib/train/tripProbe';

export type TrainHyper = SessionHyper;
export type { TeacherHyper };

/** What the Train view trains: the student (vanilla or distilled) or the teacher. */
export type TrainKind = 'student' | 'teacher';

/** A run to configure: its kind and settings. */
export type TrainJob = { kind: 'student'; hyper: Partial<TrainHyper> } | { kind: 'teacher'; hyper: Partial<TeacherHyper> };

/** Where the worker gets its data from. */
export type DatasetSource =
  /** Base URL of a HOSER folder (…/data/porto/): roadmap.geo, roadmap.rel, train/val/test.csv. */
  | { kind: 'url'; baseUrl: string; name: string; splits?: File[] }
  /** Files the user picked (read as text by the worker). */
  | { kind: 'files'; files: File[]; name: string; splits?: File[] };
// `splits`: train/val/test.csv written by the data worker (GPS trips matched onto this network,
// alone or added to the dataset's own). They replace the source's splits and its routes.csv, which
// could hold routes of the new val/test trips.

export interface TrainInit {
  /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
  backend?: string | null;
  /** On a software WebGPU adapter try wasm first (ignored when `backend` is given). */
  preferWasmOverFallbackGpu?: boolean;
  dataset: DatasetSource;
  /** URL of the teacher checkpoint (distilled mode); absent → vanilla only. */
  teacherUrl?: string;
}

export type TrainState = 'loading' | 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** An auto-saved run, as listed (src/lib/train/savedRuns.ts), so the page can offer to resume it. */
export type SavedInfo = SavedRunInfo;
export type { RunChart };

/** The saved runs of each kind on the worker's road network, newest first. */
export type SavedLists = Record<TrainKind, SavedInfo[]>;

/** The teacher distillation uses (shipped, or trained in this session). */
export interface TeacherInfo {
  loaded: boolean;
  params?: number;
  note?: string;
  /** 'shipped' = the app's checkpoint; 'session' = trained (or uploaded) in the Train view. */
  source?: 'shipped' | 'session';
}

export interface DatasetSummary {
  name: string;
  fingerprint: string;
  /** The train trips' fingerprint: saved runs are resumed only on the trips they trained on. */
  trips: string;
  roads: number;
  train: number;
  val: number;
  teacher: TeacherInfo;
}

export interface ReadyInfo {
  backend: BackendInfo;
  dataset: DatasetSummary;
  saved: SavedLists;
}

export type Configured =
  | { kind: 'student'; hyper: TrainHyper; params: number; stepsPerEpoch: number; trainTrips: number }
  | { kind: 'teacher'; hyper: TeacherHyper; params: number; stepsPerEpoch: number; trainTrips: number };

export interface TransferInfo {
  configured: Configured;
  /** "Transfer from x.safetensors: tables re-initialised (…): N of M tensors carried over." */
  message: string;
}

export interface LoadedInfo {
  configured: Configured;
  name: string;
  /** The epoch (from 1) whose weights the file holds when they are its best on val, else null. */
  bestEpoch: number | null;
  /** Epochs trained, and optimiser steps. */
  epoch: number;
  step: number;
  /** Epoch records of the run loaded (student runs fill `history`, teacher runs `teacherHistory`). */
  history: EpochRecord[];
  teacherHistory: TeacherSessionEpoch[];
  /** The charts and last metrics of the run (saved with it, or rebuilt from its epochs). */
  chart: RunChart;
  state: TrainState;
  /** The saved run's slot, which autosaves now write to; null for an uploaded file (a new slot). */
  runId: string | null;
  /** The saved run was training when saved: the page continues it. */
  running: boolean;
}

export interface CheckpointFile {
  bytes: ArrayBuffer;
  name: string;
}

/** A step in progress: micro-batches (student) or the step as a whole (teacher) done so far. */
export interface StepProgress {
  step: number;
  done: number;
  total: number;
  /** Milliseconds since the step began. */
  elapsedMs: number;
}

/** Reported by the worker on its own (a comlink.proxy passed to init). */
export interface TrainEvents {
  progress(phase: string, loaded: number, total: number | null): void;
  state(state: TrainState, reason?: string): void;
  metrics(m: SessionMetrics): void;
  epoch(r: SessionEpochRecord): void;
  teacherMetrics(m: TeacherSessionMetrics): void;
  teacherEpoch(r: TeacherSessionEpoch): void;
  stepProgress(p: StepProgress): void;
  /** The saved runs of `kind` changed; `current`: the slot of the worker's run (when of `kind`). */
  saved(kind: TrainKind, runs: SavedInfo[], current: string | null): void;
  /** The student's next-road choices on the fixed probe trip, at `epoch` (finished) and `step`. */
  probe(probe: TripProbe, epoch: number, step: number): void;
  /** A failure outside any call (the run loop, an autosave). */
  error(message: string, during?: string): void;
}

/** The worker's methods (comlink.wrap<TrainWorkerApi>). */
export interface TrainWorkerApi {
  init(opts: TrainInit, events: TrainEvents): Promise<ReadyInfo>;
  /** A new run of `kind` with these settings (replaces the current run). */
  configure(job: TrainJob): Promise<Configured>;
  start(): Promise<void>;
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
  /** Resumes a run auto-saved in IndexedDB for this dataset (`id`, default the newest of `kind`), paused. */
  resumeSaved(kind: TrainKind, id?: string): Promise<LoadedInfo>;
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
