// Tuning worker: the λ/τ/w search of `npm run cli -- tune` (src/lib/tune) in the browser, exposed
// with comlink. Trials go back to the page through a comlink.proxy callback as each one ends; stop
// takes effect between rungs. The trial log and half-trained trials live in memory: a reload
// starts the search afresh (the CLI's search is the resumable one).
import * as Comlink from 'comlink';
import { readHoserDataset } from '../src/lib/data/hoserReader';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { selectBackend, type BackendInfo } from '../src/lib/runtime/backend';
import { installFastKernels } from '../src/lib/models/layers';
import type { TeacherModel } from '../src/lib/models/teacher';
import { normaliseHyper, teacherFromCheckpoint, type SessionHyper } from '../src/lib/train/session';
import { DEFAULT_SEARCH, TuningSearch, type SearchSettings, type TrialSummary, type TuneLogEntry } from '../src/lib/tune/search';
import { SessionTrialRunner, type TrialStateStore } from '../src/lib/tune/sessionRunner';
import { cachedDerived } from './derivedCache';
import { fetchAsset, readDatasetSource } from './datasetFiles';
import type { DatasetSource } from './trainMessages';

export interface TuneInit {
  backend: string | null;
  dataset: DatasetSource;
  /** The shipped teacher's address, or the bytes of a teacher trained in this session (Train view). */
  teacher: { kind: 'url'; url: string } | { kind: 'bytes'; bytes: ArrayBuffer };
  wasmPaths: Record<string, string>;
}

export interface TuneReady {
  backend: BackendInfo;
  dataset: string;
  trainTrips: number;
  valTrips: number;
}

export interface TuneRun {
  trials: number;
  settings: Partial<SearchSettings>;
  hyper: Partial<SessionHyper>;
}

let data: { ds: Dataset; derived: Derived; teacher: TeacherModel } | null = null;
let stopRequested = false;

const api = {
  async init(o: TuneInit, onStep: (step: string) => void): Promise<TuneReady> {
    onStep('backend');
    const backend = await selectBackend({ preferred: o.backend, wasmPaths: o.wasmPaths, preferWasmOverFallbackGpu: true });
    installFastKernels(); // after the wasm package registered its kernels
    onStep('dataset');
    const ds = readHoserDataset(await readDatasetSource(o.dataset, ['roadmap.geo', 'roadmap.rel', 'train.csv', 'val.csv']), o.dataset.name);
    const { derived } = await cachedDerived(ds);
    onStep('teacher');
    let bytes: Uint8Array;
    if (o.teacher.kind === 'bytes') bytes = new Uint8Array(o.teacher.bytes);
    else {
      const res = await fetchAsset(o.teacher.url);
      if (!res) throw new Error(`teacher checkpoint not found (${o.teacher.url})`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    const teacher = teacherFromCheckpoint(bytes, derived);
    data = { ds, derived, teacher };
    return { backend, dataset: ds.name, trainTrips: ds.splits.train.length, valTrips: ds.splits.val.length };
  },

  async run(o: TuneRun, onTrial: (s: TrialSummary, all: TrialSummary[]) => void): Promise<{ trials: TrialSummary[]; stopped: boolean }> {
    if (!data) throw new Error('the tuning worker is not initialised yet');
    const { ds, derived, teacher } = data;
    stopRequested = false;
    const settings: SearchSettings = { ...DEFAULT_SEARCH, ...o.settings };
    const base = normaliseHyper(o.hyper);
    const states = new Map<number, Uint8Array>();
    const store: TrialStateStore = {
      load: async (t) => states.get(t) ?? null,
      save: async (t, b) => void states.set(t, b),
      remove: async (t) => void states.delete(t),
    };
    const log: TuneLogEntry[] = [];
    const search = new TuningSearch(settings, { dataset: derived.fingerprint }, log, async () => {});
    const runner = new SessionTrialRunner({ dataset: ds, derived, teacher, base, maxBudget: settings.maxBudget, store });
    try {
      const trials = await search.run(o.trials, runner, {
        onTrial: (s) => onTrial(s, search.summaries()),
        shouldStop: () => stopRequested,
      });
      return { trials, stopped: stopRequested };
    } finally {
      runner.dispose();
    }
  },

  stop(): void {
    stopRequested = true;
  },
};

export type TuneApi = typeof api;

Comlink.expose(api);
