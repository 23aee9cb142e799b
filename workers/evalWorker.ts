// Evaluation worker: a thin message layer over src/lib/eval/protocol.ts. Loads the dataset once,
// then runs the protocol for the checkpoints it is given, with throttled progress and cancel.
// Called through comlink (EvalWorkerApi); progress goes back through proxied callbacks.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { loadStudentScorer, runProtocol, type LoadedStudent } from '../src/lib/eval/protocol';
import type {
  CheckpointSource,
  EvalInit,
  EvalModelInput,
  EvalOutcome,
  EvalProgress,
  EvalReady,
  EvalRunOptions,
  EvalWorkerApi,
} from './evalMessages';

let dataset: Dataset | null = null;
let derived: Derived | null = null;
let backendName = '';
/** The cancel switch of the run in progress. */
let active: AbortController | null = null;

async function checkpointBytes(src: CheckpointSource): Promise<Uint8Array> {
  if (src.kind === 'bytes') return new Uint8Array(src.bytes);
  const bytes = await fetchAssetBytes(src.url);
  if (!bytes) throw new Error(`checkpoint not found: ${src.url}`);
  return bytes;
}

/** At most ~10 progress messages a second, plus every finished run. */
function progressReporter(onProgress: (p: EvalProgress) => void): (p: EvalProgress) => void {
  let last = 0;
  let lastRun = -1;
  return (p) => {
    const now = performance.now();
    if (p.run === lastRun && now - last < 100) return;
    last = now;
    lastRun = p.run;
    void onProgress(p);
  };
}

async function init(msg: EvalInit, onStep: (step: string) => void): Promise<EvalReady> {
  const boot = await bootWorker({ ...msg, progress: (step) => void onStep(step) });
  const backend = boot.backend;
  backendName = backend.name;
  dataset = boot.dataset;
  derived = boot.derived;
  const trips: Record<string, number> = {};
  for (const [k, v] of Object.entries(dataset.splits)) trips[k] = v.length;
  return { backend, dataset: { name: dataset.name, fingerprint: derived.fingerprint, roads: dataset.network.roads.length, trips } };
}

async function runEval(models: EvalModelInput[], o: EvalRunOptions, onProgress: (p: EvalProgress) => void): Promise<EvalOutcome> {
  if (!dataset || !derived) throw new Error('the evaluation worker has no dataset yet (send init first)');
  const ds = dataset;
  const d = derived;
  const abort = new AbortController();
  active = abort;
  const report = progressReporter(onProgress);
  const loaded: { name: string; m: LoadedStudent }[] = [];
  const t0 = performance.now();
  try {
    for (const m of models) {
      report({ phase: 'load', model: m.name, done: 0, total: 0, run: 0, runs: 0 });
      // Yielding before each search step lets a queued cancel in (scoring is synchronous).
      loaded.push({
        name: m.name,
        m: loadStudentScorer(await checkpointBytes(m.checkpoint), ds.network, d, { yieldBetweenBatches: true }),
      });
    }
    const result = await runProtocol({
      dataset: ds,
      derived: d,
      models: loaded.map((l) => ({ name: l.name, scorer: l.m.scorer })),
      splits: o.splits,
      n: o.n,
      seeds: o.seeds,
      beam: o.beam,
      method: o.method,
      batchSize: o.batchSize,
      maxSteps: o.maxSteps,
      routeSamples: o.routeSamples,
      createdWith: 'trajdistill evaluation worker',
      machine: { backend: backendName, userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown' },
      signal: abort.signal,
      onProgress: (p) => report({ phase: 'generate', ...p }),
    });
    return { kind: 'result', report: result, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    if (abort.signal.aborted) return { kind: 'cancelled' };
    throw e;
  } finally {
    for (const l of loaded) l.m.dispose();
    if (active === abort) active = null;
  }
}

// init and runs go one after another; cancel bypasses the queue (the run it stops is what the
// queue waits for).

const api: EvalWorkerApi = {
  init: serial(init),
  run: serial(runEval),
  cancel: () => active?.abort(),
};

Comlink.expose(api);
