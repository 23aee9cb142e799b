// The start of every model worker (training, tuning, evaluation, teaching): pick the tfjs backend,
// take the dataset the data worker parsed (packed typed arrays, src/lib/data/packedDataset.ts: no
// model worker reads CSV) and build its derived structures. The wasm binaries' URLs are resolved in
// the worker bundle (wasmPaths.ts), so pages do not pass them in.
import { unpackDataset, type PackedDataset } from '../src/lib/data/packedDataset';
import type { Dataset, SplitName } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { selectBackend, type BackendInfo } from '../src/lib/runtime/backend';
import { installFastKernels } from '../src/lib/models/layers';
import { cachedDerived } from './derivedCache';
import { noTrainTrips } from './datasetFiles';
import { WASM_PATHS } from './wasmPaths';

export interface BootOptions {
  /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
  backend?: string | null;
  /** On a software WebGPU adapter try wasm first (default true; ignored when `backend` is given). */
  preferWasmOverFallbackGpu?: boolean;
  /** `?wasmThreads=N`: tfjs-wasm threads (SelectBackendOptions.wasmThreads); absent: none. */
  wasmThreads?: number;
  /** The dataset as the data worker parsed it (DataWorkerApi.packed), transferred to this worker. */
  dataset: PackedDataset;
  /** Splits the worker cannot do without (training: train; tuning: train and val). */
  needs?: readonly SplitName[];
  /** Called as soon as the backend runs, before the dataset is unpacked (e.g. to watch the GPU). */
  onBackend?(backend: BackendInfo): void;
  /** Each boot step as it starts. */
  progress?(step: string): void;
}

export interface Booted {
  backend: BackendInfo;
  dataset: Dataset;
  derived: Derived;
}

export async function bootWorker(o: BootOptions): Promise<Booted> {
  o.progress?.('choosing a backend');
  // A dataset the worker cannot use (no training trips …) fails at once, before the backend starts.
  const dataset = unpackDataset(o.dataset);
  for (const s of o.needs ?? []) {
    if (dataset.splits[s].length > 0) continue;
    throw new Error(s === 'train' ? noTrainTrips(dataset.name) : `${dataset.name} has no ${s} trips (${s}.csv)`);
  }
  const backend = await selectBackend({
    preferred: o.backend,
    wasmPaths: WASM_PATHS,
    preferWasmOverFallbackGpu: o.preferWasmOverFallbackGpu ?? true,
    wasmThreads: o.wasmThreads,
  });
  o.onBackend?.(backend);
  // The wasm package registers its own kernels when it loads, after layers.ts installed ours.
  installFastKernels();
  o.progress?.('deriving the grid and zones');
  const { derived } = await cachedDerived(dataset);
  return { backend, dataset, derived };
}
