// What a training run (trainRun.ts) reports and answers, as plain data: the training worker's
// messages (workers/trainMessages.ts) re-export these, and the page imports them as types. No
// tfjs here (type-only imports), so the page may import it.
import type { DatasetSample } from '../data/types';
import type { CheckpointKind } from '../checkpoint/checkpointTypes';
import type { RunChart, SavedRunInfo } from './savedRuns';
import type { SessionEpochRecord, SessionMetrics } from './session';
import type { SessionHyper } from './sessionHyper';
import type { EpochRecord } from './studentTrainer';
import type { TeacherSessionEpoch, TeacherSessionMetrics } from './teacherSession';
import type { TeacherHyper } from './teacherHyper';
import type { TripProbe } from './tripProbe';
import type { ValPoint } from './valCheck';

/** What the Train view trains: the student (vanilla or distilled) or the teacher. */
export type TrainKind = CheckpointKind;

/** A run's state as the page shows it: the session's, plus 'loading' before the worker is ready. */
export type TrainState = 'loading' | 'idle' | 'running' | 'paused' | 'stopped' | 'done';

/** The teacher distillation uses (shipped, or trained in this session). */
export interface TeacherInfo {
  loaded: boolean;
  params?: number;
  note?: string;
  /** 'shipped' = the app's checkpoint; 'session' = trained (or uploaded) in the Train view. */
  source?: 'shipped' | 'session';
}

export type Configured =
  | { kind: 'student'; hyper: SessionHyper; params: number; stepsPerEpoch: number; trainTrips: number }
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

/** The dataset as the Train view describes it. */
export interface DatasetSummary {
  name: string;
  fingerprint: string;
  /** The train trips' fingerprint: saved runs are resumed only on the trips they trained on. */
  trips: string;
  roads: number;
  /** Trips the run trains and validates on (a sample's, when `sampledFrom` is set). */
  train: number;
  val: number;
  /** Untimed routes (routes.csv) a run may train on beside the trips (`routes`); 0 when it has none. */
  routes: number;
  /** Set when the set was too big to train on whole here: the worker holds a seeded sample of it. */
  sampledFrom?: DatasetSample;
  teacher: TeacherInfo;
}

/** The saved runs of each kind on the run's road network, newest first. */
export type SavedLists = Record<TrainKind, SavedRunInfo[]>;

/** A checkpoint file leaving the run (its bytes travel as a transferred ArrayBuffer). */
export interface CheckpointOut {
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

/** What a run reports on its own (the worker passes the page's comlink.proxy through). */
export interface TrainRunEvents {
  state(state: TrainState, reason?: string): void;
  metrics(m: SessionMetrics): void;
  epoch(r: SessionEpochRecord): void;
  teacherMetrics(m: TeacherSessionMetrics): void;
  teacherEpoch(r: TeacherSessionEpoch): void;
  /** The saved runs of `kind` changed; `current`: the slot of the run (when of `kind`). */
  saved(kind: TrainKind, runs: SavedRunInfo[], current: string | null): void;
  /** An early val point on the fixed val subset (valCheck.ts), between epoch ends. */
  valPoint(p: ValPoint): void;
  /** The student's next-road choices on the fixed probe trip, at `epoch` (finished) and `step`. */
  probe(probe: TripProbe, epoch: number, step: number): void;
  /** A failure outside any call (the run loop, an autosave). */
  error(message: string, during?: string): void;
  /** Once a second while a step runs (a slow backend's clock). */
  stepProgress(p: StepProgress): void;
  /** Workers training the run from now on (data-parallel; 1: the train worker alone), and why when it fell back to 1. */
  workers(n: number, reason?: string): void;
}
