// Typed messages between the page and workers/evalWorker.ts, which runs the evaluation protocol
// (src/lib/eval/protocol.ts) for student checkpoints: the shipped ones (by URL), or bytes from the
// training worker, IndexedDB or an upload (transferred ArrayBuffers).
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { ProtocolReport } from '../src/lib/eval/protocol';
import type { DatasetSource } from './trainMessages';

export type { DatasetSource };

export type CheckpointSource = { kind: 'bytes'; bytes: ArrayBuffer } | { kind: 'url'; url: string };

/** A model to evaluate; the verdict compares models named "vanilla" and "distilled". */
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
  routeSamples?: number;
}

// page → worker
export type EvalRequest =
  | {
      type: 'init';
      /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
      backend?: string | null;
      preferWasmOverFallbackGpu?: boolean;
      dataset: DatasetSource;
      /** File name → URL of the tfjs-backend-wasm binaries. */
      wasmPaths: Record<string, string>;
    }
  | { type: 'run'; runId: number; models: EvalModelInput[]; options: EvalRunOptions }
  /** Stops the run at the next search step; answered with `cancelled`. */
  | { type: 'cancel'; runId: number };

export interface EvalProgress {
  runId: number;
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

// worker → page
export type EvalResponse =
  | { type: 'ready'; backend: BackendInfo; dataset: { name: string; fingerprint: string; roads: number; trips: Record<string, number> } }
  | { type: 'progress'; phase: 'init'; step: string }
  | ({ type: 'evalProgress' } & EvalProgress)
  /** The full report; `report.routes` holds the per-OD samples of the comparison view. */
  | { type: 'result'; runId: number; report: ProtocolReport; seconds: number }
  | { type: 'cancelled'; runId: number }
  | { type: 'error'; runId?: number; message: string };
