// Pieces the data cards of every city share (`data build`: DATA_CARD.md).
import type { DatasetStats } from '../../lib/data/stats';
import type { MatchCounters, MatchOptions } from '../../lib/data/mapMatch';

/** What every city's build-report.json ends with: the split, statistics, files and timing. */
export interface BuildFacts {
  split: { seed: number; odPairs: number };
  stats: DatasetStats;
  avgPathKm: number;
  /** Size and sha256 of each HOSER file (a re-run must give the same). */
  files: Record<string, { bytes: number; sha256: string }>;
  buildSeconds: number;
}

export const fmtCount = (x: number): string => x.toLocaleString('en-US');
export const fmtShare = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** Occurrences of each key, keys in sorted order (so a report's JSON is stable). */
export function countBy(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...keys].sort()) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** "a: 1; b: 2", or "none". */
export function countList(o: Record<string, number>): string {
  const e = Object.entries(o);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k}: ${fmtCount(v)}`).join('; ');
}

/** The card's table of HOSER files and their rows (routes.csv only where the set has routes). */
export function contentsTable(s: DatasetStats, withRoutes: boolean): string {
  return `| file | rows |
|---|---|
| roadmap.geo | ${fmtCount(s.roads)} directed roads |
| roadmap.rel | ${fmtCount(s.relations)} road → road links |
| train.csv | ${fmtCount(s.trajectories.train)} trips |
| val.csv | ${fmtCount(s.trajectories.val)} trips |
| test.csv | ${fmtCount(s.trajectories.test)} trips |${withRoutes ? `\n| routes.csv | ${fmtCount(s.routes)} untimed routes (training only) |` : ''}`;
}

/** What every city's build reports about matching its GPS traces onto its network. */
export interface MatchingFacts {
  options: MatchOptions;
  sigmaEstimateM: number;
  counters: MatchCounters;
  tripsMatched: number;
  tripsSplit: number;
  dropped: Record<string, number>;
  piecesDroppedShort: number;
  shareKeptOfInsideBox: number;
  pointDistMedianM: number;
  pointDistP95M: number;
  matchSeconds: number;
}
