// The runs the Train view auto-saves in the browser: several per road network and kind, each in
// its own slot, so a new run never writes over an older one. Per kind and network fingerprint one
// index lists the runs (small: names, positions, scores) and each run's checkpoint bytes and chart
// history sit under a key of their own, read only when that run is resumed or downloaded. The
// chart history stays out of the checkpoint file, so downloads hold weights and training state only.
//
// Framework-free: the worker hands in IndexedDB (idb-keyval); tests hand in a Map.
import type { CheckpointKind } from '../checkpoint/checkpoint';
import type { MetricColumns, TeacherColumns } from './chartSeries';
import { recipeNamed } from './recipe';
import type { SessionMetrics } from './session';
import type { SessionHyper } from './sessionHyper';
import type { SaveSummary } from './steppedSession';
import type { TeacherSessionMetrics } from './teacherSession';
import type { TeacherHyper } from './teacherHyper';

/** One saved run as listed; its bytes are stored apart, under `key`. */
export interface SavedRunInfo {
  id: string;
  /** Shown in the list; the user may rename it. */
  name: string;
  kind: CheckpointKind;
  key: string;
  epoch: number;
  step: number;
  /** When its last save was made (ISO 8601): the list is ordered by it, newest first. */
  created: string;
  hyper: Partial<SessionHyper> | Partial<TeacherHyper>;
  /** Student: best epoch's val accuracy over all steps; teacher: best val perplexity; null before the first epoch. */
  best: number | null;
  /** Student: the best epoch's val decision accuracy (absent in runs saved before it was recorded). */
  bestDecisionAcc?: number;
  bytes: number;
  /** It was training (not paused) when last saved or last seen: resuming continues the run. */
  running: boolean;
  /**
   * The dataset it trained on. Datasets can share a road network (GPS traces matched onto Porto's
   * roads), so runs are listed per network and resumed only on their own trips. Absent in runs saved
   * before this was recorded.
   */
  dataset?: RunDataset;
}

/** A run's training data: the dataset's name and its train trips' fingerprint (data/fingerprint.ts). */
export interface RunDataset {
  name: string;
  trips: string;
}

/** Whether run `r` trained on `d`'s trips: true, false, or null when the run did not record it. */
export function trainedOn(r: Pick<SavedRunInfo, 'dataset'>, d: RunDataset): boolean | null {
  return r.dataset ? r.dataset.trips === d.trips : null;
}

/** A run's charts and its last metrics record (the view's readouts), saved next to its bytes. */
export type RunChart =
  | { kind: 'student'; series: MetricColumns; latest: SessionMetrics | null }
  | { kind: 'teacher'; series: TeacherColumns; latest: TeacherSessionMetrics | null };

/** The part of IndexedDB the runs use (idb-keyval's functions of the same names). */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  /** Read-modify-write in one transaction. */
  update<T>(key: string, fn: (old: T | undefined) => T): Promise<void>;
}

/** What one autosave stores. */
export interface RunSave {
  bytes: ArrayBuffer;
  summary: SaveSummary;
  hyper: Partial<SessionHyper> | Partial<TeacherHyper>;
  running: boolean;
  chart: RunChart | null;
  /** Name of a new slot (default: defaultRunName); an existing slot keeps its name. */
  name?: string;
}

interface RunData {
  bytes: ArrayBuffer;
  chart: RunChart | null;
}

/** The single autosave per kind and network that earlier versions wrote. */
interface LegacyRecord {
  info?: Partial<SavedRunInfo> & { bestValAcc?: number | null };
  bytes?: ArrayBuffer;
}

/** The id the migrated single autosave gets (fixed, so a migration cut short can run again). */
export const LEGACY_RUN_ID = 'legacy';
const MAX_NAME = 120;

const newestFirst = (runs: SavedRunInfo[]): SavedRunInfo[] => [...runs].sort((a, b) => b.created.localeCompare(a.created));

function randomId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time, `2026-11-23 10:14`. */
function stamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** λ/τ/w of a distilled run: the preset's label when they are one of the view's presets. */
function recipeLabel(h: Partial<SessionHyper>): string {
  const preset = recipeNamed(h);
  if (preset) return preset.label;
  const w = h.window === undefined || Number.isFinite(h.window) ? h.window : 'all';
  return `λ ${h.lambda} τ ${h.tau} w ${w}`;
}

/** A run's name before the user renames it: mode, recipe (or the teacher's size) and date. */
export function defaultRunName(kind: CheckpointKind, hyper: Partial<SessionHyper> | Partial<TeacherHyper>, when: Date): string {
  if (kind === 'teacher') {
    const h = hyper as Partial<TeacherHyper>;
    return `Teacher ${h.layers ?? '?'} × ${h.embd ?? '?'} · ${stamp(when)}`;
  }
  const h = hyper as Partial<SessionHyper>;
  return h.mode === 'distilled' ? `Distilled student · ${recipeLabel(h)} · ${stamp(when)}` : `Vanilla student · ${stamp(when)}`;
}

export class SavedRuns {
  constructor(
    private readonly store: KeyValueStore,
    /** The road network's fingerprint: runs for another network are neither listed nor loaded. */
    private readonly fingerprint: string,
    private readonly newId: () => string = randomId,
    /** The dataset the worker trains on: recorded with every save. */
    private readonly dataset?: RunDataset,
  ) {}

  private indexKey(kind: CheckpointKind): string {
    return `trajdistill:runs:${kind}:${this.fingerprint}`;
  }

  private dataKey(kind: CheckpointKind, id: string): string {
    return `trajdistill:run:${kind}:${this.fingerprint}:${id}`;
  }

  /** The key earlier versions saved their one run under. */
  legacyKey(kind: CheckpointKind): string {
    return `trajdistill:ckpt:${kind}:${this.fingerprint}`;
  }

  /** The runs of `kind` on this network, newest first. */
  async list(kind: CheckpointKind): Promise<SavedRunInfo[]> {
    return newestFirst((await this.store.get<SavedRunInfo[]>(this.indexKey(kind))) ?? []);
  }

  /**
   * Turns the single autosave of earlier versions into an entry of the list (it keeps its bytes;
   * it has no chart history, so its charts show its epochs only). Safe to repeat.
   */
  async migrate(kind: CheckpointKind): Promise<void> {
    const legacy = await this.store.get<LegacyRecord>(this.legacyKey(kind));
    if (!legacy?.bytes) return;
    const old = legacy.info ?? {};
    const key = this.dataKey(kind, LEGACY_RUN_ID);
    const created = typeof old.created === 'string' ? old.created : new Date().toISOString();
    const hyper = old.hyper ?? {};
    const info: SavedRunInfo = {
      id: LEGACY_RUN_ID,
      name: defaultRunName(kind, hyper, new Date(created)),
      kind,
      key,
      epoch: old.epoch ?? 0,
      step: old.step ?? 0,
      created,
      hyper,
      best: old.best ?? old.bestValAcc ?? null,
      bytes: legacy.bytes.byteLength,
      running: false,
    };
    await this.store.set(key, { bytes: legacy.bytes, chart: null } satisfies RunData);
    await this.store.update<SavedRunInfo[]>(this.indexKey(kind), (runs = []) =>
      runs.some((r) => r.id === LEGACY_RUN_ID) ? runs : [info, ...runs],
    );
    await this.store.del(this.legacyKey(kind));
  }

  /** Saves into run `id`'s slot, or a new slot when `id` is null; returns the entry written. */
  async save(kind: CheckpointKind, id: string | null, s: RunSave): Promise<SavedRunInfo> {
    const runId = id ?? this.newId();
    const key = this.dataKey(kind, runId);
    // Bytes first: an index entry never points at bytes not yet written.
    await this.store.set(key, { bytes: s.bytes, chart: s.chart } satisfies RunData);
    const written: { info?: SavedRunInfo } = {};
    await this.store.update<SavedRunInfo[]>(this.indexKey(kind), (runs = []) => {
      const prev = runs.find((r) => r.id === runId);
      const entry: SavedRunInfo = {
        id: runId,
        name: prev?.name ?? s.name ?? defaultRunName(kind, s.hyper, new Date(s.summary.created)),
        kind,
        key,
        epoch: s.summary.epoch,
        step: s.summary.step,
        created: s.summary.created,
        hyper: s.hyper,
        best: s.summary.best,
        ...(s.summary.bestDecisionAcc !== undefined ? { bestDecisionAcc: s.summary.bestDecisionAcc } : {}),
        bytes: s.bytes.byteLength,
        running: s.running,
        ...((this.dataset ?? prev?.dataset) ? { dataset: this.dataset ?? prev?.dataset } : {}),
      };
      written.info = entry;
      return [entry, ...runs.filter((r) => r.id !== runId)];
    });
    if (!written.info) throw new Error('the saved runs index was not updated');
    return written.info;
  }

  /** The newest run of `kind` that may resume here: one not recorded as trained on other trips. */
  async newestResumable(kind: CheckpointKind): Promise<SavedRunInfo | undefined> {
    const here = this.dataset;
    return (await this.list(kind)).find((r) => !here || trainedOn(r, here) !== false);
  }

  /**
   * A run's entry, checkpoint bytes and chart history. Datasets can share a network: a run recorded
   * as trained on other trips than this store's dataset is refused (it continues only on its own).
   */
  async load(kind: CheckpointKind, id: string): Promise<{ info: SavedRunInfo; bytes: Uint8Array; chart: RunChart | null }> {
    const info = (await this.list(kind)).find((r) => r.id === id);
    if (!info) throw new Error(`no saved ${kind} run ${id} for this road network`);
    if (this.dataset && trainedOn(info, this.dataset) === false)
      throw new Error(`“${info.name}” trained on ${info.dataset?.name}; open that dataset to resume it`);
    const data = await this.store.get<RunData>(info.key);
    if (!data?.bytes) throw new Error(`the saved run “${info.name}” has lost its checkpoint bytes`);
    return { info, bytes: new Uint8Array(data.bytes), chart: data.chart ?? null };
  }

  async remove(kind: CheckpointKind, id: string): Promise<void> {
    await this.store.update<SavedRunInfo[]>(this.indexKey(kind), (runs = []) => runs.filter((r) => r.id !== id));
    await this.store.del(this.dataKey(kind, id));
  }

  async rename(kind: CheckpointKind, id: string, name: string): Promise<void> {
    const clean = name.trim().slice(0, MAX_NAME);
    if (!clean) throw new Error('a run needs a name');
    await this.change(kind, id, (r) => ({ ...r, name: clean }));
  }

  /** Records whether the run is training (a reload then resumes it running, or paused). */
  async setRunning(kind: CheckpointKind, id: string, running: boolean): Promise<void> {
    await this.change(kind, id, (r) => (r.running === running ? r : { ...r, running }));
  }

  private async change(kind: CheckpointKind, id: string, fn: (r: SavedRunInfo) => SavedRunInfo): Promise<void> {
    await this.store.update<SavedRunInfo[]>(this.indexKey(kind), (runs = []) => runs.map((r) => (r.id === id ? fn(r) : r)));
  }
}
