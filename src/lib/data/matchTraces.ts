// GPS traces → matched trajectories on a road network: the step shared by `data build` (the
// embedded dataset), `data match` (a user's traces onto an existing network) and the app's
// "Match GPS traces…". σ comes from the data as Newson & Krumm do (1.4826 × the median distance to
// the nearest road, a robust std estimate), kept within 4–10 m.
import type { GpsTrace } from './gpsTraces';
import type { GpsParseResult } from './gpsTraces';
import { mergeGpsResults, parseGpsCsv } from './gpsTraces';
import { looksLikeCabspotting, parseCabspotting } from './cabspotting';
import { DatasetError } from './types';
import type { ValidationIssue } from './types';
import { inBox, polylineLengthM } from '../geo';
import { addCounters, createMapMatcher, DEFAULT_MATCH_OPTIONS, emptyCounters } from './mapMatch';
import type { MatchCounters, MatchOptions } from './mapMatch';
import type { RoadNetwork, Trajectory } from './types';

export interface TraceMatchReport {
  options: MatchOptions;
  sigmaEstimateM: number;
  counters: MatchCounters;
  tracesIn: number;
  tripsMatched: number;
  tripsSplit: number;
  /** Traces that gave no trajectory, by reason. */
  dropped: Record<string, number>;
  piecesDroppedShort: number;
  pointDistMedianM: number;
  pointDistP95M: number;
  /** Median time between consecutive GPS points of the input (s): picks the sampling profile. */
  medianIntervalS: number;
  /** Median |route − great-circle distance| between consecutive matched points (m). */
  routeGapMedianM: number;
  /** β as Newson & Krumm estimate it from the matched transitions: median gap / ln 2 (m). */
  betaEstimateM: number;
  /**
   * Matched path length / GPS polyline length (sum of straight hops) over the traces matched in one
   * piece: above 1 where straight hops cut corners between sparse fixes.
   */
  lengthRatio: { traces: number; median: number; p10: number; p90: number; within10pc: number };
  /** Per trace source: traces in, matched, trajectories written. */
  perSource: Record<string, { in: number; matched: number; trajectories: number }>;
  matchSeconds: number;
}

/** A trace that gave no trajectory, and why (one of TraceMatchReport.dropped's reasons). */
export interface DroppedTrace {
  trace: GpsTrace;
  reason: string;
}

/** Traces dropped while matching listed with their line; beyond this they are only counted (as parsing lists its rows). */
export const MAX_LISTED_DROPS = 200;

/** A dropped trace as `file:line: trace <id>: reason` (line 0 when its reader did not say where it starts). */
export function droppedTraceIssue(d: DroppedTrace, fallbackFile: string): ValidationIssue {
  return { file: d.trace.at?.file ?? fallbackFile, line: d.trace.at?.line ?? 0, field: `trace ${d.trace.id}`, reason: d.reason };
}

/** The q-quantile of sorted values (the lower one: no interpolation); NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Median seconds between consecutive points over all traces (0 with none). */
export function medianInterval(traces: GpsTrace[]): number {
  const dt: number[] = [];
  for (const t of traces) for (let i = 1; i < t.times.length; i++) dt.push(t.times[i] - t.times[i - 1]);
  return dt.length > 0 ? quantile(Float64Array.from(dt).sort(), 0.5) : 0;
}

/** Fixes at least this far apart (median) are matched with SPARSE_MATCH_OPTIONS. */
export const SPARSE_INTERVAL_S = 45;

/**
 * Options for fixes about a minute apart (cabspotting San Francisco: median 60 s; Porto: 15 s), set
 * from measurements on a sample of 2,244 SF trips (the SF data card gives the full-build figures):
 * - a time gap splits a trace only past 300 s, the trip rule's own gap: 2.7 % of the hops inside
 *   trips take 120–300 s, and the 120 s split cut 121 of the sample's trips in two and dropped more
 *   as too short (kept 97.3 % → 98.8 %);
 * - β = 60 m instead of 25: hops are four times longer (median 270 m, 99th percentile 1.05 km), so a
 *   route may stray further from the straight line. Matching every other fix (120 s) and scoring
 *   the fixes left out, β = 10 / 25 / 60 / 120 m put 73.6 / 73.8 / 74.0 / 74.0 % of them within
 *   20 m of the matched path; at 60 s, β = 60 lowers the 95th-percentile point-to-road distance from
 *   29.6 to 27.8 m. (N&K's estimate, median |route − straight line| / ln 2, gives 5–10 m on the
 *   matcher's own output, but that output follows the β it was matched with, so it is only reported);
 * - detours up to 2 km beyond the straight line (Porto 1.5 km), room for the hops of up to 300 s the
 *   gap rule now keeps; 0.8–3 km changed nothing measurable on the sample;
 * - the candidate radius stays 80 m: 99.6 % of the in-box fixes lie within 80 m of a road (median
 *   4.4 m, 95th percentile 29 m, 99th 50 m); 50 m lost held-out accuracy, 120 m gained 0.1 point at
 *   twice the time.
 */
export const SPARSE_MATCH_OPTIONS: Partial<MatchOptions> = {
  maxGapS: 300,
  betaM: 60,
  maxDetourM: 2000,
  radiusM: 80,
};

/** The options a sampling interval calls for: none beyond the defaults below SPARSE_INTERVAL_S. */
export function samplingOptions(medianIntervalS: number): Partial<MatchOptions> {
  return medianIntervalS >= SPARSE_INTERVAL_S ? SPARSE_MATCH_OPTIONS : {};
}

/** The matcher's options as estimated from a set of traces (σ from their distances to the nearest road, the sampling profile from their intervals). */
export interface MatchCalibration {
  options: MatchOptions;
  sigmaEstimateM: number;
  medianIntervalS: number;
}

/** Estimates σ and the sampling profile from `traces`; `override` wins over both. */
export function calibrateMatch(network: RoadNetwork, traces: GpsTrace[], override?: Partial<MatchOptions>): MatchCalibration {
  const probe = createMapMatcher(network);
  const nearest: number[] = [];
  for (const t of traces)
    for (const q of t.points) {
      const d = probe.nearestRoadDistM(q);
      if (d < Infinity) nearest.push(d);
    }
  nearest.sort((a, b) => a - b);
  const sigmaEstimateM = nearest.length > 0 ? 1.4826 * quantile(nearest, 0.5) : DEFAULT_MATCH_OPTIONS.sigmaM;
  const medianIntervalS = medianInterval(traces);
  const options: MatchOptions = {
    ...DEFAULT_MATCH_OPTIONS,
    sigmaM: r2(Math.min(10, Math.max(4, sigmaEstimateM))),
    ...samplingOptions(medianIntervalS),
    ...override,
  };
  return { options, sigmaEstimateM, medianIntervalS };
}

/**
 * Matches every trace. A trace split at a jump, a gap or an HMM break gives `<id>-1`, `<id>-2`, …;
 * pieces shorter than `minRoads` are dropped. Deterministic for a given input order.
 */
export function matchTraces(
  network: RoadNetwork,
  traces: GpsTrace[],
  opts: {
    minRoads: number;
    options?: Partial<MatchOptions>;
    /** Options already estimated (on a larger sample: `data match` streams): no estimate from these traces. */
    calibrated?: MatchCalibration;
    onProgress?: (done: number, total: number) => void;
  },
): { trips: Trajectory[]; report: TraceMatchReport; droppedTraces: DroppedTrace[]; pointDistsSorted: Float64Array } {
  const t0 = performance.now();
  const { options, sigmaEstimateM, medianIntervalS } = opts.calibrated ?? calibrateMatch(network, traces, opts.options);
  const matcher = createMapMatcher(network, options);

  const counters = emptyCounters();
  const dropped: Record<string, number> = {};
  const droppedTraces: DroppedTrace[] = [];
  const perSource: TraceMatchReport['perSource'] = {};
  const trips: Trajectory[] = [];
  const dists: number[] = [];
  const gaps: number[] = [];
  const ratios: number[] = [];
  let tripsSplit = 0;
  let piecesDroppedShort = 0;
  let tripsMatched = 0;
  traces.forEach((t, i) => {
    const ps = (perSource[t.source ?? 'unknown'] ??= { in: 0, matched: 0, trajectories: 0 });
    ps.in++;
    const res = matcher.match(t.points, t.times);
    addCounters(counters, res.counters);
    const good = res.pieces.filter((pc) => pc.roads.length >= opts.minRoads);
    piecesDroppedShort += res.pieces.length - good.length;
    if (good.length === 0) {
      const why = res.pieces.length === 0 ? 'no road near any point' : `fewer than ${opts.minRoads} roads matched`;
      dropped[why] = (dropped[why] ?? 0) + 1;
      droppedTraces.push({ trace: t, reason: why });
    } else {
      tripsMatched++;
      if (good.length > 1) tripsSplit++;
      ps.matched++;
      ps.trajectories += good.length;
      good.forEach((pc, k) => {
        trips.push({ id: good.length > 1 ? `${t.id}-${k + 1}` : t.id, roads: pc.roads, times: pc.times.map((x) => Math.round(x)) });
        for (const d of pc.pointDistM) dists.push(d);
        for (const g of pc.routeGapM) gaps.push(g);
      });
      const gpsM = polylineLengthM(t.points);
      if (res.pieces.length === 1 && gpsM > 0) ratios.push(res.pieces[0].pathM / gpsM);
    }
    opts.onProgress?.(i + 1, traces.length);
  });
  const sorted = Float64Array.from(dists).sort();
  const sortedGaps = Float64Array.from(gaps).sort();
  const sortedRatios = Float64Array.from(ratios).sort();
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const routeGapMedianM = quantile(sortedGaps, 0.5);
  return {
    trips,
    droppedTraces,
    pointDistsSorted: sorted,
    report: {
      options,
      sigmaEstimateM: r2(sigmaEstimateM),
      counters,
      tracesIn: traces.length,
      tripsMatched,
      tripsSplit,
      dropped,
      piecesDroppedShort,
      pointDistMedianM: r2(quantile(sorted, 0.5)),
      pointDistP95M: r2(quantile(sorted, 0.95)),
      medianIntervalS,
      routeGapMedianM: r2(routeGapMedianM),
      betaEstimateM: r2(routeGapMedianM / Math.LN2),
      lengthRatio: {
        traces: ratios.length,
        median: r3(quantile(sortedRatios, 0.5)),
        p10: r3(quantile(sortedRatios, 0.1)),
        p90: r3(quantile(sortedRatios, 0.9)),
        within10pc: r3(ratios.length ? ratios.filter((x) => Math.abs(x - 1) <= 0.1).length / ratios.length : 0),
      },
      perSource,
      matchSeconds: r2((performance.now() - t0) / 1000),
    },
  };
}

/** Bounding box [minLon, minLat, maxLon, maxLat] of a network's road geometry. */
export function networkBox(network: RoadNetwork): [number, number, number, number] {
  let minLon = Infinity,
    minLat = Infinity,
    maxLon = -Infinity,
    maxLat = -Infinity;
  for (const r of network.roads)
    for (const [lon, lat] of r.coords) {
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
    }
  return [minLon, minLat, maxLon, maxLat];
}

/** What matching a user's GPS file gave: the `data match` line and the app's summary. */
export interface GpsMatchSummary {
  file: string;
  read: number;
  inside: number;
  kept: number;
  split: number;
  trajectories: number;
  /** Why the others were dropped ("12 not inside the network's area", …). */
  droppedWhy: string[];
  pointDistMedianM: number;
  pointDistP95M: number;
  sigmaM: number;
  /** Lines or rows that could not be read (the first ones of each file), to list for the user. */
  problems?: ValidationIssue[];
  /**
   * Traces read but dropped at matching (outside the network's area, no road near, too few roads),
   * each with the line it starts on; the first MAX_LISTED_DROPS, in file order.
   */
  unmatched?: ValidationIssue[];
}

/** How a GPS file is laid out: a CSV layout parseGpsCsv knows, or cabspotting per-taxi text. */
export type GpsFormat = 'auto' | 'csv' | 'cabspotting';

/** Parses one GPS file; `auto` takes cabspotting when the first line reads `lat lon 0|1 time`. */
export function parseGpsText(text: string, fileName: string, format: GpsFormat = 'auto'): GpsParseResult {
  const cab = format === 'cabspotting' || (format === 'auto' && looksLikeCabspotting(text));
  return cab ? parseCabspotting(text, fileName) : parseGpsCsv(text, fileName);
}

/**
 * A raw GPS file (ECML, WKT or derived CSV text, or a cabspotting taxi file) matched onto
 * `network`: traces not wholly inside the network's bounding box are dropped and counted. Throws
 * "file:1: header: …" for an unknown layout, and a DatasetError listing the first bad rows when
 * not one trace can be read.
 */
export function matchGpsText(
  network: RoadNetwork,
  fileName: string,
  text: string,
  opts: { minRoads?: number; format?: GpsFormat; onProgress?: (done: number, total: number) => void } = {},
): { trips: Trajectory[]; summary: GpsMatchSummary } {
  return matchGpsFiles(network, [{ name: fileName, text }], opts);
}

/** As matchGpsText over several files matched together (one σ estimate, one matcher). */
export function matchGpsFiles(
  network: RoadNetwork,
  files: { name: string; text: string }[],
  opts: { minRoads?: number; format?: GpsFormat; onProgress?: (done: number, total: number) => void } = {},
): { trips: Trajectory[]; summary: GpsMatchSummary } {
  const results = files.map((f) => parseGpsText(f.text, f.name, opts.format));
  // One file as parsed; several merged (which drops a trip id seen in an earlier file).
  const parsed = results.length === 1 ? results[0] : mergeGpsResults(results);
  const problems = results.flatMap((r) => r.problems ?? []);
  const fileName = files.length === 1 ? files[0].name : `${files.length} files`;
  if (parsed.traces.length === 0) {
    if (problems.length > 0) throw new DatasetError(problems);
    throw new Error(`${fileName}: no usable trace in ${parsed.rows} rows`);
  }
  const box = networkBox(network);
  const isInside = (t: GpsTrace): boolean => t.points.every((q) => inBox(q, box));
  const inside = parsed.traces.filter(isInside);
  const { trips, report, droppedTraces } = matchTraces(network, inside, { minRoads: opts.minRoads ?? 5, onProgress: opts.onProgress });
  // Every trace dropped after reading, in the order of the input (by file, then line).
  const why = new Map<GpsTrace, string>(droppedTraces.map((d) => [d.trace, d.reason]));
  for (const t of parsed.traces) if (!isInside(t)) why.set(t, "not inside the network's area");
  const unmatched = parsed.traces
    .filter((t) => why.has(t))
    .slice(0, MAX_LISTED_DROPS)
    .map((t) => droppedTraceIssue({ trace: t, reason: why.get(t)! }, fileName));
  const droppedWhy = [
    ...(parsed.traces.length > inside.length ? [`${parsed.traces.length - inside.length} not inside the network's area`] : []),
    ...Object.entries(report.dropped).map(([why, n]) => `${n} ${why}`),
    ...Object.entries(parsed.skipped).map(([why, n]) => `${n} unreadable (${why})`),
  ];
  return {
    trips,
    summary: {
      file: fileName,
      read: parsed.rows,
      inside: inside.length,
      kept: report.tripsMatched,
      split: report.tripsSplit,
      trajectories: trips.length,
      droppedWhy,
      pointDistMedianM: report.pointDistMedianM,
      pointDistP95M: report.pointDistP95M,
      sigmaM: report.options.sigmaM,
      problems,
      unmatched,
    },
  };
}

/**
 * The one-line summary `data match` prints and the app shows. One count per trace read: kept or
 * dropped (with why); then what the kept ones became, since a trace cut at a GPS jump or pause
 * gives one trajectory per piece, so there can be more trajectories than trips kept.
 */
export function formatMatchSummary(s: GpsMatchSummary): string {
  const share = s.inside > 0 ? ((100 * s.kept) / s.inside).toFixed(1) : '0.0';
  const dropped = s.read - s.kept;
  const pieces =
    s.split > 0
      ? `; the ${s.kept} kept gave ${s.trajectories} trajectories, as ${s.split} ${s.split === 1 ? 'was' : 'were'} cut in pieces where the GPS jumps or pauses`
      : '';
  return (
    `${s.read} trips read, ${s.inside} inside the network, ${s.kept} kept (${share} % of those inside), ` +
    `${dropped} dropped${s.droppedWhy.length ? ` (${s.droppedWhy.join(', ')})` : ''}${pieces}`
  );
}
