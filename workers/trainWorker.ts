// Training worker: a thin comlink layer over the training sessions of src/lib/train: the student
// (TrainingSession, vanilla or distilled) and the teacher (TeacherSession). It picks the tfjs
// backend, loads the dataset and the shipped teacher, builds a session on `configure`, and runs it
// while the page calls start / pause / step / stop. Metrics, epochs and state changes go back
// through the TrainEvents proxy the page passed to init. Runs are auto-saved to IndexedDB (key:
// kind + dataset fingerprint) at every epoch end, pause, single step and, while running, once a
// minute; checkpoints leave as transferred ArrayBuffers because `downloads://` cannot work here.
//
// On WebGPU a lost device or an out-of-memory error pauses the run with the reason (gpuWatch.ts);
// the page then offers to resume from the last autosave in a fresh worker on wasm.
import * as Comlink from 'comlink';
import { serial } from './serial';
import { get, set, del } from 'idb-keyval';
import { bootWorker } from './boot';
import { fetchAssetBytes } from './datasetFiles';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import type { TeacherModel } from '../src/lib/models/teacher';
import { decodeCheckpoint } from '../src/lib/checkpoint/checkpoint';
import { loadTeacher } from '../src/lib/checkpoint/loadModel';
import { TrainingSession, normaliseHyper, type SessionHyper } from '../src/lib/train/session';
import { TeacherSession, normaliseTeacherHyper, teacherHyperOf, type TeacherHyper } from '../src/lib/train/teacherSession';
import { pickProbeTrip, probeTrip } from '../src/lib/train/tripProbe';
import { destroyGpuDevice, watchGpuDevice } from './gpuWatch';
import type {
  CheckpointFile,
  Configured,
  LoadedInfo,
  ReadyInfo,
  SavedByKind,
  SavedInfo,
  TeacherInfo,
  TrainEvents,
  TrainInit,
  TrainJob,
  TrainKind,
  TrainState,
  TrainWorkerApi,
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
  const saved: SavedByKind = { student: await savedInfo('student'), teacher: await savedInfo('teacher') };
  state('idle');
  return {
    backend,
    dataset: {
      name: dataset.name,
      fingerprint: derived.fingerprint,
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
  const onState = (st: TrainState, reason?: string) => state(st, reason);
  const common = { dataset: ds, derived: d, backendName, minEmitMs: 100 };
  let s: Session;
  if (k === 'teacher') {
    teacherHyper = normaliseTeacherHyper(h as Partial<TeacherHyper>);
    const ts: TeacherSession = new TeacherSession({
      ...common,
      hyper: teacherHyper,
      betweenSteps: () => autosaveIfDue(ts),
      events: {
        metrics: (m) => void emit().teacherMetrics(m),
        epoch: async (r) => {
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
        metrics: (m) => void emit().metrics(m),
        epoch: async (r) => {
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
// IndexedDB checkpoints

interface SavedRecord {
  info: SavedInfo;
  bytes: ArrayBuffer;
}

function savedKey(k: TrainKind): string {
  const { d } = requireData();
  // The student key is the one earlier versions wrote: their saved runs stay resumable.
  return `trajdistill:ckpt:${k}:${d.fingerprint}`;
}

async function savedInfo(k: TrainKind): Promise<SavedInfo | null> {
  try {
    const rec = await get<SavedRecord>(savedKey(k));
    if (!rec) return null;
    // Records of earlier versions lack kind/best.
    const legacy = rec.info as SavedInfo & { bestValAcc?: number | null };
    return { ...rec.info, kind: k, best: rec.info.best ?? legacy.bestValAcc ?? null };
  } catch {
    return null; // IndexedDB unavailable (private mode …): saving is best-effort.
  }
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function autosave(s: Session): Promise<void> {
  if (deviceFailure) return; // the device's values cannot be read any more: keep the last save
  try {
    const { bytes, summary } = await s.save({ optimizer: true });
    const k: TrainKind = summary.kind;
    const info: SavedInfo = { ...summary, key: savedKey(k), hyper: s.hyper, bytes: bytes.byteLength };
    await set(info.key, { info, bytes: bufferOf(bytes) } satisfies SavedRecord);
    lastSave = performance.now();
    void emit().saved(k, info);
  } catch (e) {
    fail(e, 'auto-save to IndexedDB');
  }
}

/** While a run goes on: an autosave once a minute, between two steps (one consistent state). */
async function autosaveIfDue(s: Session): Promise<void> {
  if (performance.now() - lastSave >= AUTOSAVE_EVERY_MS) await autosave(s);
}

/** Rebuilds the session from a checkpoint's own settings, then loads it (either kind). */
async function loadBytes(bytes: Uint8Array, name: string, expect: TrainKind): Promise<LoadedInfo> {
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
  const st: TrainState = s.state === 'done' ? 'done' : 'paused';
  state(st);
  // Where the loaded run stopped (a weights-only checkpoint leaves the session's own count at 0).
  await postProbe(s, { epoch: loaded.training.epoch, step: loaded.training.step });
  return {
    configured: configured(s),
    name,
    epoch: loaded.training.epoch,
    step: loaded.training.step,
    history: s instanceof TrainingSession ? s.history.map((h) => ({ ...h })) : [],
    teacherHistory: s instanceof TeacherSession ? s.history : [],
    state: st,
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
      state('stopped', 'initialisation failed');
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
  }),
  exportCheckpoint: serial(async (best: boolean): Promise<CheckpointFile> => {
    usable();
    const s = current();
    const wasRunning = s.state === 'running';
    if (wasRunning) await s.pause();
    const bytes = bufferOf((await s.save({ best, optimizer: !best })).bytes);
    const k = s instanceof TeacherSession ? 'teacher' : `student-${s.hyper.mode}`;
    const name = `${k}-${requireData().d.fingerprint.slice(0, 8)}-s${s.steps}${best ? '-best' : ''}.safetensors`;
    if (wasRunning) runInBackground(s);
    return Comlink.transfer({ bytes, name }, [bytes]);
  }),
  loadCheckpoint: serial((bytes: ArrayBuffer, name: string, k: TrainKind) => loadBytes(new Uint8Array(bytes), name, k)),
  resumeSaved: serial(async (k: TrainKind) => {
    const rec = await get<SavedRecord>(savedKey(k));
    if (!rec) throw new Error(`no saved ${k} run for this dataset`);
    return loadBytes(new Uint8Array(rec.bytes), `saved ${k} run`, k);
  }),
  clearSaved: serial(async (k: TrainKind) => {
    await del(savedKey(k));
    void emit().saved(k, null);
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
