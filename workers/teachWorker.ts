// Teaching worker: loads the dataset and the shipped checkpoints (teacher, vanilla and distilled
// students; randomly initialised stand-ins when a file is missing), explains one trip at a time
// (every step, all models, once) and scores normal vs detoured trips for the anomaly panel.
// Called through comlink (TeachWorkerApi); background results go back through TeachEvents.
import * as Comlink from 'comlink';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset, LonLat, SplitName, Trajectory } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { TeacherModel, defaultTeacherConfig, teacherRoadCells } from '../src/lib/models/teacher';
import { Student } from '../src/lib/models/student';
import { SMALL_STUDENT_CONFIG } from '../src/lib/models/studentConfig';
import { loadStudent, loadTeacher } from '../src/lib/checkpoint/loadModel';
import { THESIS_RECIPE } from '../src/lib/train/recipe';
import { batchContext, type BatchContext } from '../src/lib/features/studentBatch';
import { bestStep, explainTrip, type TeachModels } from '../src/lib/teach/explain';
import { findTelling, tellingFileMismatch, tellingPool, type TellingFile } from '../src/lib/teach/telling';
import { anomalyScoreDistribution, tripSurprisal } from '../src/lib/teach/anomaly';
import { syntheticDetour } from '../src/lib/teach/detour';
import { DEFAULT_DETOUR } from '../src/lib/teach/detourOptions';
import { makeRng } from '../src/lib/random';
import type {
  TeachDetour,
  TeachEvents,
  TeachInit,
  TeachModelInfo,
  TeachModelName,
  TeachReady,
  TeachTrip,
  TeachWorkerApi,
  TellingExample,
  TripListEntry,
} from './teachMessages';

/** Trips scored for the normal-vs-detour distribution. */
const SCORE_TRIPS = 160;

let dataset: Dataset | null = null;
let derived: Derived | null = null;
let models: TeachModels | null = null;
let batchCtx: BatchContext | null = null;
let window = THESIS_RECIPE.window;
const tripById = new Map<string, { trip: Trajectory; split: SplitName }>();
let events: TeachEvents | null = null;

async function teacherFrom(bytes: Uint8Array | null, d: Derived): Promise<{ model: TeacherModel; info: TeachModelInfo }> {
  let note = 'teacher checkpoint not found: a randomly initialised teacher stands in';
  if (bytes) {
    try {
      const { checkpoint, model } = loadTeacher(bytes, d);
      const teacher = { anchor: model.cfg.anchor ?? 'centroid', destination: model.cfg.destination ?? false };
      return { model, info: { source: 'checkpoint', params: model.paramCount, hyper: checkpoint.hyper, teacher } };
    } catch (e) {
      note = `teacher checkpoint refused (${(e as Error).message}): a random teacher stands in`;
    }
  }
  const model = new TeacherModel(defaultTeacherConfig(d.grid.vocabSize), 1);
  model.setTrainable(false);
  return { model, info: { source: 'fresh', params: model.paramCount, note } };
}

async function studentFrom(bytes: Uint8Array | null, d: Derived, seed: number): Promise<{ model: Student; info: TeachModelInfo }> {
  let note = 'student checkpoint not found: a randomly initialised student stands in';
  if (bytes) {
    try {
      const { checkpoint, model } = loadStudent(bytes, d);
      return { model, info: { source: 'checkpoint', params: model.paramCount(), hyper: checkpoint.hyper } };
    } catch (e) {
      note = `student checkpoint refused (${(e as Error).message}): a random student stands in`;
    }
  }
  const model = new Student(d, { ...SMALL_STUDENT_CONFIG, freezeEncoders: true }, seed);
  return { model, info: { source: 'fresh', params: model.paramCount(), note } };
}

function windowFrom(hyper: Record<string, unknown> | undefined): number | null {
  const w = hyper?.window;
  return typeof w === 'number' && Number.isInteger(w) && w > 0 ? w : null;
}

function geometryFor(roads: Iterable<number>): Record<number, LonLat[]> {
  const out: Record<number, LonLat[]> = {};
  const net = dataset!.network;
  for (const r of roads) if (!(r in out)) out[r] = net.roads[r].coords;
  return out;
}

async function init(msg: TeachInit, ev: TeachEvents): Promise<TeachReady> {
  events = ev;
  const post = (phase: string) => void ev.progress(phase);
  const boot = await bootWorker({
    backend: msg.backend,
    dataset: msg.dataset,
    progress: post,
  });
  const backend = boot.backend;
  dataset = boot.dataset;
  derived = boot.derived;
  post('loading the models');
  const fetched = async (url: string) => fetchAssetBytes(url).catch(() => null);
  const [tb, vb, db] = await Promise.all([
    fetched(msg.checkpoints.teacher),
    fetched(msg.checkpoints.vanilla),
    fetched(msg.checkpoints.distilled),
  ]);
  const t = await teacherFrom(tb, derived);
  const v = await studentFrom(vb, derived, 11);
  const ds = await studentFrom(db, derived, 12);
  models = { teacher: t.model, vanilla: v.model, distilled: ds.model };
  window = windowFrom(ds.info.hyper) ?? windowFrom(v.info.hyper) ?? THESIS_RECIPE.window;
  batchCtx = batchContext(dataset.network, derived);
  const trips: TripListEntry[] = [];
  for (const split of ['val', 'test'] as SplitName[]) {
    for (const trip of dataset.splits[split]) {
      if (trip.roads.length < 3) continue;
      tripById.set(trip.id, { trip, split });
      trips.push({ id: trip.id, split, roads: trip.roads.length });
    }
  }
  if (trips.length === 0) throw new Error('the dataset has no validation or test trips to explain');
  const info: Record<TeachModelName, TeachModelInfo> = { teacher: t.info, vanilla: v.info, distilled: ds.info };
  const ready = { backend, models: info, window, trips, grid: derived.grid.spec };
  // The committed examples, when made from exactly these checkpoints: no search at load.
  const committed = await committedTelling(msg.tellingUrl, derived.fingerprint, { teacher: tb, vanilla: vb, distilled: db });
  if ('telling' in committed) return { ...ready, telling: committed.telling, tellingSource: { kind: 'file' } };
  const tellingSource = { kind: 'search' as const, reason: committed.reason };
  if (msg.pinnedTrip && tripById.has(msg.pinnedTrip)) {
    // A shared link opens on its trip at once; the telling example follows the first trip.
    tellingLater = trips;
    return { ...ready, telling: null, tellingSource };
  }
  post('finding a telling example');
  return { ...ready, telling: await searchTelling(trips), tellingSource };
}

async function sha256Hex(bytes: Uint8Array | null): Promise<string | null> {
  if (!bytes) return null;
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The committed telling examples if they were made from these checkpoints on this network; else why not. */
async function committedTelling(
  url: string | undefined,
  fingerprint: string,
  bytes: Record<TeachModelName, Uint8Array | null>,
): Promise<{ telling: TellingExample } | { reason: string }> {
  if (!url) return { reason: 'no committed telling examples for this city' };
  let file: TellingFile;
  try {
    const res = await fetch(url);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return { reason: `no ${url}` };
    file = (await res.json()) as TellingFile;
  } catch {
    return { reason: `${url} could not be read` };
  }
  const digests = {
    teacher: await sha256Hex(bytes.teacher),
    vanilla: await sha256Hex(bytes.vanilla),
    distilled: await sha256Hex(bytes.distilled),
  };
  const mismatch = tellingFileMismatch(file, fingerprint, digests);
  if (mismatch) return { reason: mismatch };
  // Only trips this worker explains (val/test of ≥ 3 roads) can be opened.
  if (!tripById.has(file.telling.trip)) return { reason: `its trip ${file.telling.trip} is not among this dataset's val/test trips` };
  return { telling: { ...file.telling, others: file.telling.others.filter((o) => tripById.has(o.trip)) } };
}

/** Trips to search for the telling example once the first trip is on screen (pinned start). */
let tellingLater: TripListEntry[] | null = null;
let backgroundStarted = false;

/**
 * Work the first screen does not need, started after the first trip was sent so that it does not
 * compete with it (on a software GPU each costs minutes): the telling example, then the scores.
 */
function startBackground(): void {
  if (backgroundStarted) return;
  backgroundStarted = true;
  void (async () => {
    if (tellingLater) void events?.telling(await searchTelling(tellingLater));
    await scoreDistribution();
  })().catch((e: unknown) => void events?.error(`background work: ${(e as Error).message}`));
}

/**
 * The search the committed file stands in for (the same one `teach telling` runs, lib/teach/
 * telling.ts): for checkpoints the file was not made from (a city without one, a changed checkpoint).
 */
async function searchTelling(trips: TripListEntry[]): Promise<TellingExample> {
  const pool = tellingPool(trips).map((e) => tripById.get(e.id)!.trip);
  return (await findTelling(batchCtx!, models!, pool, window)).telling;
}

/** ψ of the loaded teacher (centroid or far-end cells). */
function teacherCells(roads: readonly number[]): number[] {
  const roadCell = teacherRoadCells(models!.teacher.cfg, derived!.grid);
  return roads.map((r) => roadCell[r]);
}

async function scoreDistribution(): Promise<void> {
  const d = derived!;
  const seqs: number[][] = [];
  for (const { trip } of tripById.values()) {
    if (seqs.length >= SCORE_TRIPS) break;
    seqs.push(teacherCells(trip.roads));
  }
  const dist = await anomalyScoreDistribution(models!.teacher, seqs, d.grid.spec, makeRng(2024), DEFAULT_DETOUR, 16);
  void events?.scores({ dist, level: DEFAULT_DETOUR.level, prob: DEFAULT_DETOUR.prob });
}

async function explain(trip: string | null): Promise<TeachTrip> {
  if (!models || !batchCtx) throw new Error('the teaching worker is not ready yet');
  const id = trip ?? tripById.keys().next().value!;
  const found = tripById.get(id);
  if (!found) throw new Error(`no validation or test trip with id ${id}`);
  const exp = await explainTrip(batchCtx, models, found.trip, { window });
  const roads = new Set<number>(exp.roads);
  for (const s of exp.steps) for (const c of s.cands) roads.add(c);
  // The background work starts once this answer is on its way.
  setTimeout(startBackground, 0);
  return { split: found.split, exp, geometry: geometryFor(roads), bestStep: bestStep(exp).k };
}

async function detour(trip: string, seed: number, level: number, prob: number): Promise<TeachDetour> {
  if (!models || !derived) throw new Error('the teaching worker is not ready yet');
  const found = tripById.get(trip);
  if (!found) throw new Error(`no trip ${trip}`);
  const cells = teacherCells(found.trip.roads);
  const d = syntheticDetour(cells, derived.grid.spec, makeRng(seed), { level, prob });
  const [original, score] = await models.teacher.anomalyScore([cells, d.cells]);
  return { trip, detour: d, original, score, surprisal: await tripSurprisal(models.teacher, d.cells) };
}

// Calls are handled as they come (as before comlink): explain and detour do not wait for each other.
const api: TeachWorkerApi = { init, explain, detour };

Comlink.expose(api);
