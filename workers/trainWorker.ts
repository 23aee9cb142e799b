// Training worker: a thin comlink layer over the training sessions of src/lib/train: the student
// (TrainingSession, vanilla or distilled) and the teacher (TeacherSession). It picks the tfjs
// backend, loads the dataset and the shipped teacher, builds a session on `configure`, and runs it
// while the page calls start / pause / step / stop. Metrics, epochs and state changes go back
// through the TrainEvents proxy the page passed to init. Runs are auto-saved to IndexedDB after
// their first step, at every epoch end, pause, stop and single step and, while running, once a
// minute, each run into its own slot (src/lib/train/savedRuns.ts: per kind and dataset
// fingerprint) with its chart history; checkpoints leave as transferred ArrayBuffers because
// `downloads://` cannot work here.
//
// On WebGPU a lost device or an out-of-memory error pauses the run with the reason (gpuWatch.ts);
// the page then offers to resume from the last autosave in a fresh worker on wasm.
import * as Comlink from 'comlink';
import { serial, serialQueue } from './serial';
import { get, set, del, update } from 'idb-keyval';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import type { TeacherModel } from '../src/lib/models/teacher';
import { decodeCheckpoint } from '../src/lib/checkpoint/checkpoint';
import { loadTeacher } from '../src/lib/checkpoint/loadModel';
import { transferStudentWeights } from '../src/lib/checkpoint/transfer';
import { TrainingSession, type SessionMetrics } from '../src/lib/train/session';
import { normaliseHyper, type SessionHyper } from '../src/lib/train/sessionHyper';
import { TeacherSession, teacherHyperOf, type TeacherSessionMetrics } from '../src/lib/train/teacherSession';
import { normaliseTeacherHyper, type TeacherHyper } from '../src/lib/train/teacherHyper';
import { MetricSeries, TeacherSeries } from '../src/lib/train/chartSeries';
import { SavedRuns, type RunChart } from '../src/lib/train/savedRuns';
import { tripsFingerprint } from '../src/lib/data/fingerprint';
import { pickProbeTrip, probeTrip } from '../src/lib/train/tripProbe';
import { destroyGpuDevice, watchGpuDevice } from './gpuWatch';
import type {
  CheckpointFile,
  Configured,
  LoadedInfo,
  ReadyInfo,
  SavedInfo,
  SavedLists,
  TeacherInfo,
  TrainEvents,
  TrainInit,
  TrainJob,
  TrainKind,
  TrainState,
  TrainWorkerApi,
  TransferInfo,
} from './trainMessages';

/** Training needs a train split; val and test are optional. */
const REQUIRED = ['roadmap.geo', 'roadmap.rel', 'train.csv'];
/** While a run goes on, an autosave at least this often (a lost GPU then loses at most this). */
const AUTOSAVE_EVERY_MS = 60_000;

type Session = TrainingSession | TeacherSession;

let events: TrainEvents | null = null;
let dataset: Dataset | null = null;
let derived: Derived | null = null;
let teacher: TeacherModel | null = null;
let teacherInfo: TeacherInfo = { loaded: false };
/** Checkpoint bytes of the teacher trained in this session, once it drives distillation (for the tuning worker). */
let sessionTeacherBytes: Uint8Array | null = null;
let backendName = '';
let kind: TrainKind = 'student';
let session: Session | null = null;
let studentHyper: SessionHyper = normaliseHyper({});
let teacherHyper: TeacherHyper = normaliseTeacherHyper({});
let lastSave = 0;
/** The saved runs of the dataset's network (set by init). */
let runs: SavedRuns | null = null;
/** The current run's slot among the saved runs; null until its first save (a new slot then). */
let runId: string | null = null;
/** The name a new slot gets (an uploaded file's), else the default name. */
let slotName: string | undefined;
/** The current run has been saved, or a save was tried (an unusable IndexedDB is not retried each step). */
let saveTried = false;
/** The current run's charts and last metrics, as the page has them: saved with every autosave. */
const chart = new MetricSeries();
const teacherChart = new TeacherSeries();
let latest: SessionMetrics | null = null;
let teacherLatest: TeacherSessionMetrics | null = null;
/** IndexedDB writes of the runs, one after another (autosaves come from the loop and from calls). */
const storeQueue = serialQueue();
const inStore = <R>(fn: () => Promise<R>): Promise<R> => storeQueue(fn)();
/** Set when the GPU failed: nothing more runs on this worker's device. */
let deviceFailure: string | null = null;

function emit(): TrainEvents {
  if (!events) throw new Error('the worker is not initialised yet');
  return events;
}

function state(s: TrainState, reason?: string): void {
  // After a GPU failure the run is paused for good here; a loop failing on the dead device later
  // must not turn that into 'stopped'.
  if (deviceFailure && s !== 'paused') return;
  void events?.state(s, reason);
}

function fail(e: unknown, during?: string): void {
  void events?.error(e instanceof Error ? e.message : String(e), during);
}

function requireData(): { ds: Dataset; d: Derived } {
  if (!dataset || !derived) throw new Error('the worker is not initialised yet');
  return { ds: dataset, d: derived };
}

function usable(): void {
  if (deviceFailure) throw new Error(`the GPU failed (${deviceFailure}); resume on wasm from the last autosave`);
}

// ---------------------------------------------------------------------------------------------
// Loading

async function shippedTeacher(url: string | undefined, d: Derived): Promise<{ model: TeacherModel | null; note?: string }> {
  if (!url) return { model: null, note: 'no teacher checkpoint given: vanilla training only' };
  const bytes = await fetchAssetBytes(url);
  if (!bytes) return { model: null, note: `teacher checkpoint not found (${url}): vanilla training only` };
  try {
    return { model: loadTeacher(bytes, d).model };
  } catch (e) {
    return { model: null, note: `teacher checkpoint refused: ${(e as Error).message}` };
  }
}

async function init(opts: TrainInit, ev: TrainEvents): Promise<ReadyInfo> {
  events = ev;
  state('loading');
  const progress = (phase: string, loaded = 0, total: number | null = null) => void ev.progress(phase, loaded, total);
  const boot = await bootWorker({
    backend: opts.backend,
    preferWasmOverFallbackGpu: opts.preferWasmOverFallbackGpu,
    dataset: opts.dataset,
    required: REQUIRED,
    onBackend: (b) => {
      if (b.name === 'webgpu') watchGpuDevice(onDeviceFailure);
    },
    progress,
  });
  const backend = boot.backend;
  backendName = backend.name;
  dataset = boot.dataset;
  derived = boot.derived;
  progress('loading the teacher');
  const t = await shippedTeacher(opts.teacherUrl, derived);
  teacher = t.model;
  teacherInfo = { loaded: teacher !== null, params: teacher?.paramCount, note: t.note, source: teacher ? 'shipped' : undefined };
  sessionTeacherBytes = null;
  const data = { name: dataset.name, trips: tripsFingerprint(dataset.splits.train) };
  runs = new SavedRuns({ get, set, del, update }, derived.fingerprint, undefined, data);
  const saved: SavedLists = { student: await listRuns('student', true), teacher: await listRuns('teacher', true) };
  state('idle');
  return {
    backend,
    dataset: {
      name: dataset.name,
      fingerprint: derived.fingerprint,
      trips: data.trips,
      roads: dataset.network.roads.length,
      train: dataset.splits.train.length,
      val: dataset.splits.val.length,
      teacher: teacherInfo,
    },
    saved,
  };
}

// ---------------------------------------------------------------------------------------------
// Sessions

function configured(s: Session): Configured {
  if (s instanceof TeacherSession) {
    return {
      kind: 'teacher',
      hyper: s.hyper,
      params: s.model.paramCount,
      stepsPerEpoch: s.stepsPerEpoch,
      trainTrips: requireData().ds.splits.train.length,
    };
  }
  return {
    kind: 'student',
    hyper: s.hyper,
    params: s.student.paramCount(),
    stepsPerEpoch: s.trainer.stepsInEpoch,
    trainTrips: s.trainer.trainTripCount,
  };
}

function build(k: TrainKind, h: Partial<SessionHyper> | Partial<TeacherHyper>): Session {
  const { ds, d } = requireData();
  usable();
  if (session?.state === 'running') throw new Error('pause training before changing its settings');
  session?.dispose();
  session = null;
  kind = k;
  // A new run: its first save opens a slot of its own.
  runId = null;
  slotName = undefined;
  saveTried = false;
  chart.clear();
  teacherChart.clear();
  latest = null;
  teacherLatest = null;
  const onState = (st: TrainState, reason?: string) => {
    state(st, reason);
    if (st === 'running' || st === 'stopped' || st === 'done') markRunning(st === 'running');
  };
  const common = { dataset: ds, derived: d, backendName, minEmitMs: 100 };
  let s: Session;
  if (k === 'teacher') {
    teacherHyper = normaliseTeacherHyper(h as Partial<TeacherHyper>);
    const ts: TeacherSession = new TeacherSession({
      ...common,
      hyper: teacherHyper,
      betweenSteps: () => autosaveIfDue(ts),
      events: {
        metrics: (m) => {
          teacherChart.pushMetrics(m);
          teacherLatest = m;
          void emit().teacherMetrics(m);
        },
        epoch: async (r) => {
          teacherChart.pushEpoch(r);
          void emit().teacherEpoch(r);
          await autosave(ts);
        },
        state: onState,
      },
    });
    s = ts;
  } else {
    const next = normaliseHyper(h as Partial<SessionHyper>);
    if (next.mode === 'distilled' && !teacher) throw new Error('distilled mode needs a teacher checkpoint, which is not loaded');
    studentHyper = next;
    const ss: TrainingSession = new TrainingSession({
      ...common,
      teacher: teacher ?? undefined,
      hyper: next,
      betweenSteps: () => autosaveIfDue(ss),
      events: {
        metrics: (m) => {
          chart.pushMetrics(m);
          latest = m;
          void emit().metrics(m);
        },
        epoch: async (r) => {
          chart.pushEpoch(r);
          void emit().epoch(r);
          await postProbe(ss);
          await autosave(ss);
        },
        state: onState,
      },
    });
    s = ss;
  }
  session = s;
  state('idle');
  return s;
}

/**
 * The student's choices along the fixed probe trip (src/lib/train/tripProbe.ts), for the map.
 * Sent for the untrained student, after every epoch, on pause and after a checkpoint is loaded
 * (student runs only: the teacher has no roads to choose).
 */
async function postProbe(s: Session, at?: { epoch: number; step: number }): Promise<void> {
  if (!(s instanceof TrainingSession) || deviceFailure) return;
  const { ds } = requireData();
  const trip = pickProbeTrip(ds.splits.val) ?? pickProbeTrip(ds.splits.train);
  if (!trip) return;
  try {
    const probe = await probeTrip(s.student, s.trainer.ctx, trip);
    void emit().probe(probe, at?.epoch ?? s.trainer.currentEpoch, at?.step ?? s.steps);
  } catch (e) {
    fail(e, 'the map’s probe trip');
  }
}

function current(): Session {
  return session ?? build(kind, kind === 'teacher' ? teacherHyper : studentHyper);
}

/** Runs the loop in the background (calls return at once, so pause/stop/step get through). */
function runInBackground(s: Session): void {
  lastSave = performance.now();
  s.start().catch((e) => (deviceFailure ? undefined : fail(e, 'training')));
}

// ---------------------------------------------------------------------------------------------
// IndexedDB checkpoints: the saved runs (src/lib/train/savedRuns.ts)

function requireRuns(): SavedRuns {
  if (!runs) throw new Error('the worker is not initialised yet');
  return runs;
}

/** The saved runs of `k`, newest first (after moving an earlier version's single autosave in). */
async function listRuns(k: TrainKind, migrate = false): Promise<SavedInfo[]> {
  try {
    const store = requireRuns();
    if (migrate) await inStore(() => store.migrate(k));
    return await store.list(k);
  } catch {
    return []; // IndexedDB unavailable (private mode …): saving is best-effort.
  }
}

/** Tells the page the runs of `k` and which one the current run saves into. */
async function postList(k: TrainKind): Promise<void> {
  void emit().saved(k, await listRuns(k), k === kind ? runId : null);
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** What the page's charts and readouts of the current run show, for its save. */
function chartOf(k: TrainKind): RunChart {
  return k === 'teacher'
    ? { kind: 'teacher', series: teacherChart.columns(), latest: teacherLatest }
    : { kind: 'student', series: chart.columns(), latest };
}

/** After a load: the saved charts, or (a file, a run saved by an earlier version) its epochs. */
function restoreChart(s: Session, saved: RunChart | null): RunChart {
  if (s instanceof TeacherSession) {
    if (saved?.kind !== 'teacher' || !teacherChart.restore(saved.series)) for (const h of s.history) teacherChart.pushEpoch(h, true);
    teacherLatest = saved?.kind === 'teacher' ? saved.latest : null;
    return chartOf('teacher');
  }
  if (saved?.kind !== 'student' || !chart.restore(saved.series)) for (const h of s.history) chart.pushEpoch(h, true);
  latest = saved?.kind === 'student' ? saved.latest : null;
  return chartOf('student');
}

/** Saves the current run into its own slot (a new one on its first save); never into another run's. */
async function autosave(s: Session): Promise<void> {
  if (deviceFailure || !runs) return; // after a GPU failure the device's values cannot be read: keep the last save
  const store = runs;
  saveTried = true;
  try {
    const { bytes, summary } = await s.save({ optimizer: true });
    const k: TrainKind = summary.kind;
    const running = s.state === 'running';
    const wrote = await inStore(async () => {
      // Replaced meanwhile by a new run: this snapshot must not land in the new run's slot.
      if (session !== s) return false;
      const info = await store.save(k, runId, {
        bytes: bufferOf(bytes),
        summary,
        hyper: s.hyper,
        running,
        chart: chartOf(k),
        name: slotName,
      });
      runId = info.id;
      return true;
    });
    if (!wrote) return;
    lastSave = performance.now();
    await postList(k);
  } catch (e) {
    fail(e, 'auto-save to IndexedDB');
  }
}

/** While a run goes on: a save after its first step (the run is then listed), then once a minute, between two steps. */
async function autosaveIfDue(s: Session): Promise<void> {
  if (!saveTried || performance.now() - lastSave >= AUTOSAVE_EVERY_MS) await autosave(s);
}

/** Records in the current run's slot whether it trains, so that a reload resumes it as it was. */
function markRunning(running: boolean): void {
  const store = runs;
  const id = runId;
  const k = kind;
  if (!store || !id || deviceFailure) return;
  inStore(() => store.setRunning(k, id, running))
    .then(() => postList(k))
    .catch(() => undefined); // best-effort, like every save
}

/** A checkpoint's file name: kind (and mode), network, step. */
function checkpointName(k: TrainKind, hyper: Partial<SessionHyper> | Partial<TeacherHyper>, step: number, best = false): string {
  const what = k === 'teacher' ? 'teacher' : `student-${(hyper as Partial<SessionHyper>).mode ?? 'vanilla'}`;
  return `${what}-${requireData().d.fingerprint.slice(0, 8)}-s${step}${best ? '-best' : ''}.safetensors`;
}

/**
 * Rebuilds the session from a checkpoint's own settings, then loads it (either kind), with the
 * saved run's charts when it has them. The run gets a new slot unless the caller names its own.
 */
async function loadBytes(bytes: Uint8Array, name: string, expect: TrainKind, savedChart: RunChart | null = null): Promise<LoadedInfo> {
  const ck = decodeCheckpoint(bytes);
  if (ck.kind !== expect) throw new Error(`${name} holds a ${ck.kind} model; ${expect} mode needs a ${expect} checkpoint`);
  let s: Session;
  if (ck.kind === 'teacher') {
    s = build('teacher', { ...teacherHyper, ...teacherHyperOf(ck) });
  } else {
    // The checkpoint's settings (mode, λ, epochs, batch …): the schedule and the counters then
    // continue where that run stopped, and the page's form shows what is running.
    const saved = ck.hyper as Partial<SessionHyper> | undefined;
    s = build('student', saved ? { ...studentHyper, ...saved } : studentHyper);
  }
  const loaded = s.loadCheckpoint(ck);
  const runChart = restoreChart(s, savedChart);
  const st: TrainState = s.state === 'done' ? 'done' : 'paused';
  state(st);
  // Where the loaded run stopped (a weights-only checkpoint leaves the session's own count at 0).
  await postProbe(s, { epoch: loaded.training.epoch, step: loaded.training.step });
  // A file holding its best epoch's weights says so ("best epoch k", k from 0): the page names it.
  const best = /^best epoch (\d+)$/.exec(String((ck.hyper as { weights?: unknown } | undefined)?.weights ?? ''));
  return {
    configured: configured(s),
    name,
    bestEpoch: best ? Number(best[1]) + 1 : null,
    epoch: loaded.training.epoch,
    step: loaded.training.step,
    history: s instanceof TrainingSession ? s.history.map((h) => ({ ...h })) : [],
    teacherHistory: s instanceof TeacherSession ? s.history : [],
    chart: runChart,
    state: st,
    runId: null,
    running: false,
  };
}

// ---------------------------------------------------------------------------------------------
// GPU failures

function onDeviceFailure(reason: string): void {
  if (deviceFailure) return;
  deviceFailure = reason;
  // The loop may be stuck on a read that never resolves: report the pause now, not when it ends.
  void session?.pause().catch(() => undefined);
  state('paused', `GPU failure: ${reason}. Training paused; resume on wasm from the last autosave.`);
  void events?.error(`GPU failure: ${reason}`, 'gpu');
}

// ---------------------------------------------------------------------------------------------
// The API. Calls run one after another (the run loop itself is not awaited, so pause / stop /
// step get through while it runs: it yields between steps).

const api: TrainWorkerApi = {
  init: serial(async (opts: TrainInit, ev: TrainEvents) => {
    try {
      return await init(opts, ev);
    } catch (e) {
      // No reason here: the page shows the rejection's own message where the runtime line was.
      state('stopped');
      throw e;
    }
  }),
  configure: serial(async (job: TrainJob) => {
    const s = build(job.kind, job.hyper);
    await postProbe(s);
    return configured(s);
  }),
  start: serial(() => {
    usable();
    runInBackground(current());
  }),
  pause: serial(async () => {
    // Saved on every pause, not only at epoch ends: a reload or a closed tab then loses nothing.
    await session?.pause();
    if (session && session.steps > 0) {
      await postProbe(session);
      await autosave(session);
    }
  }),
  step: serial(async () => {
    usable();
    const s = current();
    await s.step();
    await autosave(s);
  }),
  stop: serial(async () => {
    await session?.stop();
    // Saved as stopped: a reload then offers it paused, not running.
    if (session && session.steps > 0) await autosave(session);
  }),
  exportCheckpoint: serial(async (best: boolean): Promise<CheckpointFile> => {
    usable();
    const s = current();
    const wasRunning = s.state === 'running';
    if (wasRunning) await s.pause();
    const bytes = bufferOf((await s.save({ best, optimizer: !best })).bytes);
    const name = checkpointName(s instanceof TeacherSession ? 'teacher' : 'student', s.hyper, s.steps, best);
    if (wasRunning) runInBackground(s);
    return Comlink.transfer({ bytes, name }, [bytes]);
  }),
  loadCheckpoint: serial(async (bytes: ArrayBuffer, name: string, k: TrainKind) => {
    const loaded = await loadBytes(new Uint8Array(bytes), name, k);
    // Training it further saves into a new slot named after the file.
    slotName = name.replace(/\.(safetensors|ckpt)$/i, '');
    await postList(k);
    return loaded;
  }),
  transferFrom: serial(async (bytes: ArrayBuffer, name: string): Promise<TransferInfo> => {
    const ck = decodeCheckpoint(new Uint8Array(bytes));
    if (ck.kind !== 'student') throw new Error(`${name} holds a ${ck.kind} model; a transfer starts from a student checkpoint`);
    // The file's model size, this run's other settings; a fresh run (new slot, step 0).
    const size = (ck.hyper as Partial<SessionHyper> | undefined)?.size;
    const s = build('student', size ? { ...studentHyper, size } : studentHyper);
    if (!(s instanceof TrainingSession)) throw new Error('a transfer needs a student run');
    const report = transferStudentWeights(s.student, ck);
    slotName = `transfer from ${name.replace(/\.(safetensors|ckpt)$/i, '')}`;
    await postProbe(s);
    return { configured: configured(s), message: `Transfer from ${name}: ${report.message}.` };
  }),
  resumeSaved: serial(async (k: TrainKind, id?: string): Promise<LoadedInfo> => {
    const store = requireRuns();
    const pick = id ?? (await store.newestResumable(k))?.id;
    if (!pick) throw new Error(`no saved ${k} run for this dataset`);
    // load refuses a run trained on another dataset's trips (datasets can share a network).
    const rec = await store.load(k, pick);
    const loaded = await loadBytes(rec.bytes, `saved ${k} run`, k, rec.chart);
    // Its autosaves go on into its own slot.
    runId = rec.info.id;
    saveTried = true;
    lastSave = performance.now();
    await postList(k);
    return { ...loaded, runId, running: rec.info.running };
  }),
  savedCheckpoint: serial(async (k: TrainKind, id: string): Promise<CheckpointFile> => {
    const rec = await requireRuns().load(k, id);
    const bytes = bufferOf(rec.bytes);
    return Comlink.transfer({ bytes, name: checkpointName(k, rec.info.hyper, rec.info.step) }, [bytes]);
  }),
  renameSaved: serial(async (k: TrainKind, id: string, name: string) => {
    const store = requireRuns();
    await inStore(() => store.rename(k, id, name));
    await postList(k);
  }),
  deleteSaved: serial(async (k: TrainKind, id: string) => {
    const store = requireRuns();
    await inStore(() => store.remove(k, id));
    await postList(k);
  }),
  useTrainedTeacher: serial(async () => {
    usable();
    if (!(session instanceof TeacherSession)) throw new Error('no teacher run in this session: train or load a teacher first');
    if (session.state === 'running') await session.pause();
    const { bytes } = await session.save({ best: true, optimizer: false });
    const model = loadTeacher(bytes, requireData().d).model;
    sessionTeacherBytes = bytes;
    teacher?.dispose();
    teacher = model;
    const best = session.trainer.bestEpoch;
    teacherInfo = {
      loaded: true,
      params: model.paramCount,
      source: 'session',
      note: `teacher trained in this session (${best >= 0 ? `best epoch ${best + 1}` : `step ${session.steps}, no epoch finished`})`,
    };
    return teacherInfo;
  }),
  sessionTeacher: serial(async (): Promise<ArrayBuffer | null> => {
    if (!sessionTeacherBytes || teacherInfo.source !== 'session') return null;
    const copy = sessionTeacherBytes.slice().buffer;
    return Comlink.transfer(copy, [copy]);
  }),
  // Not queued: the drill must hit a run in progress.
  loseGpuDevice: async () => destroyGpuDevice(),
};

Comlink.expose(api);

// A slow backend spends minutes in one step: say every second how long the current one has run,
// so the page can show it (and offer wasm when a step takes too long).
setInterval(() => {
  const since = session?.stepSince;
  if (!events || since == null || !session) return;
  const parts = session instanceof TeacherSession ? null : session.microProgress;
  void events.stepProgress({ step: session.steps + 1, done: parts?.done ?? 0, total: parts?.total ?? 1, elapsedMs: Date.now() - since });
}, 1_000);
