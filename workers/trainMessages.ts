// The training worker's interface (workers/trainWorker.ts), called through comlink. Requests are
// method calls that resolve with their answer (or reject with the reason); what the worker reports
// on its own (progress, metrics, epochs, run state, autosaves) arrives through the TrainEvents
// callbacks the page passes once, at init, as a comlink.proxy. Checkpoint bytes travel as
// transferred ArrayBuffers (comlink.transfer) in both directions.
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { SessionEpochRecord, SessionHyper, SessionMetrics } from '../src/lib/train/session';
import type { EpochRecord } from '../src/lib/train/studentTrainer';
import type { TeacherHyper, TeacherSessionEpoch, TeacherSessionMetrics } from '../src/lib/train/teacherSession';
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
  | { kind: 'url'; baseUrl: string; name: string }
  /** Files the user picked (read as text by the worker). */
  | { kind: 'files'; files: File[]; name: string };

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

/** Summary of an auto-saved checkpoint, so the page can offer to resume. */
export interface SavedInfo {
  kind: TrainKind;
  key: string;
  epoch: number;
  step: number;
  created: string;
  hyper: Partial<TrainHyper> | Partial<TeacherHyper>;
  /** Student: best val accuracy; teacher: best val perplexity. */
  best: number | null;
  bytes: number;
}

export type SavedByKind = Record<TrainKind, SavedInfo | null>;

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
  roads: number;
  train: number;
  val: number;
  teacher: TeacherInfo;
}

export interface ReadyInfo {
  backend: BackendInfo;
  dataset: DatasetSummary;
  saved: SavedByKind;
}

export type Configured =
  | { kind: 'student'; hyper: TrainHyper; params: number; stepsPerEpoch: number; trainTrips: number }
  | { kind: 'teacher'; hyper: TeacherHyper; params: number; stepsPerEpoch: number; trainTrips: number };

export interface LoadedInfo {
  configured: Configured;
  name: string;
  epoch: number;
  step: number;
  /** Epoch records of the run loaded (student runs fill `history`, teacher runs `teacherHistory`). */
  history: EpochRecord[];
  teacherHistory: TeacherSessionEpoch[];
  state: TrainState;
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
  saved(kind: TrainKind, info: SavedInfo | null): void;
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
  /** Resumes the run auto-saved in IndexedDB for this dataset and kind. */
  resumeSaved(kind: TrainKind): Promise<LoadedInfo>;
  clearSaved(kind: TrainKind): Promise<void>;
  /** Distillation from now on uses the teacher of the current teacher run (its best epoch). */
  useTrainedTeacher(): Promise<TeacherInfo>;
  /** The checkpoint of the teacher trained in this session once it drives distillation, else null. */
  sessionTeacher(): Promise<ArrayBuffer | null>;
  /** The device-loss drill: destroys the WebGPU device (false when not on webgpu). */
  loseGpuDevice(): Promise<boolean>;
}
