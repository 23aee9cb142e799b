// Evaluation worker: a thin message layer over src/lib/eval/protocol.ts. Loads the dataset once,
// then runs the protocol for the checkpoints it is given, with throttled progress and cancel.
// Called through comlink (EvalWorkerApi); progress goes back through proxied callbacks.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset, SplitName } from '../src/lib/data/types';
import { scoreRouteLines, type RouteFileOutcome } from '../src/lib/eval/routeFile';
import {
  BASELINE_METHODS,
  baselineRouter,
  baselineSettings,
  generateBaselineRoutes,
  type BaselineRouter,
} from '../src/lib/generate/baselines';
import type { Derived } from '../src/lib/data/derivedTypes';
import { loadStudentScorer, pickRouteSamples, recipeRoutes, runProtocol, type LoadedStudent } from '../src/lib/eval/protocol';
import type { RouteSampleModel } from '../src/lib/eval/protocol';
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
  KeptOd,
  OdRoutesResult,
  OdStudents,
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
      ...(o.guardCap !== undefined ? { guardCap: o.guardCap } : {}),
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

/** Lines of a text stream, without their line breaks (\n or \r\n), as they arrive. */
async function* streamLines(stream: ReadableStream<string>): AsyncGenerator<string> {
  const reader = stream.getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

async function scoreRoutes(file: Blob, fileName: string, split: SplitName): Promise<RouteFileOutcome> {
  if (!dataset || !derived) throw new Error('the evaluation worker has no dataset yet (send init first)');
  const lines = streamLines(file.stream().pipeThrough(new TextDecoderStream()));
  return scoreRouteLines(lines, fileName, dataset.network, dataset.splits, split, derived.features.centroid);
}

/** The baseline routers, built on first use (the Markov chain counts the train trips once). */
let routers: BaselineRouter[] | null = null;
/** Students loaded for odRoutes, by checkpoint URL (picked files are loaded each time). */
const odStudents = new Map<string, LoadedStudent>();

async function odStudent(m: EvalModelInput): Promise<LoadedStudent> {
  const key = m.checkpoint.kind === 'url' ? m.checkpoint.url : null;
  const cached = key ? odStudents.get(key) : undefined;
  if (cached) return cached;
  const loaded = loadStudentScorer(await checkpointBytes(m.checkpoint), dataset!.network, derived!, { yieldBetweenBatches: true });
  if (key) odStudents.set(key, loaded);
  return loaded;
}

async function odRoutes(od: KeptOd, students: OdStudents | null): Promise<OdRoutesResult> {
  if (!dataset || !derived) throw new Error('the evaluation worker has no dataset yet (send init first)');
  const ds = dataset;
  routers ??= BASELINE_METHODS.map((m) => baselineRouter(m, ds.network, ds.splits.train, baselineSettings(ds.name)));
  const pair = [{ origin: od.origin, dest: od.dest, startTime: od.startTime }];
  const generated: Record<string, GeneratedTrip[]> = {};
  const kinds = new Map<string, 'baseline' | 'student'>();
  for (const r of routers) {
    generated[r.method] = generateBaselineRoutes(r, pair);
    kinds.set(r.method, 'baseline');
  }
  const failed: OdRoutesResult['failed'] = [];
  for (const m of students?.models ?? []) {
    try {
      const s = await odStudent(m);
      const { method, beam, guardCap } = students!;
      const opts = { dataset: ds, derived, method, beam, ...(guardCap !== undefined ? { guardCap } : {}) };
      generated[m.name] = (await recipeRoutes(s.scorer, pair, opts, `${m.name}-od-`, () => undefined)).trips;
      kinds.set(m.name, 'student');
      if (m.checkpoint.kind === 'bytes') s.dispose();
    } catch (e) {
      failed.push({ name: m.name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  const [sample] = pickRouteSamples(od.split, pair, generated, ds.splits[od.split], derived, 1);
  const routes = [...kinds].map(([name, kind]) => {
    const r = sample[name] as RouteSampleModel;
    return { name, kind, roads: r.roads, times: r.times, reached: r.reached, dtwKm: r.dtwKm, hausdorffKm: r.hausdorffKm };
  });
  return { od, realTripIds: sample.realTripIds, routes, failed };
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
  odRoutes: serial(odRoutes),
};

Comlink.expose(api);
