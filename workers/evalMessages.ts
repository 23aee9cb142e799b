// The interface of workers/evalWorker.ts (called through comlink), which runs the evaluation protocol
// (src/lib/eval/protocol.ts) for student checkpoints: the shipped ones (by URL), or bytes from the
// training worker, IndexedDB or an upload (transferred ArrayBuffers).
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { KeptOd, ProtocolReport } from '../src/lib/eval/protocol';
import type { GeneratedTrip, GenOD } from '../src/lib/generate/generator';
import type { PieceSearch } from '../src/lib/generate/shards';
import type { RouteFileOutcome } from '../src/lib/eval/routeFile';
import type { SplitName } from '../src/lib/data/types';
import type { DatasetSource } from './dataMessages';
import type { PackedDataset } from '../src/lib/data/packedDataset';

export type { DatasetSource, KeptOd };

export type CheckpointSource = { kind: 'bytes'; bytes: ArrayBuffer } | { kind: 'url'; url: string };

/** A model to evaluate; the report compares models named "vanilla" and "distilled". */
export interface EvalModelInput {
  name: string;
  checkpoint: CheckpointSource;
}

export interface EvalRunOptions {
  splits?: ('train' | 'test' | 'val')[];
  /** OD pairs per split and seed, capped at the split's trips (default 5000). */
  n?: number;
  seeds?: number[];
  beam?: number;
  method?: 'beam' | 'bestFirst';
  batchSize?: number;
  maxSteps?: number;
  /** The tail guard's cap after the search (src/lib/generate/tailGuard.ts); absent: none. */
  guardCap?: number;
  routeSamples?: number;
  /** OD pairs whose routes the report must hold (the view's selected pair), generated on their own if the sample lacks them. */
  keepRoutes?: KeptOd[];
}

export interface EvalProgress {
  /** Loading a checkpoint, or generating for (seed, split, model). */
  phase: 'load' | 'generate';
  model: string;
  seed?: number;
  split?: string;
  /** Trips done / total of the current (seed, split, model) run. */
  done: number;
  total: number;
  /** Finished runs and all runs (seed × split × model), for an overall bar. */
  run: number;
  runs: number;
}

export interface EvalInit {
  /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
  backend?: string | null;
  preferWasmOverFallbackGpu?: boolean;
  /** The dataset, parsed by the data worker (DataWorkerApi.packed), transferred. */
  dataset: PackedDataset;
}

export interface EvalReady {
  backend: BackendInfo;
  dataset: { name: string; fingerprint: string; roads: number; trips: Record<string, number> };
}

/** A finished run: the full report (`report.routes` holds the per-OD samples of the comparison view). */
export type EvalOutcome = { kind: 'result'; report: ProtocolReport; seconds: number } | { kind: 'cancelled' };

/** The evaluation worker's methods (comlink.wrap<EvalWorkerApi>). */
export interface EvalWorkerApi {
  init(opts: EvalInit, onStep: (step: string) => void): Promise<EvalReady>;
  /** Runs the protocol; resolves `cancelled` when cancel() stopped it. */
  run(models: EvalModelInput[], options: EvalRunOptions, onProgress: (p: EvalProgress) => void): Promise<EvalOutcome>;
  /** Stops the run in progress at its next search step (not queued behind it). */
  cancel(): void;
  /**
   * Pool: the page gives the worker that runs the protocol one port per helper worker (a worker of
   * the same kind, started on the same dataset, serving on that port with serve()); each run then
   * shards every generation over itself and its helpers (src/lib/generate/shards.ts). None: alone.
   */
  useHelpers(ports: MessagePort[]): void;
  /** Helper side: answers the helper methods below on `port` as well. */
  serve(port: MessagePort): void;
  /** Helper: loads the run's checkpoints (replacing the previous run's). */
  loadModels(models: EvalModelInput[]): Promise<void>;
  /** Helper: one piece of OD pairs with model `model` (index into loadModels' list); trips in input order. */
  generatePiece(model: number, ods: GenOD[], search: PieceSearch, onDone: (done: number) => void): Promise<GeneratedTrip[]>;
  /**
   * Routes from a file (our generated CSV or HOSER gene.py's), read line by line from the file's
   * stream and scored against `split`'s real trips of their OD pairs (src/lib/eval/routeFile.ts):
   * bad rows are dropped with their line and reason, the rest scored; 'failed' when none can be.
   */
  scoreRoutes(file: Blob, fileName: string, split: SplitName): Promise<RouteFileOutcome>;
  /**
   * Routes for one OD pair, on demand: every route baseline (generate/baselines.ts, all of
   * BASELINE_METHODS) and, when `students` is given, those checkpoints' routes (a pair the report's
   * sample lacks), each scored (DTW, Hausdorff) against the pair's first real trip in `od.split`.
   */
  odRoutes(od: KeptOd, students: OdStudents | null): Promise<OdRoutesResult>;
}

/** Student checkpoints to generate an OD pair's routes with, and the search (the report's). */
export interface OdStudents {
  models: EvalModelInput[];
  method: 'beam' | 'bestFirst';
  beam: number;
  /** The report's tail guard, when its routes went through one. */
  guardCap?: number;
}

/** One route of an OD pair: a baseline's or a student's, scored against the pair's first real trip. */
export interface OdGeneratedRoute {
  name: string;
  kind: 'baseline' | 'student';
  roads: number[];
  times: number[];
  reached: boolean;
  dtwKm: number | null;
  hausdorffKm: number | null;
}

export interface OdRoutesResult {
  od: KeptOd;
  realTripIds: string[];
  routes: OdGeneratedRoute[];
  /** Students that could not be generated (no checkpoint at that address …): name and why. */
  failed: { name: string; reason: string }[];
}
