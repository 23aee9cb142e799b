// Tuning worker: the λ/τ/w search of `npm run cli -- tune` (src/lib/tune) in the browser, exposed
// with comlink. Trials go back to the page through a comlink.proxy callback as each one ends; stop
// takes effect between rungs. The trial log and half-trained trials live in memory: a reload
// starts the search afresh (the CLI's search is the resumable one).
import * as Comlink from 'comlink';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import type { BackendInfo } from '../src/lib/runtime/backend';
import type { TeacherModel } from '../src/lib/models/teacher';
import { loadTeacher } from '../src/lib/checkpoint/loadModel';
import { normaliseHyper, type SessionHyper } from '../src/lib/train/sessionHyper';
import { DEFAULT_SEARCH, TuningSearch, type SearchSettings, type TrialSummary, type TuneLogEntry } from '../src/lib/tune/search';
import { SessionTrialRunner, type TrialStateStore } from '../src/lib/tune/sessionRunner';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { PackedDataset } from '../src/lib/data/packedDataset';

export interface TuneInit {
  backend: string | null;
  /** The dataset, parsed by the data worker (DataWorkerApi.packed), transferred. */
  dataset: PackedDataset;
  /** The shipped teacher's address, or the bytes of a teacher trained in this session (Train view). */
  teacher: { kind: 'url'; url: string } | { kind: 'bytes'; bytes: ArrayBuffer };
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
    const {
      backend,
      dataset: ds,
      derived,
    } = await bootWorker({
      backend: o.backend,
      dataset: o.dataset,
      needs: ['train', 'val'],
      progress: (step) => onStep(step),
    });
    onStep('loading the teacher');
    let bytes: Uint8Array | null;
    if (o.teacher.kind === 'bytes') bytes = new Uint8Array(o.teacher.bytes);
    else {
      bytes = await fetchAssetBytes(o.teacher.url);
      if (!bytes) throw new Error(`teacher checkpoint not found (${o.teacher.url})`);
    }
    const teacher = loadTeacher(bytes, derived).model;
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
