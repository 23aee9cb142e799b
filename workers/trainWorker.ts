// Training worker: a thin message layer over src/lib/train/session.ts. It picks the tfjs backend,
// loads the dataset and the shipped teacher, builds a TrainingSession on `configure`, and runs it
// while the page sends start / pause / resume / step / stop. Metrics arrive throttled from the
// session. Each finished epoch is auto-saved to IndexedDB (key includes the dataset fingerprint);
// checkpoints leave as transferable ArrayBuffers because `downloads://` cannot work in a worker.
import { get, set, del } from 'idb-keyval';
import { readHoserDataset } from '../src/lib/data/hoserReader';
import { cachedDerived } from './derivedCache';
import { fetchAsset, readDatasetSource } from './datasetFiles';
import type { Dataset } from '../src/lib/data/types';
import type { Derived } from '../src/lib/data/derivedTypes';
import { selectBackend } from '../src/lib/runtime/backend';
import type { TeacherModel } from '../src/lib/models/teacher';
import { decodeCheckpoint, encodeCheckpoint } from '../src/lib/train/checkpoint';
import { installFastKernels } from '../src/lib/models/layers';
import { TrainingSession, downloadVariables, normaliseHyper, teacherFromCheckpoint, type SessionHyper } from '../src/lib/train/session';
import type { SavedInfo, TrainRequest, TrainResponse, TrainState } from './trainMessages';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

/** Training needs a train split; val and test are optional. */
const REQUIRED = ['roadmap.geo', 'roadmap.rel', 'train.csv'];

let dataset: Dataset | null = null;
let derived: Derived | null = null;
let teacher: TeacherModel | null = null;
let backendName = '';
let session: TrainingSession | null = null;
let hyper: SessionHyper = normaliseHyper({});

function post(msg: TrainResponse, transfer: Transferable[] = []): void {
  ctx.postMessage(msg, transfer);
}

function fail(e: unknown, during?: string): void {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e), during });
}

function state(s: TrainState, reason?: string): void {
  post({ type: 'state', state: s, reason });
}

// ---------------------------------------------------------------------------------------------
// Loading

async function loadTeacher(url: string | undefined, d: Derived): Promise<{ model: TeacherModel | null; note?: string }> {
  if (!url) return { model: null, note: 'no teacher checkpoint given: vanilla training only' };
  const res = await fetchAsset(url);
  if (!res) return { model: null, note: `teacher checkpoint not found (${url}): vanilla training only` };
  try {
    return { model: teacherFromCheckpoint(new Uint8Array(await res.arrayBuffer()), d) };
  } catch (e) {
    return { model: null, note: `teacher checkpoint refused: ${(e as Error).message}` };
  }
}

async function init(msg: Extract<TrainRequest, { type: 'init' }>): Promise<void> {
  state('loading');
  post({ type: 'progress', phase: 'backend', loaded: 0, total: null });
  const backend = await selectBackend({
    preferred: msg.backend,
    wasmPaths: msg.wasmPaths,
    preferWasmOverFallbackGpu: msg.preferWasmOverFallbackGpu ?? true,
  });
  backendName = backend.name;
  // The wasm package registers its kernels when loaded, i.e. after layers.ts was imported.
  installFastKernels();
  const files = await readDatasetSource(msg.dataset, REQUIRED, (loaded, total) =>
    post({ type: 'progress', phase: 'download', loaded, total }),
  );
  post({ type: 'progress', phase: 'parse', loaded: 0, total: null });
  dataset = readHoserDataset(files, msg.dataset.name);
  post({ type: 'progress', phase: 'derive', loaded: 0, total: null });
  derived = (await cachedDerived(dataset)).derived;
  post({ type: 'progress', phase: 'teacher', loaded: 0, total: null });
  const t = await loadTeacher(msg.teacherUrl, derived);
  teacher = t.model;
  const saved = await savedInfo();
  post({
    type: 'ready',
    backend,
    dataset: {
      name: dataset.name,
      fingerprint: derived.fingerprint,
      roads: dataset.network.roads.length,
      train: dataset.splits.train.length,
      val: dataset.splits.val.length,
      teacher: { loaded: teacher !== null, params: teacher?.paramCount, note: t.note },
    },
    saved,
  });
  state('idle');
}

// ---------------------------------------------------------------------------------------------
// Session

function requireData(): { ds: Dataset; d: Derived } {
  if (!dataset || !derived) throw new Error('the worker is not initialised yet');
  return { ds: dataset, d: derived };
}

function build(h: Partial<SessionHyper>): TrainingSession {
  const { ds, d } = requireData();
  if (session?.state === 'running') throw new Error('pause training before changing its settings');
  const next = normaliseHyper(h);
  if (next.mode === 'distilled' && !teacher) throw new Error('distilled mode needs the teacher checkpoint, which is not loaded');
  session?.dispose();
  session = null;
  hyper = next;
  const s = new TrainingSession({
    dataset: ds,
    derived: d,
    teacher: teacher ?? undefined,
    hyper: next,
    backendName,
    minEmitMs: 100,
    events: {
      metrics: (m) => post({ type: 'metrics', ...m }),
      epoch: async (r) => {
        post({ type: 'epoch', ...r });
        await autosave(s);
      },
      state: (st, reason) => state(st, reason),
    },
  });
  session = s;
  post({
    type: 'configured',
    hyper: next,
    studentParams: s.student.paramCount(),
    stepsPerEpoch: s.trainer.stepsInEpoch,
    trainTrips: s.trainer.trainTripCount,
  });
  state('idle');
  return s;
}

function current(): TrainingSession {
  return session ?? build(hyper);
}

// ---------------------------------------------------------------------------------------------
// IndexedDB checkpoints

interface SavedRecord {
  info: SavedInfo;
  bytes: ArrayBuffer;
}

function savedKey(): string {
  const { d } = requireData();
  return `trajdistill:ckpt:student:${d.fingerprint}`;
}

async function savedInfo(): Promise<SavedInfo | null> {
  try {
    const rec = await get<SavedRecord>(savedKey());
    return rec?.info ?? null;
  } catch {
    return null; // IndexedDB unavailable (private mode …): saving is best-effort.
  }
}

async function autosave(s: TrainingSession): Promise<void> {
  try {
    await downloadVariables(); // no synchronous device reads on webgpu (see session.ts)
    const ck = s.checkpoint({ optimizer: true });
    const bytes = encodeCheckpoint(ck);
    const extra = ck.training.extra as { bestValAcc?: number | null } | undefined;
    const info: SavedInfo = {
      key: savedKey(),
      epoch: ck.training.epoch,
      step: ck.training.step,
      created: ck.created,
      hyper: s.hyper,
      bestValAcc: extra?.bestValAcc ?? null,
      bytes: bytes.byteLength,
    };
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    await set(info.key, { info, bytes: buf } satisfies SavedRecord);
    post({ type: 'saved', info });
  } catch (e) {
    fail(e, 'auto-save to IndexedDB');
  }
}

function loadBytes(bytes: Uint8Array, name: string): void {
  // Rebuild with the checkpoint's own settings (mode, λ, epochs, batch …): the schedule and the
  // counters then continue where that run stopped, and the page's form shows what is running.
  const saved = decodeCheckpoint(bytes).hyper as Partial<SessionHyper> | undefined;
  const s = saved ? build({ ...hyper, ...saved }) : current();
  const ck = s.loadCheckpoint(bytes);
  post({ type: 'loaded', name, epoch: ck.training.epoch, step: ck.training.step, history: s.history.map((h) => ({ ...h })) });
  state(s.trainer.done ? 'done' : 'paused');
}

async function resumeSaved(): Promise<void> {
  const rec = await get<SavedRecord>(savedKey());
  if (!rec) throw new Error('no saved checkpoint for this dataset');
  const bytes = new Uint8Array(rec.bytes);
  loadBytes(bytes, 'saved checkpoint');
}

// ---------------------------------------------------------------------------------------------
// Dispatch. Messages are handled one after another, except that the run loop itself is not
// awaited, so pause / stop / step arrive while it runs (it yields between steps).

async function handle(msg: TrainRequest): Promise<void> {
  switch (msg.type) {
    case 'init':
      return init(msg);
    case 'configure':
      build({ ...hyper, ...msg.hyper });
      return;
    case 'start':
    case 'resume': {
      const s = current();
      s.start().catch((e) => fail(e, 'training'));
      return;
    }
    case 'pause':
      // Saved on every pause, not only at epoch ends: a reload or a closed tab then loses nothing.
      await session?.pause();
      if (session && session.steps > 0) await autosave(session);
      return;
    case 'step': {
      const s = current();
      await s.step();
      await autosave(s);
      return;
    }
    case 'stop':
      await session?.stop();
      return;
    case 'exportCheckpoint': {
      const s = current();
      const wasRunning = s.state === 'running';
      if (wasRunning) await s.pause();
      const bytes = await s.checkpointBytesAsync({ best: msg.best, optimizer: !msg.best });
      const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const name = `student-${s.hyper.mode}-${requireData().d.fingerprint.slice(0, 8)}-e${s.trainer.currentEpoch}-s${s.steps}${msg.best ? '-best' : ''}.safetensors`;
      post({ type: 'checkpoint', bytes: buf, name, epoch: s.trainer.currentEpoch, step: s.steps }, [buf]);
      if (wasRunning) s.start().catch((e) => fail(e, 'training'));
      return;
    }
    case 'loadCheckpoint':
      loadBytes(new Uint8Array(msg.bytes), msg.name ?? 'uploaded checkpoint');
      return;
    case 'resumeSaved':
      return resumeSaved();
    case 'clearSaved':
      await del(savedKey());
      post({ type: 'saved', info: null });
      return;
  }
}

let queue: Promise<void> = Promise.resolve();

ctx.onmessage = (ev: MessageEvent<TrainRequest>) => {
  const msg = ev.data;
  queue = queue.then(() => handle(msg)).catch((e) => {
    fail(e, msg.type);
    if (msg.type === 'init') state('stopped', 'initialisation failed');
  });
};
