// GPS traces → matched trajectories on a road network: the step shared by `data build` (the
// embedded dataset), `data match` (a user's traces onto an existing network) and the app's
// "Match GPS traces…". σ comes from the data as Newson & Krumm do (1.4826 × the median distance to
// the nearest road, a robust std estimate), kept within 4–10 m.
import type { GpsTrace } from './gpsTraces';
import { parseGpsCsv } from './gpsTraces';
import { DatasetError } from './types';
import { inBox } from '../geo';
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
  /** Per trace source: traces in, matched, trajectories written. */
  perSource: Record<string, { in: number; matched: number; trajectories: number }>;
  matchSeconds: number;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Matches every trace. A trace split at a jump, a gap or an HMM break gives `<id>-1`, `<id>-2`, …;
 * pieces shorter than `minRoads` are dropped. Deterministic for a given input order.
 */
export function matchTraces(
  network: RoadNetwork,
  traces: GpsTrace[],
  opts: { minRoads: number; options?: Partial<MatchOptions>; onProgress?: (done: number, total: number) => void },
): { trips: Trajectory[]; report: TraceMatchReport } {
  const t0 = performance.now();
  const probe = createMapMatcher(network);
  const nearest: number[] = [];
  for (const t of traces)
    for (const q of t.points) {
      const d = probe.nearestRoadDistM(q);
      if (d < Infinity) nearest.push(d);
    }
  nearest.sort((a, b) => a - b);
  const sigmaEstimateM = nearest.length > 0 ? 1.4826 * quantile(nearest, 0.5) : DEFAULT_MATCH_OPTIONS.sigmaM;
  const options: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, sigmaM: r2(Math.min(10, Math.max(4, sigmaEstimateM))), ...opts.options };
  const matcher = createMapMatcher(network, options);

  const counters = emptyCounters();
  const dropped: Record<string, number> = {};
  const perSource: TraceMatchReport['perSource'] = {};
  const trips: Trajectory[] = [];
  const dists: number[] = [];
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
    } else {
      tripsMatched++;
      if (good.length > 1) tripsSplit++;
      ps.matched++;
      ps.trajectories += good.length;
      good.forEach((pc, k) => {
        trips.push({ id: good.length > 1 ? `${t.id}-${k + 1}` : t.id, roads: pc.roads, times: pc.times.map((x) => Math.round(x)) });
        for (const d of pc.pointDistM) dists.push(d);
      });
    }
    opts.onProgress?.(i + 1, traces.length);
  });
  const sorted = Float64Array.from(dists).sort();
  return {
    trips,
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
}

/**
 * A raw GPS file (ECML, WKT or derived CSV text) matched onto `network`: traces not wholly inside
 * the network's bounding box are dropped and counted. Throws "file:1: header: …" for an unknown
 * layout, and a DatasetError listing the first bad rows when not one trace can be read.
 */
export function matchGpsText(
  network: RoadNetwork,
  fileName: string,
  text: string,
  opts: { minRoads?: number; onProgress?: (done: number, total: number) => void } = {},
): { trips: Trajectory[]; summary: GpsMatchSummary } {
  const parsed = parseGpsCsv(text, fileName);
  if (parsed.traces.length === 0) {
    const issues = parsed.problems ?? [];
    if (issues.length > 0) throw new DatasetError(issues);
    throw new Error(`${fileName}: no usable trace in ${parsed.rows} rows`);
  }
  const box = networkBox(network);
  const inside = parsed.traces.filter((t) => t.points.every((q) => inBox(q, box)));
  const { trips, report } = matchTraces(network, inside, { minRoads: opts.minRoads ?? 5, onProgress: opts.onProgress });
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
    },
  };
}

/** The one-line summary `data match` prints and the app shows. */
export function formatMatchSummary(s: GpsMatchSummary): string {
  const share = s.inside > 0 ? ((100 * s.kept) / s.inside).toFixed(1) : '0.0';
  const dropped = s.read - s.kept;
  return (
    `${s.read} trips read, ${s.inside} inside the network, ${s.kept} kept (${share} % of those inside; ` +
    `${s.trajectories} trajectories, ${s.split} split), ${dropped} dropped${s.droppedWhy.length ? ` (${s.droppedWhy.join(', ')})` : ''}`
  );
}
