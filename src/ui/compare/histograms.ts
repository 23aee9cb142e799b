// Trip-length, duration and radius distributions for the comparison charts: the whole real split
// against the generated route sample. Both sides are measured the same way, along the drawn road
// geometry, so the shapes are comparable (the report's JSDs use road centroids instead).
import type { LonLat } from '../../lib/data/types';
import { haversineKm } from '../../lib/geo';
import { histogram, jsd, radiusOfGyration } from '../../lib/eval/metrics';
import type { TripRender } from '../../../workers/dataMessages';
import type { TimedPath } from './routeGeometry';

export type StatKey = 'km' | 'minutes' | 'radiusKm';

export interface TripStats {
  km: number[];
  minutes: number[];
  radiusKm: number[];
}

export const STAT_LABEL: Record<StatKey, string> = {
  km: 'Trip distance (km)',
  minutes: 'Trip duration (min)',
  radiusKm: 'Radius of gyration (km)',
};

function polyKm(p: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < p.length; i++) s += haversineKm(p[i - 1], p[i]);
  return s;
}

/** Stats of every trip of a rendered split (flat buffers, no per-trip arrays kept). */
export function realSplitStats(t: TripRender): TripStats {
  const out: TripStats = { km: [], minutes: [], radiusKm: [] };
  const pts: LonLat[] = [];
  for (let i = 0; i < t.count; i++) {
    pts.length = 0;
    for (let v = t.starts[i]; v < t.starts[i + 1]; v++) pts.push([t.positions[2 * v], t.positions[2 * v + 1]]);
    if (pts.length === 0) continue;
    out.km.push(polyKm(pts));
    out.minutes.push(t.minutes[i]);
    out.radiusKm.push(radiusOfGyration(pts));
  }
  return out;
}

/** Stats of drawn generated routes (their timestamps give the duration). */
export function pathStats(paths: TimedPath[]): TripStats {
  const out: TripStats = { km: [], minutes: [], radiusKm: [] };
  for (const p of paths) {
    if (p.path.length === 0) continue;
    out.km.push(polyKm(p.path));
    out.minutes.push((p.timestamps[p.timestamps.length - 1] ?? 0) / 60);
    out.radiusKm.push(radiusOfGyration(p.path));
  }
  return out;
}

/** p-th quantile (0…1) by sorting a copy; NaN for no values. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))));
  return s[idx];
}

export interface HistSeries {
  name: string;
  /** Share of the series' trips per bin (sums to 1; the last entry is the overflow bin). */
  shares: number[];
  n: number;
  /** JSD against the real series on these bins; null for the real series itself. */
  jsd: number | null;
}

export interface HistData {
  /** Regular bins span [0, max]; one more bin holds everything above. */
  max: number;
  bins: number;
  series: HistSeries[];
}

/**
 * Shares per bin for the real values and each generated set, on bins over [0, 99th percentile of
 * the real values] (a few very long trips would otherwise squash the chart) plus an overflow bin.
 */
export function compareHistograms(real: number[], generated: { name: string; values: number[] }[], bins = 30): HistData | null {
  if (real.length === 0) return null;
  const max = quantile(real, 0.99) || Math.max(...real) || 1;
  const realCounts = histogram(real, max, bins);
  const shares = (c: Float64Array, n: number) => Array.from(c, (x) => (n > 0 ? x / n : 0));
  const series: HistSeries[] = [{ name: 'real', shares: shares(realCounts, real.length), n: real.length, jsd: null }];
  for (const g of generated) {
    const counts = histogram(g.values, max, bins);
    series.push({
      name: g.name,
      shares: shares(counts, g.values.length),
      n: g.values.length,
      jsd: g.values.length ? jsd(realCounts, counts) : null,
    });
  }
  return { max, bins, series };
}
