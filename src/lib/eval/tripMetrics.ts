// Trip-level evaluation suite (thesis §6.2 + App. A.2, HTP App. A.4): compares
// a set of generated trips with the real trips of the same split.
import type { LonLat } from '../data/types';
import { haversineKm, makeLocalProjection, type BBox } from '../geo';
import { dtw, edr, hausdorff, histogramJSD, radiusOfGyration } from './metrics';
import { groupBy } from '../stats';

/** One trip as the metrics see it: road centroids in order, with their unix-second times. */
export interface EvalTrip {
  id: string;
  points: LonLat[];
  times: number[];
  roads?: number[];
  /** false when generation stopped before the destination; undefined counts as reached. */
  reached?: boolean;
}

export interface EvalOptions {
  /** Regular histogram bins for the JSDs (default 100, plus one overflow bin). */
  bins?: number;
  /** Box of the OD-pairing grid; points outside are clamped to its edge cells (as HOSER does). */
  odBox?: BBox;
  /** OD-pairing grid cell size in metres (default 200). */
  odCellM?: number;
  /** EDR match threshold in metres (default 100). */
  edrEpsM?: number;
  /** OD match-rate binning in degrees (default 0.001). */
  odMatchDeg?: number;
  /** Grid density/pattern cell size in metres (default 100). */
  gridCellM?: number;
  /** k of the top-k pattern F1 (default 100). */
  topK?: number;
}

/**
 * Every metric, in one flat object so reports can be averaged key by key. A metric that cannot be
 * computed on the given input (no hops for a duration histogram, no OD pairs to compare, no road
 * ids) is NaN; JSON.stringify writes it as null.
 */
export interface EvalReport {
  distanceJSD: number;
  durationJSD: number;
  radiusJSD: number;
  hausdorffKm: number;
  dtwKm: number;
  edr: number;
  odMatchRate: number;
  reachedRate: number;
  /** Number of generated trips. */
  n: number;
  stepDistanceJSD: number;
  gridDensityCos: number;
  gridPatternF1: number;
  roadDensityCos: number;
  roadPatternF1: number;
  /** Number of (real, generated) pairs behind hausdorffKm, dtwKm and edr. */
  pairedN: number;
}

export type EvalKey = keyof EvalReport;

export const EVAL_KEYS: readonly EvalKey[] = [
  'distanceJSD',
  'durationJSD',
  'radiusJSD',
  'hausdorffKm',
  'dtwKm',
  'edr',
  'odMatchRate',
  'reachedRate',
  'n',
  'stepDistanceJSD',
  'gridDensityCos',
  'gridPatternF1',
  'roadDensityCos',
  'roadPatternF1',
  'pairedN',
];

/** HOSER's fixed Porto evaluation box (lon −8.6890…−8.5577, lat 41.1406…41.1855). */
export const PORTO_EVAL_BOX: BBox = [-8.689, 41.1406, -8.5577, 41.1855];

/** Sum of hop lengths in km (0 for a one-point trip). */
export function tripDistanceKm(points: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < points.length; i++) s += haversineKm(points[i - 1], points[i]);
  return s;
}

/**
 * DTW per km of the real trip: DTW sums a distance per aligned point, so it grows with the trip's
 * length; divided by the real trip's km, long trips do not dominate a mean. NaN for a zero-length real trip.
 */
export function dtwPerKm(dtwKm: number, realKm: number): number {
  return realKm > 0 ? dtwKm / realKm : NaN;
}

/** Mean and std of dtwPerKm over pairs, leaving out those without a DTW or a real length; null when none is left. */
export function meanDtwPerKm(pairs: { dtwKm: number | null; realKm: number | null }[]): { mean: number; std: number; n: number } | null {
  const v = pairs.map((p) => (p.dtwKm === null || p.realKm === null ? NaN : dtwPerKm(p.dtwKm, p.realKm))).filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, n: v.length };
}

function hopKm(trips: EvalTrip[]): number[] {
  const out: number[] = [];
  for (const t of trips) for (let i = 1; i < t.points.length; i++) out.push(haversineKm(t.points[i - 1], t.points[i]));
  return out;
}

/** Every hop's duration in minutes, pooled over the trips. */
export function hopMinutes(trips: EvalTrip[]): number[] {
  const out: number[] = [];
  for (const t of trips) for (let i = 1; i < t.times.length; i++) out.push((t.times[i] - t.times[i - 1]) / 60);
  return out;
}

/** histogramJSD, or NaN when either side has nothing to histogram. */
function jsdOrNaN(real: number[], gen: number[], bins: number, upperQuantile = 1): number {
  return real.length === 0 || gen.length === 0 ? NaN : histogramJSD(real, gen, bins, upperQuantile);
}

/**
 * Hop durations end their regular bins at the real 99th percentile: with the maximum, one long
 * stop put 77–92 % of real hops into bin 0 and the metric could not tell generators apart.
 */
export const DURATION_UPPER_QUANTILE = 0.99;

function validate(trips: EvalTrip[], side: string): void {
  for (const t of trips) {
    if (t.points.length === 0) throw new Error(`evaluateTrips: ${side} trip ${t.id} has no points`);
    if (t.times.length !== t.points.length) {
      throw new Error(`evaluateTrips: ${side} trip ${t.id} has ${t.points.length} points but ${t.times.length} times`);
    }
    if (t.roads && t.roads.length !== t.points.length) {
      throw new Error(`evaluateTrips: ${side} trip ${t.id} has ${t.points.length} points but ${t.roads.length} roads`);
    }
  }
}

/** Maps a point to a cell index of a metric grid over a box, clamping outside points to the edge. */
function makeBoxGrid(box: BBox, cellM: number): (p: LonLat) => number {
  const proj = makeLocalProjection((box[1] + box[3]) / 2);
  const [x0, y0] = proj.toXY([box[0], box[1]]);
  const [x1, y1] = proj.toXY([box[2], box[3]]);
  const nCols = Math.max(1, Math.ceil((x1 - x0) / cellM));
  const nRows = Math.max(1, Math.ceil((y1 - y0) / cellM));
  return (p) => {
    const [x, y] = proj.toXY(p);
    const c = Math.min(nCols - 1, Math.max(0, Math.floor((x - x0) / cellM)));
    const r = Math.min(nRows - 1, Math.max(0, Math.floor((y - y0) / cellM)));
    return r * nCols + c;
  };
}

/**
 * OD-paired local metrics: trips are keyed by (origin cell, destination cell) and, within a key,
 * the i-th real trip is compared with the i-th generated trip (HOSER's pairing). Input order
 * therefore matters; callers pass both sets in a stable order.
 */
function pairedLocal(
  real: EvalTrip[],
  gen: EvalTrip[],
  box: BBox,
  cellM: number,
  epsM: number,
): { hausdorffKm: number; dtwKm: number; edr: number; pairedN: number; dtwPerKm: number } {
  const cell = makeBoxGrid(box, cellM);
  const key = (t: EvalTrip) => `${cell(t.points[0])}:${cell(t.points[t.points.length - 1])}`;
  const realBy = groupBy(real, key);
  const used = new Map<string, number>();
  let h = 0;
  let d = 0;
  let e = 0;
  let n = 0;
  const perKm: { dtwKm: number; realKm: number }[] = [];
  for (const g of gen) {
    const k = key(g);
    const list = realBy.get(k);
    if (!list) continue;
    const i = used.get(k) ?? 0;
    if (i >= list.length) continue;
    used.set(k, i + 1);
    const r = list[i];
    h += hausdorff(g.points, r.points);
    const pairDtw = dtw(g.points, r.points);
    d += pairDtw;
    e += edr(r.points, g.points, epsM);
    n++;
    perKm.push({ dtwKm: pairDtw, realKm: tripDistanceKm(r.points) });
  }
  if (n === 0) return { hausdorffKm: NaN, dtwKm: NaN, edr: NaN, pairedN: 0, dtwPerKm: NaN };
  return { hausdorffKm: h / n, dtwKm: d / n, edr: e / n, pairedN: n, dtwPerKm: meanDtwPerKm(perKm)?.mean ?? NaN };
}

function odBinKey(p: LonLat, q: LonLat, deg: number): string {
  const b = (x: number) => Math.floor(x / deg);
  return `${b(p[0])},${b(p[1])},${b(q[0])},${b(q[1])}`;
}

/** Share of generated trips whose actual (first, last) point pair, binned, occurs among real trips. */
function odMatchRate(real: EvalTrip[], gen: EvalTrip[], deg: number): number {
  if (gen.length === 0) return NaN;
  const realOd = new Set<string>();
  for (const t of real) realOd.add(odBinKey(t.points[0], t.points[t.points.length - 1], deg));
  let hit = 0;
  for (const t of gen) if (realOd.has(odBinKey(t.points[0], t.points[t.points.length - 1], deg))) hit++;
  return hit / gen.length;
}

function countKeys<K>(items: Iterable<K>): Map<K, number> {
  const m = new Map<K, number>();
  for (const k of items) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Cosine similarity of two sparse count vectors; NaN when either is empty. */
export function cosineCounts<K>(a: Map<K, number>, b: Map<K, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w !== undefined) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  if (na === 0 || nb === 0) return NaN;
  return dot / Math.sqrt(na * nb);
}

/** Top-k keys by count (ties broken by key order, so the result is deterministic). */
function topK<K extends number | string>(counts: Map<K, number>, k: number): Set<K> {
  const entries = [...counts.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return new Set(entries.slice(0, k).map((e) => e[0]));
}

/** F1 of the generated top-k against the real top-k (HTP's "pattern"); NaN when either is empty. */
export function topKF1<K extends number | string>(real: Map<K, number>, gen: Map<K, number>, k: number): number {
  const tr = topK(real, k);
  const tg = topK(gen, k);
  if (tr.size === 0 || tg.size === 0) return NaN;
  let inter = 0;
  for (const x of tg) if (tr.has(x)) inter++;
  if (inter === 0) return 0;
  const precision = inter / tg.size;
  const recall = inter / tr.size;
  return (2 * precision * recall) / (precision + recall);
}

/** Unbounded ~cellM-metre grid (a local projection around the box centre); returns a cell key. */
function makeOpenGrid(box: BBox, cellM: number): (p: LonLat) => string {
  const proj = makeLocalProjection((box[1] + box[3]) / 2);
  return (p) => {
    const [x, y] = proj.toXY(p);
    return `${Math.floor(x / cellM)},${Math.floor(y / cellM)}`;
  };
}

function* allPoints(trips: EvalTrip[]): Generator<LonLat> {
  for (const t of trips) yield* t.points;
}

function* mapIter<T, U>(it: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}

/** The thesis's three distribution JSDs: trip distance, per-hop duration and radius of gyration. */
export function distributionJSDs(
  real: EvalTrip[],
  generated: EvalTrip[],
  bins = 100,
): { distanceJSD: number; durationJSD: number; radiusJSD: number } {
  const dist = (ts: EvalTrip[]) => ts.map((t) => tripDistanceKm(t.points));
  const radius = (ts: EvalTrip[]) => ts.map((t) => radiusOfGyration(t.points));
  return {
    distanceJSD: histogramJSD(dist(real), dist(generated), bins),
    durationJSD: jsdOrNaN(hopMinutes(real), hopMinutes(generated), bins, DURATION_UPPER_QUANTILE),
    radiusJSD: histogramJSD(radius(real), radius(generated), bins),
  };
}

/** Evaluates generated trips against real trips of the same split. Throws on malformed trips. */
export function evaluateTrips(real: EvalTrip[], generated: EvalTrip[], opts: EvalOptions = {}): EvalReport {
  return evaluateTripsPerKm(real, generated, opts).report;
}

/**
 * evaluateTrips, with the DTW per km of the real trip averaged over the same (real, generated) pairs
 * as its summed DTW, from the same DTW computations: for a set of routes without per-route records,
 * such as a loaded file (NaN when no pair is scored).
 */
export function evaluateTripsPerKm(
  real: EvalTrip[],
  generated: EvalTrip[],
  opts: EvalOptions = {},
): { report: EvalReport; dtwPerKm: number } {
  if (real.length === 0) throw new Error('evaluateTrips: no real trips');
  if (generated.length === 0) throw new Error('evaluateTrips: no generated trips');
  validate(real, 'real');
  validate(generated, 'generated');
  const bins = opts.bins ?? 100;
  const box = opts.odBox ?? PORTO_EVAL_BOX;
  const k = opts.topK ?? 100;

  const local = pairedLocal(real, generated, box, opts.odCellM ?? 200, opts.edrEpsM ?? 100);

  const gridKey = makeOpenGrid(box, opts.gridCellM ?? 100);
  const realCells = countKeys(mapIter(allPoints(real), gridKey));
  const genCells = countKeys(mapIter(allPoints(generated), gridKey));

  const hasRoads = real.every((t) => t.roads) && generated.every((t) => t.roads);
  let roadDensityCos = NaN;
  let roadPatternF1 = NaN;
  if (hasRoads) {
    const rr = countKeys(real.flatMap((t) => t.roads ?? []));
    const gr = countKeys(generated.flatMap((t) => t.roads ?? []));
    roadDensityCos = cosineCounts(rr, gr);
    roadPatternF1 = topKF1(rr, gr, k);
  }

  let reached = 0;
  for (const t of generated) if (t.reached !== false) reached++;

  const report: EvalReport = {
    ...distributionJSDs(real, generated, bins),
    hausdorffKm: local.hausdorffKm,
    dtwKm: local.dtwKm,
    edr: local.edr,
    odMatchRate: odMatchRate(real, generated, opts.odMatchDeg ?? 0.001),
    reachedRate: reached / generated.length,
    n: generated.length,
    stepDistanceJSD: jsdOrNaN(hopKm(real), hopKm(generated), bins),
    gridDensityCos: cosineCounts(realCells, genCells),
    gridPatternF1: topKF1(realCells, genCells, k),
    roadDensityCos,
    roadPatternF1,
    pairedN: local.pairedN,
  };
  return { report, dtwPerKm: local.dtwPerKm };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). Throws on an empty list. */
export function meanStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) throw new Error('meanStd: no values');
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (values.length - 1)) };
}

export type AggregatedReport = Record<EvalKey, { mean: number; std: number }>;

/**
 * Mean ± std per key over several runs (e.g. seeds). NaN entries (metric undefined in a run) are
 * left out of that key; a key that is NaN in every run aggregates to NaN ± NaN.
 */
export function aggregateReports(reports: EvalReport[]): AggregatedReport {
  if (reports.length === 0) throw new Error('aggregateReports: no reports');
  const out = {} as AggregatedReport;
  for (const key of EVAL_KEYS) {
    const vals = reports.map((r) => r[key]).filter((v) => Number.isFinite(v));
    out[key] = vals.length === 0 ? { mean: NaN, std: NaN } : meanStd(vals);
  }
  return out;
}
