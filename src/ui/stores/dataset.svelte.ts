// App-wide dataset state: the dataset on screen, the load in progress, and the last load's errors.
// A failed load never replaces `current`, so the map keeps showing the previous dataset.
import * as Comlink from 'comlink';
import type { Trajectory, ValidationIssue } from '../../lib/data/types';
import type {
  DatasetSource,
  DataProgress,
  DataResult,
  DataWorkerApi,
  DrawLimits,
  LoadPhase,
  MatchUse,
  RenderData,
  RoadRender,
  SimulatePhase,
  TrainSampleRequest,
} from '../../../workers/dataMessages';
import { bigLimitsFrom, type BigLimits } from '../../lib/data/bigDataset';
import { packedDatasetTransferables, type PackedDataset } from '../../lib/data/packedDataset';
import { cityUrl, type City } from './cities';

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
   * The real dataset whose road network is on screen, as the model workers get it from the data
   * worker (`packed`). Its trips are the ones on screen except for simulated trips, which exist only
   * in the data worker: the model workers get the real set they were drawn from.
   */
  base: BaseDataset;
}

export interface BaseDataset {
  source: DatasetSource;
  name: string;
}

/** Same dataset for the worker: the same URL, or the same set held by the data worker. */
export function sameSource(a: DatasetSource, b: DatasetSource): boolean {
  if (a.kind === 'url' && b.kind === 'url') return a.baseUrl === b.baseUrl;
  if (a.kind === 'held' && b.kind === 'held') return a.id === b.id;
  return false;
}

/** Whether the workers' copy of the dataset has the trips on screen (see LoadedDataset.base). */
export function tripsOnScreenAreBase(d: LoadedDataset): boolean {
  return d.source !== 'simulated';
}

export const EMBEDDED_NAME = 'Porto';

/**
 * When a set is too big to draw trip by trip or to train on whole here (data/bigDataset.ts), read
 * once: `?bigAbove=N` lowers the limits to N (tests, demos).
 */
export const bigLimits: BigLimits = bigLimitsFrom(typeof location === 'undefined' ? '' : location.search);
const drawLimits: DrawLimits = { drawAllMax: bigLimits.drawAllMax, drawSample: bigLimits.drawSample };
/** What the model workers that train (train, tune) ask for: a sample of a set over the limit. */
export const trainSample: TrainSampleRequest = { trainMax: bigLimits.trainMax };

/** A matched set's name: the GPS file's trips alone, or added to the dataset's own. */
function matchedName(file: string, onto: string, use: MatchUse): string {
  return use === 'own' ? `${file} matched on ${onto}` : `${onto} + ${file}`;
}

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
  private api: Comlink.Remote<DataWorkerApi> | null = null;
  private nextId = 1;
  /** Only the newest request's answers (and progress) are applied. */
  private latest = 0;
  /** The last real dataset loaded (URL or files): the data worker matches GPS onto its network. */
  private lastReal = $state.raw<BaseDataset | null>(null);

  /** The name of the dataset GPS traces are matched onto (and matched trips are added to). */
  get matchOnto(): string {
    return (this.lastReal ?? this.embeddedBase()).name;
  }

  private getApi(): Comlink.Remote<DataWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../../../workers/dataWorker.ts', import.meta.url), { type: 'module' });
      this.worker.onerror = (ev) => {
        this.progress = null;
        this.simProgress = null;
        this.failure = { name: this.latestName, issues: [], message: `Data worker failed: ${ev.message || 'unknown error'}` };
      };
      this.api = Comlink.wrap<DataWorkerApi>(this.worker);
    }
    return this.api;
  }

  private latestName = 'dataset';

  /**
   * Runs one worker call: progress and the answer apply only while it is the newest request.
   * `simulated` requests show their own bar (the load bar's phases are about files).
   */
  private async request(
    name: string,
    source: LoadedDataset['source'],
    base: BaseDataset | ((data: RenderData) => BaseDataset),
    sim: { n: number; seed: number } | null,
    call: (api: Comlink.Remote<DataWorkerApi>, progress: DataProgress) => Promise<DataResult>,
  ): Promise<void> {
    const id = this.nextId++;
    this.latest = id;
    this.latestName = name;
    const started = performance.now();
    if (sim) {
      this.progress = null;
      this.simProgress = { ...sim, phase: 'base', done: 0, total: 1 };
    } else {
      this.simProgress = null;
      this.progress = { name, phase: source === 'embedded' ? 'download' : 'read', loaded: 0, total: null };
    }
    performance.mark(`trajdistill:load-start:${id}`);
    // Progress travels on its own message port, so a last event can arrive after the answer: once
    // answered, a request's progress is ignored (else a failed load would stay "busy" for good).
    let answered = false;
    const progress: DataProgress = {
      load: (p) => {
        // A simulation may download the real set first: its bar shows that as the 'base' phase.
        if (answered || id !== this.latest || this.simProgress) return;
        this.progress = { name, ...p };
      },
      sim: (p) => {
        const sp = this.simProgress;
        if (!answered && id === this.latest && sp) this.simProgress = { ...sp, ...p };
      },
    };
    let res: DataResult;
    try {
      res = await call(this.getApi(), Comlink.proxy(progress));
    } catch (e) {
      res = { ok: false, issues: [], message: e instanceof Error ? e.message : String(e) };
    }
    answered = true;
    if (id !== this.latest) return;
    this.progress = null;
    this.simProgress = null;
    if (!res.ok) {
      // A cancelled match leaves the dataset on screen as it was, with no error.
      if (!res.cancelled) this.failure = { name, issues: res.issues, message: res.message };
      return;
    }
    this.failure = null;
    const prev = this.current?.data.roads;
    // A simulated set runs on the network already on screen: keeping the same roads object lets
    // the map skip re-uploading and re-fitting 13k roads (a multi-second main-thread task).
    const data =
      prev && (source === 'simulated' || source === 'matched') && sameRoads(prev, res.data.roads) ? { ...res.data, roads: prev } : res.data;
    const b = typeof base === 'function' ? base(res.data) : base;
    this.current = { data, loadMs: performance.now() - started, source, base: b };
    if (source === 'embedded' || source === 'files') this.lastReal = b;
    // Marks let a test or a demo read the time to data from the Performance API.
    performance.mark(`trajdistill:data-ready:${id}`);
  }

  private embeddedUrl(): string {
    return new URL(`${import.meta.env.BASE_URL}data/porto/`, location.href).href;
  }

  /** The embedded Porto set as the workers load it (for a view that needs it before any dataset is on screen). */
  embeddedBase(): BaseDataset {
    return { source: { kind: 'url', baseUrl: this.embeddedUrl(), name: EMBEDDED_NAME }, name: EMBEDDED_NAME };
  }

  /** The dataset shipped with the app under public/data/porto/. */
  loadEmbedded(): void {
    const baseUrl = this.embeddedUrl();
    void this.request(EMBEDDED_NAME, 'embedded', this.embeddedBase(), null, (api, p) => api.loadUrl(baseUrl, EMBEDDED_NAME, p, drawLimits));
  }

  /** A city the app serves (cities.ts): Porto, or a locally built one such as San Francisco. */
  loadCity(city: City): void {
    if (city.name === EMBEDDED_NAME) return this.loadEmbedded();
    const baseUrl = cityUrl(city);
    const base: BaseDataset = { source: { kind: 'url', baseUrl, name: city.name }, name: city.name };
    void this.request(city.name, 'embedded', base, null, (api, p) => api.loadUrl(baseUrl, city.name, p, drawLimits));
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
    // The data worker holds the parsed files: its answer names them (RenderData.source).
    const base = (d: RenderData): BaseDataset => ({ source: d.source, name });
    void this.request(name, 'files', base, null, (api, p) => api.loadFiles(files, name, p, drawLimits));
  }

  /**
   * Simulates `n` trips (seeded) on the embedded network in the data worker. Only a sample of
   * `sample` trips comes back for the map; statistics cover every trip.
   */
  simulate(n: number, seed: number, sample = 2000): void {
    const baseUrl = this.embeddedUrl();
    const name = `${EMBEDDED_NAME} (simulated trips)`;
    void this.request(name, 'simulated', this.embeddedBase(), { n, seed }, (api, p) =>
      api.simulate({ baseUrl, baseName: EMBEDDED_NAME, n, seed, sample, name }, p),
    );
  }

  /**
   * Map-matches a raw GPS file onto the network of the last real dataset (in the data worker); its
   * trips become a training set of their own or extra trips of that dataset, as `use` says.
   */
  matchGps(file: File, use: MatchUse): void {
    this.lastMatchedFile = file.name;
    this.requestMatched(use, (api, name, p) => api.matchGps(file, name, use, p, drawLimits));
  }

  /** Stops the GPS match under way; the dataset on screen stays. */
  cancelMatch(): void {
    void this.getApi().cancelMatch();
  }

  /** The trips of the last match used the other way (no new matching). */
  useMatched(use: MatchUse): void {
    this.requestMatched(use, (api, name, p) => api.useMatched(name, use, p, drawLimits));
  }

  private lastMatchedFile = 'GPS traces';

  private requestMatched(
    use: MatchUse,
    call: (api: Comlink.Remote<DataWorkerApi>, name: string, progress: DataProgress) => Promise<DataResult>,
  ): void {
    const real = this.lastReal ?? this.embeddedBase();
    const name = matchedName(this.lastMatchedFile, real.name, use);
    // The data worker holds the matched set: its answer names it (RenderData.source).
    const base = (d: RenderData): BaseDataset => ({ source: d.source, name });
    void this.request(name, 'matched', base, null, (api, p) => call(api, name, p));
  }

  /**
   * The dataset of `source` for a model worker: parsed once, in the data worker, and handed over as
   * transferred typed arrays (pass them on with comlink.transfer and packedDatasetTransferables).
   * With `sample`, a set over its limit comes as a seeded sample (PackedDataset.sampledFrom).
   */
  packed(source: DatasetSource, sample?: TrainSampleRequest): Promise<PackedDataset> {
    return this.getApi().packed(source, sample);
  }

  /** Real trips of `source` by id from the data worker, which holds every trip of a set the page holds a sample of. */
  trips(source: DatasetSource, ids: string[]): Promise<Trajectory[]> {
    return this.getApi().trips(source, ids);
  }

  dismissFailure(): void {
    this.failure = null;
  }
}

export const dataset = new DatasetStore();

/**
 * A model worker's init message with the dataset of `source` (parsed once, by the data worker),
 * marked for transfer with its buffers and `transfer`'s (pass it as the call's argument). Workers
 * that train pass `sample` (trainSample): a set too big to train on whole here comes as a sample.
 */
export async function withDataset<T extends object>(
  msg: T,
  source: DatasetSource,
  transfer: Transferable[] = [],
  sample?: TrainSampleRequest,
): Promise<T & { dataset: PackedDataset }> {
  const packed = await dataset.packed(source, sample);
  return Comlink.transfer({ ...msg, dataset: packed }, [...packedDatasetTransferables(packed), ...transfer]);
}
