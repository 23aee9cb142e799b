// Cross-source deduplication of raw GPS traces. The same ECML trip turns up in several public
// repositories (with shifted clocks, rounded coordinates or a different id), so ids cannot be
// trusted. Two traces are the same trip when they start within a minute of each other and within
// `startRadiusM` of each other, or when their point sequences are equal at 4 decimals (≈ 10 m).
// The start rule applies only across sources: within one source every trip has its own key, and
// taxis leaving the same stand in the same minute are different trips (the Porto files hold ~180
// such pairs with different TAXI_IDs). The first occurrence wins: pass traces in order of preference.
import type { GpsTrace } from './gpsTraces';
import { haversineM } from '../geo';

export interface DedupeOptions {
  /** Start points closer than this (metres) can be the same trip. */
  startRadiusM: number;
  /** Start times closer than this (seconds) can be the same trip. */
  startWindowS: number;
}

export const DEFAULT_DEDUPE: DedupeOptions = { startRadiusM: 300, startWindowS: 60 };

export interface DedupeResult {
  kept: GpsTrace[];
  /** Each dropped trace with the id of the kept trace it duplicates and why. */
  dropped: { id: string; source: string; sameAs: string; rule: 'start' | 'points' }[];
}

function pointsKey(t: GpsTrace): string {
  return t.points.map((p) => `${p[0].toFixed(4)},${p[1].toFixed(4)}`).join(';');
}

export function dedupeTraces(traces: GpsTrace[], opts: DedupeOptions = DEFAULT_DEDUPE): DedupeResult {
  const kept: GpsTrace[] = [];
  const dropped: DedupeResult['dropped'] = [];
  const byPoints = new Map<string, string>();
  // Kept traces bucketed by start time, so a lookup scans only neighbouring buckets.
  const buckets = new Map<number, GpsTrace[]>();
  const w = opts.startWindowS;
  for (const t of traces) {
    const pk = pointsKey(t);
    const samePoints = byPoints.get(pk);
    if (samePoints !== undefined) {
      dropped.push({ id: t.id, source: t.source ?? '', sameAs: samePoints, rule: 'points' });
      continue;
    }
    const t0 = t.times[0];
    const b = Math.floor(t0 / w);
    let match: GpsTrace | undefined;
    for (let k = b - 1; k <= b + 1 && !match; k++) {
      for (const o of buckets.get(k) ?? []) {
        if (o.source === t.source) continue;
        if (Math.abs(o.times[0] - t0) < w && haversineM(o.points[0], t.points[0]) <= opts.startRadiusM) {
          match = o;
          break;
        }
      }
    }
    if (match) {
      dropped.push({ id: t.id, source: t.source ?? '', sameAs: match.id, rule: 'start' });
      continue;
    }
    kept.push(t);
    byPoints.set(pk, t.id);
    const list = buckets.get(b);
    if (list) list.push(t);
    else buckets.set(b, [t]);
  }
  return { kept, dropped };
}
