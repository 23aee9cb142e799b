// The start of every model worker (training, tuning, evaluation, teaching): pick the tfjs backend,
// load the dataset and its derived structures. The wasm binaries' URLs are resolved in the worker
// bundle (wasmPaths.ts), so pages do not pass them in.
import { readHoserDataset } from '../src/lib/data/hoserReader';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { selectBackend, type BackendInfo } from '../src/lib/runtime/backend';
import { installFastKernels } from '../src/lib/models/layers';
import { cachedDerived } from './derivedCache';
import { noTrainTrips, readDatasetSource } from './datasetFiles';
import { WASM_PATHS } from './wasmPaths';
import type { DatasetSource } from './trainMessages';

export interface BootOptions {
  /** `?backend=` override; default order webgpu → webgl → wasm → cpu. */
  backend?: string | null;
  /** On a software WebGPU adapter try wasm first (default true; ignored when `backend` is given). */
  preferWasmOverFallbackGpu?: boolean;
  dataset: DatasetSource;
  /** Dataset files the worker cannot do without (default: the road map). */
  required?: readonly string[];
  /** Called as soon as the backend runs, before the dataset loads (e.g. to watch the GPU). */
  onBackend?(backend: BackendInfo): void;
  /** Each boot step as it starts; the download also after every file, with counts. */
  progress?(step: string, done?: number, total?: number): void;
}

export interface Booted {
  backend: BackendInfo;
  dataset: Dataset;
  derived: Derived;
}

export async function bootWorker(o: BootOptions): Promise<Booted> {
  o.progress?.('choosing a backend');
  // The files download while the backend starts, so a dataset the worker cannot use (no
  // train.csv …) fails at once instead of after the backend.
  const files = readDatasetSource(o.dataset, o.required, (done, total) => o.progress?.('downloading the dataset', done, total));
  const backend = selectBackend({
    preferred: o.backend,
    wasmPaths: WASM_PATHS,
    preferWasmOverFallbackGpu: o.preferWasmOverFallbackGpu ?? true,
  }).then((b) => {
    o.onBackend?.(b);
    // The wasm package registers its own kernels when it loads, after layers.ts installed ours.
    installFastKernels();
    o.progress?.('downloading the dataset');
    return b;
  });
  await Promise.all([backend, files]);
  o.progress?.('reading the dataset');
  const dataset = readHoserDataset(await files, o.dataset.name);
  // A train.csv with a header only: fail before the derived structures, with what to do.
  if (o.required?.includes('train.csv') && dataset.splits.train.length === 0) throw new Error(noTrainTrips(o.dataset.name));
  o.progress?.('deriving the grid and zones');
  const { derived } = await cachedDerived(dataset);
  return { backend: await backend, dataset, derived };
}
