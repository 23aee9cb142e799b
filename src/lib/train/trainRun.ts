// The Train view's run, with everything the training worker keeps between messages: the current
// session (student or teacher, opened by openSession.ts), the teacher distillation uses, the
// run's slot among the saved runs and its autosaves, the charts saved with them, and whether the
// GPU failed. The worker (workers/trainWorker.ts) holds one TrainRun and turns messages into its
// calls; the run reports through TrainRunEvents.
//
// Runs are auto-saved after their first step, at every epoch end, pause, stop and single step and,
// while running, at least every `autosaveEveryMs`, each run into its own slot (savedRuns.ts: per
// kind and network fingerprint) with its chart history.
//
// Framework-free: no DOM, no worker globals. The store (IndexedDB in the worker, a Map in tests)
// and the clock are handed in.
import type { Checkpoint } from '../checkpoint/checkpoint';
import { loadTeacher } from '../checkpoint/loadModel';
import type { Derived } from '../data/derivedTypes';
import { tripsFingerprint } from '../data/fingerprint';
import type { Dataset } from '../data/types';
import type { TeacherModel } from '../models/teacher';
import type { StudentConfig } from '../models/studentConfig';
import { defaultClock, type Clock } from '../runtime/clock';
import { MetricSeries, TeacherSeries } from './chartSeries';
import { openSession, type AnySession, type OpenedSession, type OpenSessionRequest, type SessionSetup } from './openSession';
import { SavedRuns, type KeyValueStore, type RunChart, type SavedRunInfo } from './savedRuns';
import { TrainingSession, type SessionEpochRecord, type SessionMetrics } from './session';
import { normaliseHyper, type SessionHyper } from './sessionHyper';
import { TeacherSession, type TeacherSessionEpoch, type TeacherSessionMetrics } from './teacherSession';
import { normaliseTeacherHyper, type TeacherHyper } from './teacherHyper';
import { pickProbeTrip, probeTrip } from './tripProbe';
import { DEFAULT_VAL_CHECK, type ValCheckOptions, type ValPoint } from './valCheck';
import type { GradHelperPool, StartGradHelpers } from './gradHelpers';
import type {
  CheckpointOut,
  Configured,
  DatasetSummary,
  LoadedInfo,
  SavedLists,
  StepProgress,
  TeacherInfo,
  TrainKind,
  TrainRunEvents,
  TrainState,
  TransferInfo,
} from './trainRunTypes';

/** While a run goes on, an autosave at least this often (a lost GPU then loses at most this). */
export const AUTOSAVE_EVERY_MS = 60_000;
/**
 * A step that took at least this long is saved as soon as it ends: on a slow backend (a software GPU,
 * 40 s a step) the save costs little beside the step, and "Continue on wasm" then resumes the run at
 * the step the page shows, not at the last minute's save.
 */
export const SAVE_EACH_STEP_OVER_MS = 5_000;

export interface TrainRunOptions {
  events: TrainRunEvents;
  /** Where the saved runs live (idb-keyval's functions in the worker). */
  store: KeyValueStore;
  now?: Clock;
  autosaveEveryMs?: number;
  /** Rate bound of metrics records (default 100 ms). */
  minEmitMs?: number;
  yieldFn?: () => Promise<void>;
  /** Overrides of the student's size preset (tests use a tiny model). */
  studentConfig?: Partial<StudentConfig>;
  /** Starts data-parallel gradient helpers (the worker's Web Workers); absent: one worker only. */
  gradHelpers?: StartGradHelpers;
  /** Early val points of student runs between epoch ends (valCheck.ts); default DEFAULT_VAL_CHECK. */
  valCheck?: ValCheckOptions;
}

/** The helpers of one run of the loop: started with it, ended when it ends. */
interface Helpers {
  pool: GradHelperPool;
  session: TrainingSession;
  size: number;
  /** Set when a helper failed (before the exchange rejects rank 0's step). */
  failure: { error: Error | null };
}

/**
 * A session's events as the run handles them: each record goes to its chart first (the chart is
 * saved with the run), then to the page; after an epoch's record, `afterEpoch` (probe, autosave).
 */
function chartedEvents<M, R>(
  chart: { pushMetrics(m: M): void; pushEpoch(r: R): void },
  send: { metrics(m: M): void; epoch(r: R): void },
  afterEpoch: () => Promise<void>,
  state: (st: TrainState, reason?: string) => void,
) {
  return {
    metrics: (m: M) => {
      chart.pushMetrics(m);
      send.metrics(m);
    },
    epoch: async (r: R) => {
      chart.pushEpoch(r);
      send.epoch(r);
      await afterEpoch();
    },
    state,
  };
}

/** What a run trains on, once the worker has booted. */
export interface TrainRunData {
  dataset: Dataset;
  derived: Derived;
  backendName: string;
  /** The app's teacher checkpoint: its URL (absent: none given) and bytes (null: not found). */
  shippedTeacher: { url?: string; bytes: Uint8Array | null };
}

interface Ready {
  dataset: Dataset;
  derived: Derived;
  backendName: string;
  runs: SavedRuns;
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const stem = (name: string): string => name.replace(/\.(safetensors|ckpt)$/i, '');

export class TrainRun {
  private readonly events: TrainRunEvents;
  private readonly store: KeyValueStore;
  private readonly now: Clock;
  private readonly autosaveEveryMs: number;
  private readonly opts: TrainRunOptions;
  private data: Ready | null = null;
  private teacher: TeacherModel | null = null;
  private teacherInfo: TeacherInfo = { loaded: false };
  /** Checkpoint bytes of the teacher trained in this session, once it drives distillation (for the tuning worker). */
  private sessionTeacherBytes: Uint8Array | null = null;
  private kind: TrainKind = 'student';
  private session: AnySession | null = null;
  private studentHyper: SessionHyper = normaliseHyper({});
  private teacherHyper: TeacherHyper = normaliseTeacherHyper({});
  /** The current run's slot among the saved runs; null until its first save (a new slot then). */
  private runId: string | null = null;
  /** The name a new slot gets (an uploaded file's), else the default name. */
  private slotName: string | undefined;
  /** The current run has been saved, or a save was tried (an unusable store is not retried each step). */
  private saveTried = false;
  private lastSave = 0;
  /** The current run's own early val checks (a fine-tune's: the whole val set), over opts.valCheck; null: those. */
  private runValCheck: ValCheckOptions | null = null;
  /** When the loop last was between two steps (null: not since the run started or resumed). */
  private lastBetweenSteps: number | null = null;
  /** The current run's charts and last metrics, as the page has them: saved with every autosave. */
  private readonly chart = new MetricSeries();
  private readonly teacherChart = new TeacherSeries();
  private latest: SessionMetrics | null = null;
  private teacherLatest: TeacherSessionMetrics | null = null;
  /** Store writes, one after another (autosaves come from the loop and from calls). */
  private storeQueue: Promise<unknown> = Promise.resolve();
  /** Set when the GPU failed: nothing more runs on this device. */
  private deviceFailure: string | null = null;
  /** Workers asked for (start's argument); student runs only, the teacher trains on one. */
  private workersAsked = 1;
  private helpers: Helpers | null = null;
  /** The distilling teacher's checkpoint bytes (shipped or trained here), for the helpers. */
  private teacherBytes: Uint8Array | null = null;

  constructor(opts: TrainRunOptions) {
    this.opts = opts;
    this.events = opts.events;
    this.store = opts.store;
    this.now = opts.now ?? defaultClock;
    this.autosaveEveryMs = opts.autosaveEveryMs ?? AUTOSAVE_EVERY_MS;
  }

  /** Reports a state to the page. After a GPU failure the run stays paused: a loop failing on the dead device later must not turn that into 'stopped'. */
  setState(s: TrainState, reason?: string): void {
    if (this.deviceFailure && s !== 'paused') return;
    void this.events.state(s, reason);
  }

  private fail(e: unknown, during?: string): void {
    void this.events.error(e instanceof Error ? e.message : String(e), during);
  }

  private ready(): Ready {
    if (!this.data) throw new Error('the worker is not initialised yet');
    return this.data;
  }

  private usable(): void {
    if (this.deviceFailure) throw new Error(`the GPU failed (${this.deviceFailure}); resume on wasm from the last autosave`);
  }

  private inStore<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.storeQueue.then(fn);
    this.storeQueue = run.catch(() => undefined);
    return run;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /** Takes the booted data and the shipped teacher; lists the saved runs (moving an earlier version's autosave in). */
  async attach(d: TrainRunData): Promise<{ dataset: DatasetSummary; saved: SavedLists }> {
    const trips = tripsFingerprint(d.dataset.splits.train);
    const runs = new SavedRuns(this.store, d.derived.fingerprint, undefined, { name: d.dataset.name, trips });
    this.data = { dataset: d.dataset, derived: d.derived, backendName: d.backendName, runs };
    const t = shippedTeacher(d.shippedTeacher, d.derived);
    this.teacher = t.model;
    this.teacherBytes = t.model ? d.shippedTeacher.bytes : null;
    this.teacherInfo = { loaded: t.model !== null, params: t.model?.paramCount, note: t.note, source: t.model ? 'shipped' : undefined };
    this.sessionTeacherBytes = null;
    const saved: SavedLists = { student: await this.listRuns('student', true), teacher: await this.listRuns('teacher', true) };
    this.setState('idle');
    return {
      dataset: {
        name: d.dataset.name,
        fingerprint: d.derived.fingerprint,
        trips,
        roads: d.dataset.network.roads.length,
        train: d.dataset.splits.train.length,
        val: d.dataset.splits.val.length,
        routes: d.dataset.routes?.length ?? 0,
        ...(d.dataset.sampledFrom ? { sampledFrom: d.dataset.sampledFrom } : {}),
        teacher: this.teacherInfo,
      },
      saved,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Sessions

  private configured(s: AnySession): Configured {
    if (s instanceof TeacherSession) {
      return {
        kind: 'teacher',
        hyper: s.hyper,
        params: s.model.paramCount,
        stepsPerEpoch: s.stepsPerEpoch,
        trainTrips: this.ready().dataset.splits.train.length,
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

  /** Everything a session of this run is built with; its callbacks find the session it belongs to through `self`. */
  private setup(self: () => AnySession | null): SessionSetup {
    const d = this.ready();
    const onState = (st: TrainState, reason?: string): void => {
      this.setState(st, reason);
      if (st === 'running' || st === 'stopped' || st === 'done') this.markRunning(st === 'running');
    };
    const mine = (): AnySession => {
      const s = self();
      if (!s) throw new Error('the session is not open yet');
      return s;
    };
    return {
      dataset: d.dataset,
      derived: d.derived,
      teacher: this.teacher ?? undefined,
      backendName: d.backendName,
      minEmitMs: this.opts.minEmitMs,
      yieldFn: this.opts.yieldFn,
      studentConfig: this.opts.studentConfig,
      betweenSteps: () => this.autosaveIfDue(mine()),
      valCheck: this.runValCheck ?? this.opts.valCheck ?? DEFAULT_VAL_CHECK,
      studentEvents: {
        ...chartedEvents<SessionMetrics, SessionEpochRecord>(
          this.chart,
          {
            metrics: (m) => void this.events.metrics((this.latest = m)),
            epoch: (r) => void this.events.epoch(r),
          },
          async () => {
            await this.postProbe(mine());
            await this.autosave(mine());
          },
          onState,
        ),
        // An early val point goes to the chart (saved with the run) and the page; the map's probe follows it.
        valPoint: async (p: ValPoint) => {
          this.chart.pushValPoint(p);
          void this.events.valPoint(p);
          await this.postProbe(mine());
        },
      },
      teacherEvents: chartedEvents<TeacherSessionMetrics, TeacherSessionEpoch>(
        this.teacherChart,
        {
          metrics: (m) => void this.events.teacherMetrics((this.teacherLatest = m)),
          epoch: (r) => void this.events.teacherEpoch(r),
        },
        () => this.autosave(mine()),
        onState,
      ),
    };
  }

  /**
   * Replaces the current run by a session opened as `req` asks (fresh, from a checkpoint, or a
   * transfer): a new run, whose first save opens a slot of its own.
   */
  private open(req: Omit<OpenSessionRequest, 'replaces'>): { session: AnySession; checkpoint: Checkpoint | null; message: string | null } {
    this.ready();
    this.usable();
    if (this.session?.state === 'running') throw new Error('pause training before changing its settings');
    this.closeHelpers();
    let opened: AnySession | null = null;
    const old = this.session;
    let disposed = false;
    // openSession disposes the old run once the request is checked, before the new model is built.
    const replaces = old
      ? {
          dispose: () => {
            old.dispose();
            disposed = true;
            this.kind = req.kind;
            this.clearRun(null);
          },
        }
      : null;
    let result: OpenedSession;
    try {
      result = openSession(
        this.setup(() => opened),
        { ...req, replaces },
      );
    } catch (e) {
      // Refused after the old run was disposed (another network, another size): no run is open now.
      if (disposed) this.setState('idle');
      throw e;
    }
    opened = result.session;
    this.clearRun(result.session);
    this.kind = req.kind;
    if (result.session instanceof TeacherSession) this.teacherHyper = result.session.hyper;
    else this.studentHyper = result.session.hyper;
    this.setState('idle');
    return { session: result.session, checkpoint: result.checkpoint, message: result.transfer?.message ?? null };
  }

  /** Forgets the run that was (its slot, charts, readouts); `next` becomes the current session. */
  private clearRun(next: AnySession | null): void {
    this.session = next;
    this.runId = null;
    this.slotName = undefined;
    this.saveTried = false;
    this.chart.clear();
    this.teacherChart.clear();
    this.latest = null;
    this.teacherLatest = null;
  }

  private current(): AnySession {
    return this.session ?? this.open({ kind: this.kind, hyper: this.kind === 'teacher' ? this.teacherHyper : this.studentHyper }).session;
  }

  /**
   * The student's choices along the fixed probe trip (tripProbe.ts), for the map. Sent for the
   * untrained student, after every epoch, on pause and after a checkpoint is loaded (student runs
   * only: the teacher has no roads to choose).
   */
  private async postProbe(s: AnySession, at?: { epoch: number; step: number }): Promise<void> {
    if (!(s instanceof TrainingSession) || this.deviceFailure) return;
    const { dataset } = this.ready();
    const trip = pickProbeTrip(dataset.splits.val) ?? pickProbeTrip(dataset.splits.train);
    if (!trip) return;
    try {
      const probe = await probeTrip(s.student, s.trainer.ctx, trip);
      void this.events.probe(probe, at?.epoch ?? s.trainer.currentEpoch, at?.step ?? s.steps);
    } catch (e) {
      this.fail(e, 'the map’s probe trip');
    }
  }

  /**
   * Runs the loop in the background (calls return at once, so pause/stop/step get through), with
   * the workers asked for: helpers are started from the run's state now and ended with the loop.
   */
  private async runInBackground(s: AnySession): Promise<void> {
    const h = await this.startHelpers(s);
    this.lastSave = this.now();
    this.lastBetweenSteps = this.lastSave;
    s.start().then(
      () => this.closeHelpers(h),
      (e: unknown) => {
        this.closeHelpers(h);
        if (h?.failure.error) this.helperFailed(h.session, h.failure.error);
        else if (!this.deviceFailure) this.fail(e, 'training');
      },
    );
  }

  /**
   * Data parallel (dataParallel.ts): workersAsked − 1 helpers start from this run's state and train
   * on their shards of every batch beside it. Student runs only; a teacher run trains on one worker.
   * Helpers that cannot start leave the run on one worker, with the reason.
   */
  private async startHelpers(s: AnySession): Promise<Helpers | null> {
    this.closeHelpers();
    const size = this.workersAsked;
    const start = this.opts.gradHelpers;
    if (!(s instanceof TrainingSession) || size <= 1 || !start || s.trainer.done || s.state === 'running') {
      if (s.state !== 'running') void this.events.workers(1);
      return null;
    }
    const { bytes } = await s.save({ optimizer: true });
    const failure: Helpers['failure'] = { error: null };
    let pool: GradHelperPool;
    try {
      pool = await start({
        size,
        backendName: this.ready().backendName,
        hyper: s.hyper,
        checkpoint: bytes,
        teacher: s.hyper.mode === 'distilled' ? this.teacherBytes : null,
        onFailure: (e) => {
          failure.error ??= e;
        },
      });
    } catch (e) {
      this.workersAsked = 1;
      const reason = `the ${size - 1} gradient helper worker${size > 2 ? 's' : ''} did not start (${(e as Error).message}): training on 1 worker`;
      void this.events.workers(1, reason);
      this.fail(reason, 'workers');
      return null;
    }
    const h: Helpers = { pool, session: s, size, failure };
    s.trainer.dataParallel = pool.exchange;
    this.helpers = h;
    void this.events.workers(size);
    return h;
  }

  /** Ends the helpers (`only`: those of one loop, if still current); the trainer goes back to its whole batches. */
  private closeHelpers(only?: Helpers | null): void {
    const h = this.helpers;
    if (!h || (only !== undefined && only !== h)) return;
    this.helpers = null;
    h.session.trainer.dataParallel = null;
    h.pool.close();
  }

  /** A helper failed: the run is paused, not lost (the failed step's batch comes again), and goes on with 1 worker. */
  private helperFailed(s: TrainingSession, e: Error): void {
    this.workersAsked = 1;
    if (this.session !== s) return;
    s.reopen();
    const reason = `a gradient helper worker failed (${e.message}): training paused at step ${s.steps}; it goes on with 1 worker`;
    this.setState(s.state === 'done' ? 'done' : 'paused', reason);
    void this.events.workers(1, reason);
    void this.events.error(reason, 'workers');
    void this.autosave(s);
  }

  /** A new run of `kind` with these settings (replaces the current run). */
  async configure(kind: TrainKind, hyper: Partial<SessionHyper> | Partial<TeacherHyper>): Promise<Configured> {
    this.runValCheck = null;
    const { session } = this.open({ kind, hyper });
    await this.postProbe(session);
    return this.configured(session);
  }

  /** Starts (or resumes) the run on `workers` workers (data parallel; student runs only). */
  async start(workers = 1): Promise<void> {
    this.usable();
    this.workersAsked = Number.isInteger(workers) && workers >= 1 ? workers : 1;
    await this.runInBackground(this.current());
  }

  /** Saved on every pause, not only at epoch ends: a reload or a closed tab then loses nothing. */
  async pause(): Promise<void> {
    const s = this.session;
    await s?.pause();
    if (s && s.steps > 0) {
      await this.postProbe(s);
      await this.autosave(s);
    }
  }

  /** One step on this worker alone (helpers would cost more to start than the step). */
  async step(): Promise<void> {
    this.usable();
    this.closeHelpers();
    const s = this.current();
    await s.step();
    await this.autosave(s);
  }

  /** Saved as stopped: a reload then offers it paused, not running. */
  async stop(): Promise<void> {
    const s = this.session;
    await s?.stop();
    if (s && s.steps > 0) await this.autosave(s);
  }

  /** Current weights with optimiser state (for resuming), or the best epoch's weights only. */
  async exportCheckpoint(best: boolean): Promise<CheckpointOut> {
    this.usable();
    const s = this.current();
    const wasRunning = s.state === 'running';
    if (wasRunning) await s.pause();
    const bytes = bufferOf((await s.save({ best, optimizer: !best })).bytes);
    const name = this.checkpointName(s instanceof TeacherSession ? 'teacher' : 'student', s.hyper, s.steps, best);
    if (wasRunning) await this.runInBackground(s);
    return { bytes, name };
  }

  /** A checkpoint file of `kind`: the run continues where the file's stopped, into a new slot named after it. */
  async loadCheckpoint(bytes: Uint8Array, name: string, kind: TrainKind): Promise<LoadedInfo> {
    this.runValCheck = null;
    const loaded = await this.load(bytes, name, kind);
    this.slotName = stem(name);
    await this.postList(kind);
    return loaded;
  }

  /** Region transfer: a new student run of this dataset started from another network's student. */
  async transferFrom(bytes: Uint8Array, name: string): Promise<TransferInfo> {
    this.runValCheck = null;
    const { session, message } = this.open({ kind: 'student', hyper: this.studentHyper, from: { bytes, name, use: 'transfer' } });
    this.slotName = `transfer from ${stem(name)}`;
    await this.postProbe(session);
    return { configured: this.configured(session), message: `Transfer from ${name}: ${message}.` };
  }

  /**
   * Fine-tune: a new student run with `hyper` that starts from a student checkpoint's weights (the
   * city's shipped student) with a fresh optimiser; another network or size is refused with the reason.
   * `valCheck`: its early val checks (fineTune.ts FINE_TUNE_VAL_CHECK), else the worker's.
   */
  async fineTune(bytes: Uint8Array, name: string, hyper: Partial<SessionHyper>, valCheck?: ValCheckOptions): Promise<TransferInfo> {
    this.runValCheck = valCheck ?? null;
    const { session } = this.open({ kind: 'student', hyper, from: { bytes, name, use: 'init' } });
    this.slotName = `fine-tune of ${stem(name)}`;
    await this.postProbe(session);
    return { configured: this.configured(session), message: `Fine-tune: starts from ${name}'s weights, with a fresh optimiser.` };
  }

  /**
   * Resumes a saved run (`id`, default the newest of `kind`), paused; its autosaves go on into its own
   * slot. `valCheck`: the run's own early val checks (a fine-tune's), else the worker's.
   */
  async resumeSaved(kind: TrainKind, id?: string, valCheck?: ValCheckOptions): Promise<LoadedInfo> {
    this.runValCheck = valCheck ?? null;
    const store = this.ready().runs;
    const pick = id ?? (await store.newestResumable(kind))?.id;
    if (!pick) throw new Error(`no saved ${kind} run for this dataset`);
    // load refuses a run trained on another dataset's trips (datasets can share a network).
    const rec = await store.load(kind, pick);
    const loaded = await this.load(rec.bytes, `saved ${kind} run`, kind, rec.chart);
    this.runId = rec.info.id;
    this.saveTried = true;
    this.lastSave = this.now();
    await this.postList(kind);
    return { ...loaded, runId: this.runId, running: rec.info.running };
  }

  /** A saved run's checkpoint file as it was last saved. */
  async savedCheckpoint(kind: TrainKind, id: string): Promise<CheckpointOut> {
    const rec = await this.ready().runs.load(kind, id);
    return { bytes: bufferOf(rec.bytes), name: this.checkpointName(kind, rec.info.hyper, rec.info.step) };
  }

  async renameSaved(kind: TrainKind, id: string, name: string): Promise<void> {
    const store = this.ready().runs;
    await this.inStore(() => store.rename(kind, id, name));
    await this.postList(kind);
  }

  async deleteSaved(kind: TrainKind, id: string): Promise<void> {
    const store = this.ready().runs;
    await this.inStore(() => store.remove(kind, id));
    await this.postList(kind);
  }

  /** Distillation from now on uses the teacher of the current teacher run (its best epoch). */
  async useTrainedTeacher(): Promise<TeacherInfo> {
    this.usable();
    const s = this.session;
    if (!(s instanceof TeacherSession)) throw new Error('no teacher run in this session: train or load a teacher first');
    if (s.state === 'running') await s.pause();
    const { bytes } = await s.save({ best: true, optimizer: false });
    const model = loadTeacher(bytes, this.ready().derived).model;
    this.sessionTeacherBytes = bytes;
    this.teacherBytes = bytes;
    this.teacher?.dispose();
    this.teacher = model;
    const best = s.trainer.bestEpoch;
    this.teacherInfo = {
      loaded: true,
      params: model.paramCount,
      source: 'session',
      note: `teacher trained in this session (${best >= 0 ? `best epoch ${best + 1}` : `step ${s.steps}, no epoch finished`})`,
    };
    return this.teacherInfo;
  }

  /** A copy of the checkpoint of the teacher trained in this session once it drives distillation, else null. */
  sessionTeacher(): ArrayBuffer | null {
    if (!this.sessionTeacherBytes || this.teacherInfo.source !== 'session') return null;
    return this.sessionTeacherBytes.slice().buffer;
  }

  /** The step in progress (for a slow backend's clock), or null between steps. */
  stepProgress(nowMs: number): StepProgress | null {
    const s = this.session;
    const since = s?.stepSince;
    if (!s || since == null) return null;
    const parts = s instanceof TeacherSession ? null : s.microProgress;
    return { step: s.steps + 1, done: parts?.done ?? 0, total: parts?.total ?? 1, elapsedMs: nowMs - since };
  }

  /** Reports the step in progress, if any (`nowMs`: Date.now(), the clock of SteppedSession.stepSince). */
  reportStepProgress(nowMs: number): void {
    const p = this.stepProgress(nowMs);
    if (p) void this.events.stepProgress(p);
  }

  /** The GPU failed: the run is paused for good here, with the reason; the page resumes it on wasm. */
  deviceFailed(reason: string): void {
    if (this.deviceFailure) return;
    this.deviceFailure = reason;
    // The loop may be stuck on a read that never resolves: report the pause now, not when it ends.
    void this.session?.pause().catch(() => undefined);
    this.setState('paused', `GPU failure: ${reason}. Training paused; resume on wasm from the last autosave.`);
    void this.events.error(`GPU failure: ${reason}`, 'gpu');
  }

  // -------------------------------------------------------------------------------------------
  // Saved runs (savedRuns.ts)

  /** The saved runs of `kind`, newest first (after moving an earlier version's single autosave in). */
  private async listRuns(kind: TrainKind, migrate = false): Promise<SavedRunInfo[]> {
    try {
      const store = this.ready().runs;
      if (migrate) await this.inStore(() => store.migrate(kind));
      return await store.list(kind);
    } catch {
      return []; // IndexedDB unavailable (private mode …): saving is best-effort.
    }
  }

  /** Tells the page the runs of `kind` and which one the current run saves into. */
  private async postList(kind: TrainKind): Promise<void> {
    void this.events.saved(kind, await this.listRuns(kind), kind === this.kind ? this.runId : null);
  }

  /** What the page's charts and readouts of the current run show, for its save. */
  private chartOf(kind: TrainKind): RunChart {
    return kind === 'teacher'
      ? { kind: 'teacher', series: this.teacherChart.columns(), latest: this.teacherLatest }
      : { kind: 'student', series: this.chart.columns(), latest: this.latest };
  }

  /** After a load: the saved charts, or (a file, a run saved by an earlier version) its epochs. */
  private restoreChart(s: AnySession, saved: RunChart | null): RunChart {
    if (s instanceof TeacherSession) {
      if (saved?.kind !== 'teacher' || !this.teacherChart.restore(saved.series))
        for (const h of s.history) this.teacherChart.pushEpoch(h, true);
      this.teacherLatest = saved?.kind === 'teacher' ? saved.latest : null;
      return this.chartOf('teacher');
    }
    if (saved?.kind !== 'student' || !this.chart.restore(saved.series)) for (const h of s.history) this.chart.pushEpoch(h, true);
    this.latest = saved?.kind === 'student' ? saved.latest : null;
    return this.chartOf('student');
  }

  /** Saves the current run into its own slot (a new one on its first save); never into another run's. */
  private async autosave(s: AnySession): Promise<void> {
    if (this.deviceFailure || !this.data) return; // after a GPU failure the device's values cannot be read: keep the last save
    const store = this.data.runs;
    this.saveTried = true;
    try {
      const { bytes, summary } = await s.save({ optimizer: true });
      const kind: TrainKind = summary.kind;
      const running = s.state === 'running';
      const wrote = await this.inStore(async () => {
        // Replaced meanwhile by a new run: this snapshot must not land in the new run's slot.
        if (this.session !== s) return false;
        const info = await store.save(kind, this.runId, {
          bytes: bufferOf(bytes),
          summary,
          hyper: s.hyper,
          running,
          chart: this.chartOf(kind),
          name: this.slotName,
        });
        this.runId = info.id;
        return true;
      });
      if (!wrote) return;
      this.lastSave = this.now();
      await this.postList(kind);
    } catch (e) {
      this.fail(e, 'auto-save to IndexedDB');
    }
  }

  /**
   * While a run goes on: a save after its first step (the run is then listed), then every
   * autosaveEveryMs, and after every step slower than SAVE_EACH_STEP_OVER_MS, between two steps.
   */
  private async autosaveIfDue(s: AnySession): Promise<void> {
    const now = this.now();
    const stepMs = this.lastBetweenSteps === null ? 0 : now - this.lastBetweenSteps;
    this.lastBetweenSteps = now;
    if (!this.saveTried || now - this.lastSave >= this.autosaveEveryMs || stepMs >= SAVE_EACH_STEP_OVER_MS) await this.autosave(s);
    // The save's own time is not the next step's.
    this.lastBetweenSteps = this.now();
  }

  /** Records in the current run's slot whether it trains, so that a reload resumes it as it was. */
  private markRunning(running: boolean): void {
    const store = this.data?.runs;
    const id = this.runId;
    const kind = this.kind;
    if (!store || !id || this.deviceFailure) return;
    this.inStore(() => store.setRunning(kind, id, running))
      .then(() => this.postList(kind))
      .catch(() => undefined); // best-effort, like every save
  }

  /** A checkpoint's file name: kind (and mode), network, step. */
  private checkpointName(kind: TrainKind, hyper: Partial<SessionHyper> | Partial<TeacherHyper>, step: number, best = false): string {
    const what = kind === 'teacher' ? 'teacher' : `student-${(hyper as Partial<SessionHyper>).mode ?? 'vanilla'}`;
    return `${what}-${this.ready().derived.fingerprint.slice(0, 8)}-s${step}${best ? '-best' : ''}.safetensors`;
  }

  /**
   * Opens a session from a checkpoint's own settings and loads it (either kind), with the saved
   * run's charts when it has them. The run gets a new slot unless the caller names its own.
   */
  private async load(bytes: Uint8Array, name: string, kind: TrainKind, savedChart: RunChart | null = null): Promise<LoadedInfo> {
    const base = kind === 'teacher' ? this.teacherHyper : this.studentHyper;
    const { session: s, checkpoint } = this.open({ kind, hyper: base, from: { bytes, name } });
    const ck = checkpoint as Checkpoint;
    const runChart = this.restoreChart(s, savedChart);
    const st: TrainState = s.state === 'done' ? 'done' : 'paused';
    this.setState(st);
    // Where the loaded run stopped (a weights-only checkpoint leaves the session's own count at 0).
    await this.postProbe(s, { epoch: ck.training.epoch, step: ck.training.step });
    // A file holding its best epoch's weights says so ("best epoch k", k from 0): the page names it.
    const best = /^best epoch (\d+)$/.exec(String((ck.hyper as { weights?: unknown } | undefined)?.weights ?? ''));
    return {
      configured: this.configured(s),
      name,
      bestEpoch: best ? Number(best[1]) + 1 : null,
      epoch: ck.training.epoch,
      step: ck.training.step,
      history: s instanceof TrainingSession ? s.history.map((h) => ({ ...h })) : [],
      teacherHistory: s instanceof TeacherSession ? s.history : [],
      chart: runChart,
      state: st,
      runId: null,
      running: false,
    };
  }
}

/** The shipped teacher, or why there is none (distillation then needs one trained here). */
function shippedTeacher(t: TrainRunData['shippedTeacher'], derived: Derived): { model: TeacherModel | null; note?: string } {
  if (!t.url) return { model: null, note: 'no teacher checkpoint given: vanilla training only' };
  if (!t.bytes) return { model: null, note: `teacher checkpoint not found (${t.url}): vanilla training only` };
  try {
    return { model: loadTeacher(t.bytes, derived).model };
  } catch (e) {
    return { model: null, note: `teacher checkpoint refused: ${(e as Error).message}` };
  }
}
