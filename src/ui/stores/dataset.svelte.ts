// App-wide dataset state: the dataset on screen, the load in progress, and the last load's errors.
// A failed load never replaces `current`, so the map keeps showing the previous dataset.
import type { ValidationIssue } from '../../lib/data/types';
import type { DataRequest, DataResponse, LoadPhase, RenderData, RoadRender, SimulatePhase } from '../../../workers/dataMessages';
import type { DatasetSource } from '../../../workers/trainMessages';

export interface LoadProgress {
  /** What is being loaded (dataset name). */
  name: string;
  phase: LoadPhase;
  loaded: number;
  total: number | null;
  file?: string;
}

export interface LoadFailure {
  name: string;
  issues: ValidationIssue[];
  /** Set when the failure is not a validation problem (network, unreadable file …). */
  message: string;
}

/** Progress of a simulation running in the data worker. */
export interface SimProgress {
  n: number;
  seed: number;
  phase: SimulatePhase;
  done: number;
  total: number;
}

export interface LoadedDataset {
  data: RenderData;
  /** Wall time from request to result, in ms (includes the worker's transfer back). */
  loadMs: number;
  source: 'embedded' | 'files' | 'simulated' | 'matched';
  /**
   * The real dataset whose road network is on screen, as the training and evaluation workers load
   * it. Its trips are the ones on screen except for simulated or matched trips, which exist only
   * in the data worker.
   */
  base: BaseDataset;
}

export interface BaseDataset {
  source: DatasetSource;
  name: string;
}

/** Same dataset for the worker: the same URL, or the very same picked files. */
export function sameSource(a: DatasetSource, b: DatasetSource): boolean {
  if (a.kind === 'url' && b.kind === 'url') return a.baseUrl === b.baseUrl;
  if (a.kind === 'files' && b.kind === 'files') return a.files.length === b.files.length && a.files.every((f, i) => f === b.files[i]);
  return false;
}

/** Whether the workers' copy of the dataset has the trips on screen (see LoadedDataset.base). */
export function tripsOnScreenAreBase(d: LoadedDataset): boolean {
  return d.source === 'embedded' || d.source === 'files';
}

export const EMBEDDED_NAME = 'Porto';

/** Same road geometry (vertex for vertex): then the map's road layer can stay as it is. */
function sameRoads(a: RoadRender, b: RoadRender): boolean {
  if (a.count !== b.count || a.positions.length !== b.positions.length) return false;
  for (let i = 0; i < a.positions.length; i++) if (a.positions[i] !== b.positions[i]) return false;
  for (let i = 0; i < a.starts.length; i++) if (a.starts[i] !== b.starts[i]) return false;
  return true;
}

export class DatasetStore {
  /** $state.raw: the typed arrays and id lists must not become deep reactive proxies. */
  current = $state.raw<LoadedDataset | null>(null);
  progress = $state.raw<LoadProgress | null>(null);
  failure = $state.raw<LoadFailure | null>(null);
  /** Set while a simulation runs (its own bar: the load bar's phases are about files). */
  simProgress = $state.raw<SimProgress | null>(null);

  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { name: string; started: number; source: LoadedDataset['source']; base: BaseDataset }>();
  /** The last real dataset loaded (URL or files): the data worker matches GPS onto its network. */
  private lastReal: BaseDataset | null = null;
  /** Only the newest request's answers are applied. */
  private latest = 0;

  private getWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('../../../workers/dataWorker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (ev: MessageEvent<DataResponse>) => this.onMessage(ev.data);
      this.worker.onerror = (ev) => {
        const req = this.pending.get(this.latest);
        this.progress = null;
        this.simProgress = null;
        this.failure = { name: req?.name ?? 'dataset', issues: [], message: `Data worker failed: ${ev.message || 'unknown error'}` };
      };
    }
    return this.worker;
  }

  private send(req: DataRequest, source: LoadedDataset['source'], base: BaseDataset): void {
    this.latest = req.requestId;
    this.pending.set(req.requestId, { name: req.name, started: performance.now(), source, base });
    if (req.type === 'simulate') {
      this.progress = null;
      this.simProgress = { n: req.n, seed: req.seed, phase: 'base', done: 0, total: 1 };
    } else {
      this.simProgress = null;
      this.progress = { name: req.name, phase: req.type === 'load-url' ? 'download' : 'read', loaded: 0, total: null };
    }
    performance.mark(`trajdistill:load-start:${req.requestId}`);
    this.getWorker().postMessage(req);
  }

  private embeddedBase(): BaseDataset {
    const baseUrl = new URL(`${import.meta.env.BASE_URL}data/porto/`, location.href).href;
    return { source: { kind: 'url', baseUrl, name: EMBEDDED_NAME }, name: EMBEDDED_NAME };
  }

  /** The dataset shipped with the app under public/data/porto/. */
  loadEmbedded(): void {
    const base = this.embeddedBase();
    if (base.source.kind !== 'url') return;
    this.send({ type: 'load-url', requestId: this.nextId++, baseUrl: base.source.baseUrl, name: EMBEDDED_NAME }, 'embedded', base);
  }

  /** Files from an <input type=file> (single files or a whole folder). */
  loadFiles(list: FileList | File[]): void {
    this.loadPicked(Array.from(list).map((file) => ({ file, path: file.webkitRelativePath || file.name })));
  }

  /** Files with folder-relative paths (from a folder pick or a drag-and-drop). */
  loadPicked(files: { file: File; path: string }[]): void {
    if (files.length === 0) return;
    const folder = files[0].path.includes('/') ? files[0].path.split('/')[0] : '';
    const name = folder || (files.length === 1 ? files[0].file.name : `${files.length} local files`);
    const base: BaseDataset = { source: { kind: 'files', files: files.map((f) => f.file), name }, name };
    this.send({ type: 'load-files', requestId: this.nextId++, files, name }, 'files', base);
  }

  /**
   * Simulates `n` trips (seeded) on the embedded network in the data worker. Only a sample of
   * `sample` trips comes back for the map; statistics cover every trip.
   */
  simulate(n: number, seed: number, sample = 2000): void {
    const baseUrl = new URL(`${import.meta.env.BASE_URL}data/porto/`, location.href).href;
    const name = `${EMBEDDED_NAME} (simulated trips)`;
    this.send({ type: 'simulate', requestId: this.nextId++, baseUrl, baseName: EMBEDDED_NAME, n, seed, sample, name }, 'simulated', this.embeddedBase());
  }

  /** Map-matches a raw GPS file onto the network of the dataset on screen (in the data worker). */
  matchGps(file: File): void {
    const onto = this.current?.data.name ?? EMBEDDED_NAME;
    const base = this.lastReal ?? this.embeddedBase();
    this.send({ type: 'match-gps', requestId: this.nextId++, file, name: `${file.name} matched on ${onto}` }, 'matched', base);
  }

  dismissFailure(): void {
    this.failure = null;
  }

  private onMessage(msg: DataResponse): void {
    const req = this.pending.get(msg.requestId);
    if (msg.type !== 'progress' && msg.type !== 'sim-progress') this.pending.delete(msg.requestId);
    if (!req || msg.requestId !== this.latest) return;
    if (msg.type === 'sim-progress') {
      const sp = this.simProgress;
      if (sp) this.simProgress = { ...sp, phase: msg.phase, done: msg.done, total: msg.total };
    } else if (msg.type === 'progress') {
      // A simulation may download the real set first: its bar shows that as the 'base' phase.
      if (this.simProgress) return;
      this.progress = { name: req.name, phase: msg.phase, loaded: msg.loaded, total: msg.total, file: msg.file };
    } else if (msg.type === 'result') {
      this.progress = null;
      this.simProgress = null;
      this.failure = null;
      const prev = this.current?.data.roads;
      // A simulated set runs on the network already on screen: keeping the same roads object lets
      // the map skip re-uploading and re-fitting 13k roads (a multi-second main-thread task).
      const data = prev && (req.source === 'simulated' || req.source === 'matched') && sameRoads(prev, msg.data.roads) ? { ...msg.data, roads: prev } : msg.data;
      this.current = { data, loadMs: performance.now() - req.started, source: req.source, base: req.base };
      if (req.source === 'embedded' || req.source === 'files') this.lastReal = req.base;
      // Marks let a test or a demo read the time to data from the Performance API.
      performance.mark(`trajdistill:data-ready:${msg.requestId}`);
    } else {
      this.progress = null;
      this.simProgress = null;
      this.failure = { name: req.name, issues: msg.issues, message: msg.message };
    }
  }
}

export const dataset = new DatasetStore();
