// The data worker's interface (workers/dataWorker.ts), called through comlink. Everything the map
// needs crosses as flat typed arrays (transferred, not copied), so the page never parses or walks a
// Dataset. Progress comes back through callbacks passed as a comlink.proxy.
import type { SplitName, Trajectory, ValidationIssue } from '../src/lib/data/types';
import type { DatasetStats } from '../src/lib/data/stats';
import type { SimPhase } from '../src/lib/sim/simulatePipeline';
import type { GpsMatchSummary } from '../src/lib/data/matchTraces';
import type { PackedDataset } from '../src/lib/data/packedDataset';

/**
 * A dataset as the model workers get it: the page asks the data worker for it (`packed`) and hands
 * the packed typed arrays on (src/lib/data/packedDataset.ts); no model worker reads CSV.
 */
export type DatasetSource =
  /** A HOSER folder the app serves (…/data/porto/): the data worker loads it unless it holds it. */
  | { kind: 'url'; baseUrl: string; name: string }
  /** A set only the data worker holds (picked files, GPS trips matched onto a network): RenderData.source. */
  | { kind: 'held'; id: number; name: string };

/** [minLon, minLat, maxLon, maxLat] */
export type Bounds = [number, number, number, number];

/**
 * Many polylines in one buffer: path i is vertices starts[i] .. starts[i+1]-1 of `positions`
 * (interleaved lon,lat). `starts` has count+1 entries. This is deck.gl's binary path layout.
 */
export interface PathBundle {
  count: number;
  positions: Float32Array;
  starts: Uint32Array;
}

export interface RoadRender extends PathBundle {
  /** 0 (service/other) … 5 (motorway/trunk); drives line width and colour. */
  rank: Uint8Array;
  bounds: Bounds;
}

export interface TripRender extends PathBundle {
  /**
   * The same trips simplified (Douglas–Peucker, a few metres) for drawing: several times fewer
   * segments, which is what software WebGL (SwiftShader) pays for per frame. `positions` stays exact.
   */
  display: PathBundle;
  /** `display` as the triangles the map draws (see TripMesh). */
  mesh: TripMesh;
  ids: string[];
  /** Per trip: number of roads, length in km (sum of road lengths), duration in minutes. */
  roadCounts: Uint32Array;
  km: Float32Array;
  minutes: Float32Array;
}

/**
 * Paths as one indexed triangle mesh, built in the data worker: each path vertex becomes two mesh
 * vertices (one per side of the line), each segment two triangles. Software WebGL (SwiftShader)
 * pays per instance for deck.gl's instanced PathLayer (several seconds of frozen page for the
 * Porto trips); one non-instanced draw of this mesh costs a fraction of that (docs/architecture.md).
 */
export interface TripMesh {
  /** Per mesh vertex: lon,lat of its path vertex. */
  positions: Float32Array;
  /** Per mesh vertex: the lon,lat step to the path vertex before it and to the one after (0,0 at the path's ends). */
  toPrev: Float32Array;
  toNext: Float32Array;
  /** Per mesh vertex: −1 or 1, the side of the line it is pushed to. */
  sides: Float32Array;
  /** Per mesh vertex: its path's index, which picking reports. */
  rows: Float32Array;
  /** Three per triangle, two triangles per segment. */
  indices: Uint32Array;
}

export interface RenderData {
  name: string;
  /** The road network's fingerprint (src/lib/data/fingerprint.ts): checkpoints carry the same. */
  fingerprint: string;
  roads: RoadRender;
  trips: Record<SplitName, TripRender>;
  stats: DatasetStats;
  /** Bytes of text read, and worker-side milliseconds per phase (for the status line). */
  bytes: number;
  timingsMs: { read: number; parse: number; prepare: number };
  /** Present for a simulated set: the map shows only a sample of its trips. */
  simulated?: SimulatedSummary;
  /**
   * Present when the set has more trips than the map draws one by one (data/bigDataset.ts
   * DRAW_ALL_MAX_TRIPS): `trips` then holds a labelled random sample, and this the counts of all.
   */
  aggregate?: TripAggregate;
  /** Present for GPS traces matched onto the current network (their trips are split into train/val/test). */
  matched?: MatchSummary;
  /** How the model workers get this set's trips (for a simulated set: the real set it was drawn from). */
  source: DatasetSource;
}

/**
 * All trips of a set too big to draw trip by trip, in aggregate: per split, how many of its trips
 * pass each road (a trip counted once per road), computed in the data worker. RenderData.trips
 * holds a seeded random sample of them for the map; RenderData.stats still covers every trip.
 */
export interface TripAggregate {
  /** Trips per split in the whole set. */
  total: Record<SplitName, number>;
  /** Per split, one count per road (RenderData.roads order). */
  roadTrips: Record<SplitName, Uint32Array>;
  /** Trips in the drawn sample (all splits), and its seed. */
  sample: number;
  seed: number;
  /** The limit the set was over (trips, all splits). */
  drawAllMax: number;
}

/** What a load draws trip by trip (data/bigDataset.ts BigLimits; `?bigAbove=N` lowers both). */
export interface DrawLimits {
  drawAllMax: number;
  drawSample: number;
}

/** A sample of the train trips for a model worker (data/bigDataset.ts `trainingSample`). */
export interface TrainSampleRequest {
  /** Train trips above which the set is sampled, and the sample's size. */
  trainMax: number;
}

/**
 * What matched GPS trips become: a training set of their own (`own`), or extra trips of the
 * dataset whose network they were matched onto (`add`). Either way they are split OD-disjointly
 * 7:1:2, when added against that dataset's splits (src/lib/data/odSplit.ts).
 */
export type MatchUse = 'own' | 'add';

/** "Match GPS traces…": the `data match` summary, the network's name, and the set made of the trips. */
export interface MatchSummary extends GpsMatchSummary {
  network: string;
  use: MatchUse;
  /** Matched trips per split. */
  added: Record<SplitName, number>;
  /** Trips of the dataset itself beside them (0 for `own`). */
  ownTrips: number;
}

/**
 * A simulated set stays in the data worker (600k trips ≈ 16M road visits); the page gets the
 * statistics over all trips and the geometry of a labelled sample only.
 */
export interface SimulatedSummary {
  n: number;
  seed: number;
  /** Trips per split in the whole simulated set (RenderData.trips holds the sample). */
  total: Record<SplitName, number>;
  /** Trips in the drawn sample (the first ones of each split). */
  sample: number;
  tripsPerSec: number;
  /** Worker milliseconds: load of the real set, zones, simulation, statistics, derived, render. */
  timingsMs: { base: number; zones: number; simulate: number; stats: number; derived: number; render: number };
  /** Bytes of the packed trips kept in the worker. */
  packedBytes: number;
  /** The worker's JS heap (performance.memory, Chromium) after preprocessing; null if unavailable. */
  workerHeapBytes: number | null;
}

/** Phases of a simulation request, in order. */
export type SimulatePhase = 'base' | SimPhase | 'render';

export type LoadPhase = 'download' | 'read' | 'parse' | 'match' | 'stats' | 'prepare';

/** Progress of a load: bytes so far for download/read, otherwise 0; `total` null when unknown. */
export interface LoadProgressEvent {
  phase: LoadPhase;
  loaded: number;
  total: number | null;
  file?: string;
}

/** Progress of a `simulate` call: `done` of `total` within the phase (trips while simulating). */
export interface SimProgressEvent {
  phase: SimulatePhase;
  done: number;
  total: number;
}

/** Progress callbacks, passed as a comlink.proxy with each call. */
export interface DataProgress {
  load(p: LoadProgressEvent): void;
  sim?(p: SimProgressEvent): void;
}

/** A load's answer: render data, or validation problems (DatasetError) / another failure's message. */
export type DataResult =
  | { ok: true; data: RenderData }
  /** `cancelled`: the user stopped it (the page keeps what it shows, and shows no error). */
  | { ok: false; issues: ValidationIssue[]; message: string; cancelled?: boolean };

export interface SimulateRequest {
  /** The real dataset whose network, flows and departures the simulation draws from. */
  baseUrl: string;
  baseName: string;
  n: number;
  seed: number;
  /** Trips of the sample that comes back for the map (statistics cover every trip). */
  sample: number;
  name: string;
}

/** The data worker's methods (comlink.wrap<DataWorkerApi>); calls run one after another. */
export interface DataWorkerApi {
  /** Fetch the HOSER files from `baseUrl` (absolute, ending in '/'); missing splits are skipped. */
  loadUrl(baseUrl: string, name: string, progress: DataProgress, draw?: DrawLimits): Promise<DataResult>;
  /**
   * Files the user picked (File objects are cloneable and read inside the worker). `path` is the
   * folder-relative path when a folder was picked (webkitRelativePath does not survive cloning).
   */
  loadFiles(files: { file: File; path: string }[], name: string, progress: DataProgress, draw?: DrawLimits): Promise<DataResult>;
  /** Simulate trips (seeded) on the real dataset and preprocess them here; the map gets a sample. */
  simulate(req: SimulateRequest, progress: DataProgress): Promise<DataResult>;
  /**
   * Map-match a raw GPS file (ECML, WKT or derived CSV; .gz allowed) onto the last loaded network;
   * its trips become a set as `use` says.
   */
  matchGps(file: File, name: string, use: MatchUse, progress: DataProgress, draw?: DrawLimits): Promise<DataResult>;
  /** Stops the match under way between two batches: its call answers `cancelled`. */
  cancelMatch(): Promise<void>;
  /** The last matched trips made into a set again, as `use` now says (no new matching). */
  useMatched(name: string, use: MatchUse, progress: DataProgress, draw?: DrawLimits): Promise<DataResult>;
  /**
   * The dataset of `source`, parsed once here, as transferred typed arrays for a model worker
   * (a URL this worker has not loaded yet is loaded first). With `sample`, a set over its limit
   * comes as a seeded random sample (PackedDataset.sampledFrom says of what).
   */
  packed(source: DatasetSource, sample?: TrainSampleRequest): Promise<PackedDataset>;
  /**
   * Real trips of `source` by id, for a page that holds only a sample of a big set (Compare draws an
   * evaluated OD pair's real trip from them); ids the set lacks are left out.
   */
  trips(source: DatasetSource, ids: string[]): Promise<Trajectory[]>;
}

/** The buffers of a RenderData, to transfer (comlink.transfer) instead of copying. */
export function renderTransferables(d: RenderData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (b: PathBundle) => out.push(b.positions.buffer as ArrayBuffer, b.starts.buffer as ArrayBuffer);
  add(d.roads);
  out.push(d.roads.rank.buffer as ArrayBuffer);
  for (const t of Object.values(d.trips)) {
    add(t);
    add(t.display);
    const m = t.mesh;
    for (const a of [m.positions, m.toPrev, m.toNext, m.sides, m.rows, m.indices]) out.push(a.buffer as ArrayBuffer);
    out.push(t.roadCounts.buffer as ArrayBuffer, t.km.buffer as ArrayBuffer, t.minutes.buffer as ArrayBuffer);
  }
  if (d.aggregate) for (const c of Object.values(d.aggregate.roadTrips)) out.push(c.buffer as ArrayBuffer);
  return out;
}
