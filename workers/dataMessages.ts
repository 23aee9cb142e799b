// Typed protocol between the page and workers/dataWorker.ts. Everything the map needs crosses as
// flat typed arrays (transferred, not copied), so the page never parses or walks a Dataset.
import type { SplitName, ValidationIssue } from '../src/lib/data/types';
import type { DatasetStats } from '../src/lib/data/stats';
import type { SimPhase } from '../src/lib/sim/simulatePipeline';
import type { GpsMatchSummary } from '../src/lib/data/matchTraces';

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
  ids: string[];
  /** Per trip: number of roads, length in km (sum of road lengths), duration in minutes. */
  roadCounts: Uint32Array;
  km: Float32Array;
  minutes: Float32Array;
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
  /** Present for GPS traces matched onto the current network (the matched trips are the test split). */
  matched?: MatchSummary;
}

/** "Match GPS traces…": the `data match` summary plus the network's name. */
export interface MatchSummary extends GpsMatchSummary {
  network: string;
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

export type DataRequest =
  /** Fetch the HOSER files from `baseUrl` (absolute, ending in '/'); missing splits are skipped. */
  | { type: 'load-url'; requestId: number; baseUrl: string; name: string }
  /**
   * Files the user picked (File objects are cloneable and read inside the worker). `path` is the
   * folder-relative path when a folder was picked (webkitRelativePath does not survive cloning).
   */
  | { type: 'load-files'; requestId: number; files: { file: File; path: string }[]; name: string }
  /**
   * Simulate `n` trips (seeded) on the real dataset at `baseUrl` and preprocess them in the worker;
   * the answer is a `result` whose RenderData carries a sample of `sample` trips and `simulated`.
   */
  | { type: 'simulate'; requestId: number; baseUrl: string; baseName: string; n: number; seed: number; sample: number; name: string }
  /** Map-match a raw GPS file (ECML, WKT or derived CSV; .gz allowed) onto the last loaded dataset's network. */
  | { type: 'match-gps'; requestId: number; file: File; name: string };

export type DataResponse =
  | {
      type: 'progress';
      requestId: number;
      phase: LoadPhase;
      /** Bytes so far for download/read; otherwise 0. `total` null when unknown. */
      loaded: number;
      total: number | null;
      file?: string;
    }
  | { type: 'result'; requestId: number; data: RenderData }
  /** Progress of a `simulate` request: `done` of `total` within the phase (trips while simulating). */
  | { type: 'sim-progress'; requestId: number; phase: SimulatePhase; done: number; total: number }
  /** Validation problems (DatasetError) or, with `issues` empty, any other failure in `message`. */
  | { type: 'error'; requestId: number; issues: ValidationIssue[]; message: string };

/** The buffers of a RenderData, to pass as the transfer list of postMessage. */
export function renderTransferables(d: RenderData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (b: PathBundle) => out.push(b.positions.buffer as ArrayBuffer, b.starts.buffer as ArrayBuffer);
  add(d.roads);
  out.push(d.roads.rank.buffer as ArrayBuffer);
  for (const t of Object.values(d.trips)) {
    add(t);
    add(t.display);
    out.push(t.roadCounts.buffer as ArrayBuffer, t.km.buffer as ArrayBuffer, t.minutes.buffer as ArrayBuffer);
  }
  return out;
}
