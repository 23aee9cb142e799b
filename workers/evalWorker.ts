// Evaluation worker: a thin message layer over src/lib/eval/protocol.ts. Loads the dataset once,
// then runs the protocol for the checkpoints it is given, with throttled progress and cancel.
// Called through comlink (EvalWorkerApi); progress goes back through proxied callbacks.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset, SplitName } from '../src/lib/data/types';
import { scoreRouteFile, type RouteFileScore } from '../src/lib/eval/routeFile';
import type { Derived } from '../src/lib/data/derivedTypes';
import { loadStudentScorer, runProtocol, type LoadedStudent } from '../src/lib/eval/protocol';
import { centroidDistance, generateRoutes, type GeneratedTrip, type GenerateOptions, type GenOD } from '../src/lib/generate/generator';
import { generateInPieces, type PieceSearch } from '../src/lib/generate/shards';
import type { BatchScorer } from '../src/lib/generate/search';
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
/** Pool: the helper workers this one shards generation over (useHelpers). */
let helpers: Comlink.Remote<EvalWorkerApi>[] = [];
/** Helper side: the run's checkpoints (loadModels). */
let helperModels: LoadedStudent[] = [];

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
    // With helpers: each loads the run's checkpoints (bytes are copied, not moved: this worker keeps
    // them), and every generation is cut into pieces for this worker and its helpers.
    await Promise.all(helpers.map((h) => h.loadModels(models)));
    const indexOf = new Map<BatchScorer, number>(loaded.map((l, i) => [l.m.scorer, i]));
    const pooled = (scorer: BatchScorer, ods: GenOD[], g: GenerateOptions): Promise<GeneratedTrip[]> =>
      generateInPieces(ods, g, 1 + helpers.length, (lane, piece, search, onDone) =>
        lane === 0
          ? generateRoutes(scorer, piece, { ...g, ...search, onProgress: (pr) => onDone(pr.done) })
          : helpers[lane - 1].generatePiece(indexOf.get(scorer)!, piece, search, Comlink.proxy(onDone)),
      );
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
      keepRoutes: o.keepRoutes,
      createdWith: 'trajdistill evaluation worker',
      machine: { backend: backendName, userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown' },
      signal: abort.signal,
      onProgress: (p) => report({ phase: 'generate', ...p }),
      ...(helpers.length > 0 ? { generate: pooled } : {}),
    });
    return { kind: 'result', report: result, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    if (abort.signal.aborted) return { kind: 'cancelled' };
    for (const h of helpers) void h.cancel();
    throw e;
  } finally {
    for (const l of loaded) l.m.dispose();
    if (active === abort) active = null;
  }
}

// init and runs go one after another; cancel bypasses the queue (the run it stops is what the
// queue waits for).

async function loadModels(models: EvalModelInput[]): Promise<void> {
  if (!dataset || !derived) throw new Error('the evaluation helper has no dataset yet (send init first)');
  for (const m of helperModels) m.dispose();
  helperModels = [];
  for (const m of models)
    helperModels.push(loadStudentScorer(await checkpointBytes(m.checkpoint), dataset.network, derived, { yieldBetweenBatches: true }));
}

async function generatePiece(model: number, ods: GenOD[], search: PieceSearch, onDone: (done: number) => void): Promise<GeneratedTrip[]> {
  const m = helperModels[model];
  if (!m || !derived) throw new Error(`the evaluation helper has no model ${model} (send loadModels first)`);
  const abort = new AbortController();
  active = abort;
  try {
    return await generateRoutes(m.scorer, ods, {
      ...search,
      distanceToDest: centroidDistance(derived.features),
      timeMean: derived.timeMean,
      timeStd: derived.timeStd,
      signal: abort.signal,
      onProgress: (p) => void onDone(p.done),
    });
  } finally {
    if (active === abort) active = null;
  }
}

async function scoreRoutes(text: string, fileName: string, split: SplitName): Promise<RouteFileScore> {
  if (!dataset || !derived) throw new Error('the evaluation worker has no dataset yet (send init first)');
  return scoreRouteFile(text, fileName, dataset.network, dataset.splits, split, derived.features.centroid);
}

const api: EvalWorkerApi = {
  init: serial(init),
  run: serial(runEval),
  cancel: () => {
    active?.abort();
    for (const h of helpers) void h.cancel();
  },
  useHelpers: (ports) => {
    for (const h of helpers) h[Comlink.releaseProxy]();
    helpers = ports.map((port) => Comlink.wrap<EvalWorkerApi>(port));
  },
  serve: (port) => Comlink.expose(api, port),
  loadModels: serial(loadModels),
  generatePiece,
  scoreRoutes: serial(scoreRoutes),
};

Comlink.expose(api);
