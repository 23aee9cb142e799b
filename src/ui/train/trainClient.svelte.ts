// Page side of the training worker: owns the Worker, calls its methods through comlink, and keeps
// the reactive state the training panel renders (backend, run state, metric series, epochs,
// checkpoints) for the student and the teacher. No tensor math here: the worker does all of it.
import * as Comlink from 'comlink';
import type { BackendInfo } from '../../lib/runtime/backend';
import type { SessionEpochRecord, SessionMetrics } from '../../lib/train/session';
import type { EpochRecord } from '../../lib/train/studentTrainer';
import type { TeacherSessionEpoch, TeacherSessionMetrics } from '../../lib/train/teacherSession';
import type { TripProbe } from '../../lib/train/tripProbe';
import type {
  Configured,
  DatasetSource,
  DatasetSummary,
  LoadedInfo,
  SavedLists,
  StepProgress,
  TeacherHyper,
  TrainEvents,
  TrainHyper,
  TrainKind,
  TrainState,
  TrainWorkerApi,
} from '../../../workers/trainMessages';
import { MetricSeries, TeacherSeries } from '../../lib/train/chartSeries';
import { StepPace } from '../../lib/train/trainEta';
import { valCheckFromUrl, type ValCheckOptions, type ValPoint } from '../../lib/train/valCheck';
import { FINE_TUNE_VAL_CHECK } from '../../lib/train/fineTune';
import { downloadFile } from '../download';
import { sameSource, trainSample, withDataset } from '../stores/dataset.svelte';
import { CITIES, cityCheckpointUrl, cityNamed, type City } from '../stores/cities';
import { poolSize } from '../workerPool';
import { epochLabel } from './savedRunText';

/**
 * Data-parallel training workers by default: 1. Each helper holds its own copy of the dataset,
 * the model, its optimiser state and the teacher, and every step waits for the slowest worker and
 * the gradient exchange, so more workers pay off only for batches large enough per worker (and on
 * WebGPU the workers share one device). The user raises it (1 … navigator.hardwareConcurrency) or
 * the URL does (`?trainWorkers=N`).
 */
export const DEFAULT_TRAIN_WORKERS = 1;

/** The Train view's starting workers setting: `?trainWorkers=N` (1–16), else DEFAULT_TRAIN_WORKERS. */
export const trainWorkersFromUrl = (search: string): number =>
  poolSize(search, DEFAULT_TRAIN_WORKERS, 'trainWorkers', DEFAULT_TRAIN_WORKERS);

/** The most workers the setting offers: every core the browser reports (at least the URL's number). */
export const maxTrainWorkers = (search: string, hardwareConcurrency: number | undefined): number =>
  Math.max(trainWorkersFromUrl(search), hardwareConcurrency ?? 1);

/** `?wasmThreads=N` (1–16): tfjs-wasm threads for the training workers (1: the single-threaded build, as without it); else undefined. */
export function wasmThreadsFromUrl(search: string): number | undefined {
  const n = Number(new URLSearchParams(search).get('wasmThreads'));
  return Number.isInteger(n) && n >= 1 ? Math.min(16, n) : undefined;
}

export interface UrlOptions {
  backend: string | null;
  /** `?mode=teacher` opens the teacher mode. */
  kind: TrainKind;
  hyper: Partial<TrainHyper>;
  teacherHyper: Partial<TeacherHyper>;
}

const NUM_KEYS = ['lambda', 'tau', 'window', 'lr', 'batch', 'epochs', 'seed', 'alpha', 'maxLen'] as const;
const TEACHER_NUM_KEYS = ['lr', 'batch', 'epochs', 'seed', 'layers', 'heads', 'embd', 'block', 'dropout'] as const;

/** `?backend=webgpu&mode=distilled&batch=4&epochs=2&size=small&freeze=1…` → options (test-friendly). */
export function optionsFromUrl(search: string): UrlOptions {
  const q = new URLSearchParams(search);
  const num = (k: string): number | undefined => {
    const v = q.get(k);
    return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  const hyper: Partial<TrainHyper> = {};
  for (const k of NUM_KEYS) {
    const v = num(k);
    if (v !== undefined) hyper[k] = v;
  }
  if (hyper.batch !== undefined) hyper.microBatch = hyper.batch;
  const teacherHyper: Partial<TeacherHyper> = {};
  for (const k of TEACHER_NUM_KEYS) {
    const v = num(k);
    if (v !== undefined) teacherHyper[k] = v;
  }
  const mode = q.get('mode');
  if (mode === 'vanilla' || mode === 'distilled') hyper.mode = mode;
  const size = q.get('size');
  if (size === 'small' || size === 'default') hyper.size = size;
  // Boolean flags: `?freeze=1` freezes the road/zone encoders (also a fast path for e2e runs on a
  // software WebGPU adapter, where the encoders' backward pass takes minutes per step).
  const flag = (k: string): boolean | undefined => {
    const v = q.get(k);
    return v === null ? undefined : v === '' || v === '1' || v === 'true';
  };
  const freeze = flag('freeze');
  if (freeze !== undefined) hyper.freezeEncoders = freeze;
  const lastStep = flag('lastStepOnly');
  if (lastStep !== undefined) hyper.lastStepOnly = lastStep;
  return { backend: q.get('backend'), kind: mode === 'teacher' ? 'teacher' : 'student', hyper, teacherHyper };
}

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  /** A button the notice offers (e.g. a transfer from a checkpoint of another network). */
  action?: { label: string; run: () => void };
}

/** A step on a slow backend: how long it has run, and whether that is too long to wait for. */
export interface StepClock extends StepProgress {
  /** The step has run longer than SLOW_STEP_MS on a backend other than wasm/cpu. */
  slow: boolean;
}

/** A first step longer than this on a GPU backend is "too slow": the page offers wasm. */
export const SLOW_STEP_MS = 60_000;

/** "Continue on wasm" waits this long for the worker to pause (finish its step and save) before it drops it. */
export const SWITCH_PAUSE_WAIT_MS = 10_000;

/** Whether the page offers "Continue on wasm" for this backend: cpu, or a GPU backend on a software renderer. */
export const wasmIsFaster = (b: BackendInfo | null): boolean =>
  !!b && (b.name === 'cpu' || (b.name === 'webgpu' && b.software) || (b.name === 'webgl' && b.softwareWebgl));

/** A fine-tune's early val checks (the whole val set, FINE_TUNE_VAL_CHECK); `?valEvery=&valTrips=` still win. */
const fineTuneValCheck = (): ValCheckOptions => valCheckFromUrl(location.search, FINE_TUNE_VAL_CHECK);

/** The city whose checkpoints folder holds the teacher for `source`: a city served by name, else Porto. */
export function teacherCity(source: DatasetSource): City {
  return (source.kind === 'url' ? cityNamed(source.name) : undefined) ?? CITIES[0];
}

export class TrainClient {
  backend = $state.raw<BackendInfo | null>(null);
  dataset = $state.raw<DatasetSummary | null>(null);
  state = $state<TrainState>('loading');
  stateReason = $state<string | null>(null);
  progress = $state<string | null>('starting the training worker');
  /** Why the worker could not start (no training trips, unreadable files …): shown instead of progress. */
  startError = $state<string | null>(null);
  /** The kind of the current run (what play/step/stop act on). */
  kind = $state<TrainKind>('student');
  hyper = $state.raw<TrainHyper | null>(null);
  teacherHyper = $state.raw<TeacherHyper | null>(null);
  studentParams = $state(0);
  teacherParams = $state(0);
  stepsPerEpoch = $state(0);
  latest = $state.raw<SessionMetrics | null>(null);
  teacherLatest = $state.raw<TeacherSessionMetrics | null>(null);
  epochs = $state.raw<(SessionEpochRecord | EpochRecord)[]>([]);
  teacherEpochs = $state.raw<TeacherSessionEpoch[]>([]);
  /** The runs auto-saved in this browser for the worker's network, per kind, newest first. */
  saved = $state.raw<SavedLists>({ student: [], teacher: [] });
  /** The saved run the current run autosaves into (its slot); null before its first save. */
  runId = $state<string | null>(null);
  notice = $state.raw<Notice | null>(null);
  /**
   * The shipped students' val decision accuracy (best epoch, from their training logs), drawn as
   * reference lines in the accuracy chart: the number a run here can be set beside. Null where the
   * dataset on screen is not the city they were trained on.
   */
  shippedAcc = $state.raw<{ vanilla: number | null; distilled: number | null }>({ vanilla: null, distilled: null });
  /** The shipped students' val decision NLL (best epoch, same logs): the reference lines of the NLL chart. */
  shippedNll = $state.raw<{ vanilla: number | null; distilled: number | null }>({ vanilla: null, distilled: null });
  /** The step in progress on a slow backend (null between steps); `lastStepMs` once one finished. */
  stepClock = $state.raw<StepClock | null>(null);
  lastStepMs = $state<number | null>(null);
  /** Data-parallel workers asked for (the Train view's setting; student runs only). */
  workers = $state(typeof location === 'undefined' ? DEFAULT_TRAIN_WORKERS : trainWorkersFromUrl(location.search));
  /** Workers training the run as the worker last said (1 until a start with more). */
  workersInUse = $state(1);
  /** Set when the GPU failed (lost device, out of memory): the run is paused, wasm is offered. */
  gpuFailure = $state<string | null>(null);
  /**
   * Set when a checkpoint was loaded (saved run or upload): where its run stopped, so the counters
   * show that position before the first new step. `seq` changes on every load.
   */
  resumedAt = $state.raw<{ epoch: number; step: number; seq: number } | null>(null);
  /** The student's choices on the probe trip (drawn on the map), with the epoch and step they show. */
  probe = $state.raw<{ probe: TripProbe; epoch: number; step: number } | null>(null);
  /** Steps were taken since the last auto-save: replacing the worker now would lose them. */
  unsaved = $state(false);
  /** The dataset the worker trains on (null until started): compared with the one on screen. */
  source = $state.raw<DatasetSource | null>(null);
  /** The early val points of the current student run (the fixed val subset, between epoch ends). */
  valPoints = $state.raw<ValPoint[]>([]);
  /** The current student run started from the shipped student (the fine-tune preset). */
  fineTuned = $state(false);
  /** Pause was pressed and the worker has not answered yet (it finishes the step in progress first). */
  pausing = $state(false);
  /** Steps per second, smoothed over the last few steps (StepPace); null before the first record. */
  pace = $state<number | null>(null);
  /** Bumped whenever `series` or `teacherSeries` changes (the series objects are not reactive). */
  version = $state(0);
  readonly series = new MetricSeries();
  readonly teacherSeries = new TeacherSeries();

  private readonly stepPace = new StepPace();
  private worker: Worker | null = null;
  private api: Comlink.Remote<TrainWorkerApi> | null = null;
  private opts: UrlOptions | null = null;
  private baseUrl = '/';

  /**
   * Starts the worker on `source` (default: the embedded Porto set). A different source than the
   * running worker's replaces the worker: its run, if any, was auto-saved under its own network's
   * fingerprint and can be resumed when that dataset is open again.
   */
  start(opts: UrlOptions, baseUrl: string, source?: DatasetSource): void {
    const root = new URL(baseUrl, location.href);
    const src = source ?? { kind: 'url', baseUrl: new URL('data/porto/', root).href, name: 'Porto' };
    if (this.worker && this.source && sameSource(this.source, src)) return;
    if (this.worker) this.reset();
    this.source = src;
    this.opts = opts;
    this.baseUrl = baseUrl;
    this.kind = opts.kind;
    void this.boot(opts.backend);
  }

  /** Drops the worker and everything it reported (before starting one on another dataset). */
  private reset(): void {
    this.dispose();
    this.backend = null;
    this.dataset = null;
    this.state = 'loading';
    this.stateReason = null;
    this.progress = 'starting the training worker';
    this.startError = null;
    this.hyper = null;
    this.teacherHyper = null;
    this.studentParams = 0;
    this.teacherParams = 0;
    this.stepsPerEpoch = 0;
    this.saved = { student: [], teacher: [] };
    this.notice = null;
    this.stepClock = null;
    this.gpuFailure = null;
    this.clearRun();
  }

  /** Starts a worker on `backend` and initialises it; resolves once it is ready (or failed). */
  private async boot(backend: string | null): Promise<boolean> {
    this.worker = new Worker(new URL('../../../workers/trainWorker.ts', import.meta.url), { type: 'module' });
    this.worker.onerror = (ev) => {
      this.notice = { kind: 'error', text: `Training worker failed: ${ev.message || 'unknown error'}` };
    };
    const api = Comlink.wrap<TrainWorkerApi>(this.worker);
    this.api = api;
    const root = new URL(this.baseUrl, location.href);
    const dataset: DatasetSource = this.source ?? { kind: 'url', baseUrl: new URL('data/porto/', root).href, name: 'Porto' };
    try {
      const msg = await withDataset(
        {
          backend,
          wasmThreads: wasmThreadsFromUrl(location.search),
          // The city's own teacher (Porto's ships; a local city's is there when the user put it
          // there); on another network the worker refuses Porto's and says why.
          teacherUrl: cityCheckpointUrl(teacherCity(dataset), 'teacher'),
          valCheck: valCheckFromUrl(location.search),
        },
        dataset,
        [],
        // A set too big to train on whole in a tab comes as a seeded sample (data/bigDataset.ts).
        trainSample,
      );
      const ready = await api.init(msg, Comlink.proxy(this.events()));
      // Replaced meanwhile (another dataset on screen): this worker's answer is stale.
      if (this.api !== api) return false;
      this.backend = ready.backend;
      this.dataset = ready.dataset;
      this.saved = ready.saved;
      this.progress = null;
      if (dataset.kind === 'url') void this.loadShippedAcc(teacherCity(dataset), ready.dataset.fingerprint);
      return true;
    } catch (e) {
      if (this.api === api) {
        this.progress = null;
        this.startError = e instanceof Error ? e.message : String(e);
      }
      return false;
    }
  }

  private async loadShippedAcc(city: City, fingerprint: string): Promise<void> {
    type Best = { valAccDecision?: number; valNllDecision?: number };
    const one = async (name: string): Promise<Best | null> => {
      try {
        const res = await fetch(cityCheckpointUrl(city, name, '.log.json'));
        if (!res.ok) return null;
        const log = (await res.json()) as { fingerprint?: string; bestEpoch?: number; epochs?: Best[] };
        if (log.fingerprint !== fingerprint || log.bestEpoch === undefined) return null;
        return log.epochs?.[log.bestEpoch] ?? null;
      } catch {
        return null; // no log shipped: no reference line
      }
    };
    const finite = (v: number | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const [vanilla, distilled] = [await one('vanilla'), await one('distilled')];
    this.shippedAcc = { vanilla: finite(vanilla?.valAccDecision), distilled: finite(distilled?.valAccDecision) };
    this.shippedNll = { vanilla: finite(vanilla?.valNllDecision), distilled: finite(distilled?.valNllDecision) };
  }

  /** The callbacks the worker reports through (runs on this thread). */
  private events(): TrainEvents {
    return {
      progress: (phase, loaded, total) => {
        // A progress message can arrive after the worker gave up starting: the error stands.
        if (this.startError) return;
        this.progress = `${phase}${total ? ` ${loaded}/${total}` : ''}`;
      },
      state: (state, reason) => {
        this.state = state;
        this.stateReason = reason ?? null;
        if (state !== 'running') this.pausing = false;
        if (state !== 'running') this.stepClock = null;
        // A "Loaded …" notice describes the run that just ended: it must not outlive Stop.
        if (state === 'stopped' && this.notice?.kind === 'info') this.notice = null;
        if (reason && (state === 'stopped' || state === 'done')) this.notice = { kind: 'info', text: reason };
      },
      metrics: (m) => {
        this.unsaved = true;
        this.latest = m;
        this.series.pushMetrics(m);
        this.stepDone(m.stepsPerSec, m.samples);
        this.version++;
      },
      valPoint: (p) => {
        this.valPoints = [...this.valPoints, p];
        this.series.pushValPoint(p);
        this.version++;
      },
      epoch: (r) => {
        this.epochs = [...this.epochs, r];
        this.series.pushEpoch(r);
        this.version++;
      },
      teacherMetrics: (m) => {
        this.unsaved = true;
        this.teacherLatest = m;
        this.teacherSeries.pushMetrics(m);
        this.stepDone(m.stepsPerSec, m.samples);
        this.version++;
      },
      teacherEpoch: (r) => {
        this.teacherEpochs = [...this.teacherEpochs, r];
        this.teacherSeries.pushEpoch(r);
        this.version++;
      },
      stepProgress: (p) => {
        const gpu = this.backend?.name !== 'wasm' && this.backend?.name !== 'cpu';
        // Only a step that keeps the page waiting is worth a line (a fast backend never shows it).
        this.stepClock = p.elapsedMs >= 2_000 ? { ...p, slow: gpu && p.elapsedMs > SLOW_STEP_MS } : null;
      },
      saved: (kind, runs, current) => {
        this.saved = { ...this.saved, [kind]: runs };
        if (kind !== this.kind || current === null) return;
        this.runId = current;
        // Saved up to the last step shown: nothing is lost if the worker goes now.
        const mine = runs.find((r) => r.id === current);
        const shown = (kind === 'teacher' ? this.teacherLatest?.step : this.latest?.step) ?? 0;
        if (mine && mine.step >= shown) this.unsaved = false;
      },
      probe: (probe, epoch, step) => {
        this.probe = { probe, epoch, step };
      },
      workers: (n, reason) => {
        this.workersInUse = n;
        // Fell back to one worker (a helper failed or did not start): the setting follows.
        if (reason) this.workers = 1;
      },
      error: (message, during) => {
        if (during === 'gpu') this.gpuFailure = message;
        this.notice = { kind: 'error', text: message };
      },
    };
  }

  private stepDone(stepsPerSec: number, steps = 1): void {
    this.stepClock = null;
    this.stepPace.add(stepsPerSec, steps);
    this.pace = this.stepPace.stepsPerSec;
    const s = this.stepPace.secondsPerStep;
    if (s !== null) this.lastStepMs = 1000 * s;
  }

  private error(e: unknown): void {
    this.notice = { kind: 'error', text: e instanceof Error ? e.message : String(e) };
  }

  /** Calls the worker; a rejection becomes the notice (with the worker's reason). */
  private call<R>(fn: (api: Comlink.Remote<TrainWorkerApi>) => Promise<R>): Promise<R | undefined> {
    if (!this.api) return Promise.resolve(undefined);
    return fn(this.api).catch((e: unknown) => {
      this.error(e);
      return undefined;
    });
  }

  private clearRun(): void {
    this.resumedAt = null;
    this.fineTuned = false;
    this.runId = null;
    this.series.clear();
    this.teacherSeries.clear();
    this.epochs = [];
    this.teacherEpochs = [];
    this.latest = null;
    this.teacherLatest = null;
    this.lastStepMs = null;
    this.valPoints = [];
    this.stepPace.reset();
    this.pace = null;
    this.version++;
  }

  private applyConfigured(c: Configured): void {
    this.unsaved = false;
    this.kind = c.kind;
    this.stepsPerEpoch = c.stepsPerEpoch;
    if (c.kind === 'teacher') {
      this.teacherHyper = c.hyper;
      this.teacherParams = c.params;
    } else {
      this.hyper = c.hyper;
      this.studentParams = c.params;
    }
  }

  /** A new student run with these settings. */
  configure(hyper: Partial<TrainHyper>): Promise<unknown> {
    this.clearRun();
    this.probe = null;
    this.kind = 'student';
    // $state proxies cannot be structured-cloned: post a plain copy.
    const plain = $state.snapshot(hyper) as Partial<TrainHyper>;
    return this.call<Configured>((api) => api.configure({ kind: 'student', hyper: plain })).then((c) => c && this.applyConfigured(c));
  }

  /**
   * Fine-tune: a new student run with these settings (the shipped recipe, distilled) that starts
   * from the city's shipped vanilla student (its weights, a fresh optimiser).
   */
  async fineTune(hyper: Partial<TrainHyper>): Promise<boolean> {
    const src = this.source;
    if (!src) return false;
    this.clearRun();
    this.probe = null;
    this.kind = 'student';
    this.notice = null;
    const plain = $state.snapshot(hyper) as Partial<TrainHyper>;
    const info = await this.call((api) => api.fineTune(cityCheckpointUrl(teacherCity(src), 'vanilla'), plain, fineTuneValCheck()));
    if (!info) return false;
    this.applyConfigured(info.configured);
    this.fineTuned = true;
    this.notice = { kind: 'info', text: info.message };
    return true;
  }

  /** A new teacher run with these settings. */
  configureTeacher(hyper: Partial<TeacherHyper>): Promise<unknown> {
    this.clearRun();
    this.kind = 'teacher';
    const plain = $state.snapshot(hyper) as Partial<TeacherHyper>;
    return this.call<Configured>((api) => api.configure({ kind: 'teacher', hyper: plain })).then((c) => c && this.applyConfigured(c));
  }

  play(): void {
    void this.call((api) => api.start({ workers: this.kind === 'teacher' ? 1 : this.workers }));
  }

  /** Says "pausing…" at once: the worker answers after the step in progress, which can take seconds. */
  pause(): void {
    if (this.state === 'running') this.pausing = true;
    void this.call((api) => api.pause()).finally(() => {
      if (this.state !== 'running') this.pausing = false;
    });
  }

  step(): void {
    void this.call((api) => api.step());
  }

  stop(): void {
    void this.call((api) => api.stop());
  }

  async download(best: boolean): Promise<void> {
    const file = await this.call((api) => api.exportCheckpoint(best));
    // The worker cannot start a download; the main thread hands the bytes to the browser.
    if (file) downloadFile(file.name, file.bytes, 'application/octet-stream');
  }

  /** Loads a checkpoint file of `kind` (the mode the panel is in); another kind is refused. */
  async upload(file: File, kind: TrainKind): Promise<void> {
    const bytes = await file.arrayBuffer();
    const loaded = await this.call((api) => api.loadCheckpoint(Comlink.transfer(bytes, [bytes]), file.name, kind));
    if (loaded) this.applyLoaded(loaded);
    // A student of another road network cannot continue here, but it can start a run here: offer
    // that explicitly, next to the reason it was refused.
    else if (kind === 'student' && this.notice?.kind === 'error' && /different road network/.test(this.notice.text))
      this.notice = {
        ...this.notice,
        action: { label: 'Start a transfer from it', run: () => void this.transfer(file) },
      };
  }

  /** A new student run started from a student checkpoint of another road network (region transfer). */
  async transfer(file: File): Promise<void> {
    const bytes = await file.arrayBuffer();
    const name = file.name;
    this.clearRun();
    this.probe = null;
    this.kind = 'student';
    this.notice = null;
    const info = await this.call((api) => api.transferFrom(Comlink.transfer(bytes, [bytes]), name));
    if (!info) return;
    this.applyConfigured(info.configured);
    this.notice = { kind: 'info', text: info.message };
  }

  /**
   * Resumes saved run `id` (default: the newest of `kind`) where it was saved: training again when
   * it was training then (unless `paused`), else paused.
   */
  async resumeSaved(kind: TrainKind, id?: string, paused = false, valCheck?: ValCheckOptions): Promise<void> {
    const loaded = await this.call((api) => api.resumeSaved(kind, id, valCheck));
    if (!loaded) return;
    this.applyLoaded(loaded);
    if (loaded.running && !paused && loaded.state !== 'done') this.play();
  }

  /** Downloads a saved run's checkpoint as it was last saved. */
  async downloadSaved(kind: TrainKind, id: string): Promise<void> {
    const file = await this.call((api) => api.savedCheckpoint(kind, id));
    if (file) downloadFile(file.name, file.bytes, 'application/octet-stream');
  }

  renameSaved(kind: TrainKind, id: string, name: string): void {
    void this.call((api) => api.renameSaved(kind, id, name));
  }

  deleteSaved(kind: TrainKind, id: string): void {
    void this.call((api) => api.deleteSaved(kind, id));
  }

  /** Bytes of the teacher trained in this session when distillation uses it (for the tuning panel), else null. */
  async sessionTeacher(): Promise<ArrayBuffer | null> {
    if (this.dataset?.teacher.source !== 'session') return null;
    return (await this.call((api) => api.sessionTeacher())) ?? null;
  }

  /** Distillation uses the teacher of the current teacher run from now on. */
  async useTrainedTeacher(): Promise<void> {
    const info = await this.call((api) => api.useTrainedTeacher());
    if (info && this.dataset) {
      this.dataset = { ...this.dataset, teacher: info };
      this.notice = { kind: 'info', text: `Distillation now uses the ${info.note ?? 'trained teacher'}.` };
    }
  }

  /**
   * "Continue on wasm" (a slow or software backend) and the resume after a GPU failure: a fresh
   * worker on wasm goes on with the same run at the same step. A live worker is paused first, which
   * finishes its step and saves the run (a paused one saves it again); one that does not answer within SWITCH_PAUSE_WAIT_MS (a step
   * of minutes) or has lost its GPU is dropped, and the run resumes from its last save, which on a
   * slow backend is the last step shown (trainRun.ts SAVE_EACH_STEP_OVER_MS). A run that was
   * training trains on; a fine-tune stays one; a run set up but not yet stepped is set up again.
   */
  async resumeOnWasm(): Promise<void> {
    const kind = this.kind;
    const failed = this.gpuFailure !== null;
    const wasRunning = this.state === 'running' && !failed;
    const fineTuned = this.fineTuned;
    const hyper = kind === 'teacher' ? this.teacherHyper : this.hyper;
    const api = this.api;
    this.progress = 'pausing the run to continue it on wasm';
    // Calls to the worker run one after another: the pause also waits for a Step (and its save) in flight.
    if (api && !failed) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<void>((r) => (timer = setTimeout(r, SWITCH_PAUSE_WAIT_MS)));
      await Promise.race([api.pause().catch(() => undefined), waited]);
      clearTimeout(timer);
    }
    // The pause's save may have opened the run's slot just now.
    const runId = this.runId;
    this.dispose();
    this.gpuFailure = null;
    this.notice = null;
    this.startError = null;
    this.state = 'loading';
    this.progress = 'restarting the training worker on wasm';
    this.backend = null;
    this.stepClock = null;
    if (!(await this.boot('wasm'))) return;
    const mine = runId === null ? undefined : this.saved[kind].find((r) => r.id === runId);
    if (mine) {
      await this.resumeSaved(kind, mine.id, true, fineTuned ? fineTuneValCheck() : undefined);
      this.fineTuned = fineTuned;
      if (wasRunning) this.play();
    } else if (hyper && kind === 'student') {
      // Nothing saved yet (no step taken): the same run, set up again.
      if (fineTuned) await this.fineTune(hyper as TrainHyper);
      else await this.configure(hyper as TrainHyper);
    } else if (hyper) await this.configureTeacher(hyper as TeacherHyper);
    else this.notice = { kind: 'info', text: `Now on wasm. There was no ${kind} run to continue: Train starts a new one.` };
  }

  /** The device-loss drill (e2e, `?drill=1`): destroys the worker's WebGPU device. */
  loseGpuDevice(): Promise<boolean | undefined> {
    return this.call((api) => api.loseGpuDevice());
  }

  private applyLoaded(m: LoadedInfo): void {
    const seq = (this.resumedAt?.seq ?? 0) + 1;
    this.clearRun();
    this.applyConfigured(m.configured);
    // The charts and readouts as they were when the run was saved (the worker rebuilt them from
    // the epochs when the run had none saved).
    if (m.chart.kind === 'teacher') {
      this.teacherSeries.restore(m.chart.series);
      this.teacherLatest = m.chart.latest;
    } else {
      this.series.restore(m.chart.series);
      this.latest = m.chart.latest;
    }
    this.epochs = m.history;
    this.teacherEpochs = m.teacherHistory;
    this.runId = m.runId;
    this.resumedAt = { epoch: m.epoch, step: m.step, seq };
    this.unsaved = false;
    this.version++;
    const run = m.runId === null ? undefined : this.saved[m.configured.kind].find((r) => r.id === m.runId);
    const weights = m.bestEpoch !== null && m.bestEpoch !== m.epoch ? ` (weights of epoch ${m.bestEpoch}, its best on val)` : '';
    const at = `${epochLabel(m.epoch, m.configured.hyper.epochs)}, step ${m.step}`;
    this.notice = { kind: 'info', text: `Loaded ${m.name}: ${at}${weights}${run ? ` (${run.name})` : ''}.` };
  }

  dispose(): void {
    this.api?.[Comlink.releaseProxy]();
    this.api = null;
    this.worker?.terminate();
    this.worker = null;
  }
}

/**
 * The one training client of the page. It outlives the Train view: switching to another view and
 * back keeps the worker, the run and its charts (issue: switching tabs killed training).
 */
export const trainClient = new TrainClient();

// `?drill=1` exposes the device-loss drill to tests: nothing else reaches the
// worker's GPU device from the page.
if (typeof location !== 'undefined' && new URLSearchParams(location.search).has('drill')) {
  (globalThis as { trajdistillDrill?: { loseGpuDevice(): Promise<boolean | undefined> } }).trajdistillDrill = {
    loseGpuDevice: () => trainClient.loseGpuDevice(),
  };
}

// A closing or reloading tab would end a run in progress: ask first. Pauses and finished epochs are
// auto-saved, so an unsaved loss is only the steps since the last of those.
if (typeof addEventListener === 'function') {
  addEventListener('beforeunload', (ev) => {
    if (trainClient.state === 'running') ev.preventDefault();
  });
}
