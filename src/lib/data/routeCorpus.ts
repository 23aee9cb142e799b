// The untimed route corpus: real map-matched taxi routes that came to us as road geometry on
// another network (the LibCity/TS-TrajGen Porto network), with no timestamps. We re-match them onto
// our own OSM network: each polyline is resampled every `stepM` metres and fed to the HMM matcher
// with synthetic times at a constant speed, so the matcher's transitions are distance-only in
// effect (time gaps and speed jumps can never trigger). Recovery is measured per route: how far the
// resampled points lie from the matched roads, and how the matched path length compares with the
// polyline's.
import Papa from 'papaparse';
import type { LonLat, RoadNetwork, Route, Trajectory } from './types';
import type { MapMatcher } from './mapMatch';
import { odKey } from './odSplit';
import { haversineM } from '../geo';

export interface RoutePolyline {
  id: string;
  points: LonLat[];
}

/** Parses the decoded corpus (ROUTE_INDEX, …, POLYLINE = JSON [[lon,lat],…]). */
export function parseRoutePolylines(
  text: string,
  label: string,
): { routes: RoutePolyline[]; rows: number; skipped: Record<string, number> } {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  if (!fields.includes('POLYLINE')) throw new Error(`${label}:1: header: POLYLINE column missing; columns found: ${fields.join(', ')}`);
  const routes: RoutePolyline[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => void (skipped[why] = (skipped[why] ?? 0) + 1);
  parsed.data.forEach((row, i) => {
    let v: unknown;
    try {
      v = JSON.parse(row.POLYLINE ?? '');
    } catch {
      return skip('polyline is not JSON');
    }
    if (!Array.isArray(v) || v.length < 2) return skip('fewer than two points');
    const ok = v.every((p) => Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (!ok) return skip('bad coordinate');
    if ((row.IN_BOX ?? '1').trim() === '0') return skip('outside the box');
    const id = (row.ROUTE_INDEX ?? '').trim() || String(i);
    routes.push({ id, points: v as LonLat[] });
  });
  return { routes, rows: parsed.data.length, skipped };
}

/** Points every `stepM` metres along a polyline (both ends kept). */
export function resamplePolyline(points: LonLat[], stepM: number): LonLat[] {
  const out: LonLat[] = [points[0]];
  let carry = 0; // metres walked since the last emitted point
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const seg = haversineM(a, b);
    let at = stepM - carry;
    while (at <= seg) {
      const u = at / seg;
      out.push([a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])]);
      at += stepM;
    }
    carry = seg - (at - stepM);
  }
  const last = points[points.length - 1];
  const tail = out[out.length - 1];
  if (tail[0] !== last[0] || tail[1] !== last[1]) out.push(last);
  return out;
}

export interface RouteMatchOptions {
  /** Resampling step along the polyline (m). */
  stepM: number;
  /** Pieces shorter than this many roads are dropped. */
  minRoads: number;
  /** Synthetic speed for the matcher's times (m/s); any value well under its jump speed works. */
  speedMps: number;
}

export const DEFAULT_ROUTE_MATCH: RouteMatchOptions = { stepM: 30, minRoads: 5, speedMps: 10 };

export interface RouteRecovery {
  routesIn: number;
  /** Routes with at least one piece kept. */
  routesMatched: number;
  /** Matched as one piece (no HMM break). */
  routesWhole: number;
  piecesKept: number;
  piecesDroppedShort: number;
  /** Share of resampled points within 15 m of their matched road. */
  pointsWithin15m: number;
  pointDistMedianM: number;
  pointDistP95M: number;
  /** Median of matched path length / polyline length over matched routes. */
  lengthRatioMedian: number;
  /** Share of matched routes whose matched length is within ±10 % of the polyline's. */
  lengthWithin10pc: number;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Matches every polyline; pieces keep the route id (`id-2`, … when a route breaks). */
export function matchRoutePolylines(
  net: RoadNetwork,
  matcher: MapMatcher,
  polylines: RoutePolyline[],
  source: string,
  opts: RouteMatchOptions = DEFAULT_ROUTE_MATCH,
): { routes: Route[]; recovery: RouteRecovery } {
  const routes: Route[] = [];
  const dists: number[] = [];
  const ratios: number[] = [];
  let matched = 0;
  let whole = 0;
  let droppedShort = 0;
  for (const pl of polylines) {
    const pts = resamplePolyline(pl.points, opts.stepM);
    const times: number[] = [0];
    for (let i = 1; i < pts.length; i++) times.push(times[i - 1] + haversineM(pts[i - 1], pts[i]) / opts.speedMps);
    const res = matcher.match(pts, times);
    const good = res.pieces.filter((p) => p.roads.length >= opts.minRoads);
    droppedShort += res.pieces.length - good.length;
    if (good.length === 0) continue;
    matched++;
    if (res.pieces.length === 1) whole++;
    let matchedLen = 0;
    good.forEach((p, k) => {
      routes.push({ id: good.length > 1 ? `${pl.id}-${k + 1}` : pl.id, roads: p.roads, source });
      for (const d of p.pointDistM) dists.push(d);
      for (const r of p.roads) matchedLen += net.roads[r].lengthM;
    });
    let plLen = 0;
    for (let i = 1; i < pl.points.length; i++) plLen += haversineM(pl.points[i - 1], pl.points[i]);
    if (plLen > 0) ratios.push(matchedLen / plLen);
  }
  const sortedD = Float64Array.from(dists).sort();
  const sortedR = Float64Array.from(ratios).sort();
  let within = 0;
  for (const d of dists) if (d <= 15) within++;
  let lenOk = 0;
  for (const r of ratios) if (Math.abs(r - 1) <= 0.1) lenOk++;
  const round = (x: number, k = 3): number => Math.round(x * 10 ** k) / 10 ** k;
  return {
    routes,
    recovery: {
      routesIn: polylines.length,
      routesMatched: matched,
      routesWhole: whole,
      piecesKept: routes.length,
      piecesDroppedShort: droppedShort,
      pointsWithin15m: round(dists.length ? within / dists.length : 0),
      pointDistMedianM: round(quantile(sortedD, 0.5), 2),
      pointDistP95M: round(quantile(sortedD, 0.95), 2),
      lengthRatioMedian: round(quantile(sortedR, 0.5)),
      lengthWithin10pc: round(ratios.length ? lenOk / ratios.length : 0),
    },
  };
}

export interface LeakageReport {
  /** Dropped: (first road, last road) is a val or test OD pair. */
  droppedOdPair: number;
  /** Dropped as a near copy: ≥ `overlap` of the route's distinct roads lie on one val or test trip and ≥ `overlap` of that trip's distinct roads lie on the route. */
  droppedNearCopy: number;
  /**
   * For the record, not applied: routes (after the OD guard) with ≥ `overlap` of their roads on one
   * held-out trip, whatever share of the trip they cover. This one-sided rule was the guard before;
   * central Porto's shared corridors made it drop about half the corpus.
   */
  oneSidedOverlap: number;
  kept: number;
}

/**
 * Removes routes that could leak evaluation trips into training: same OD pair as a val/test trip,
 * or a near copy of one: the route and a single val/test trip each have ≥ `overlap` (default 80 %)
 * of their distinct roads on the other. A short route along part of a long held-out trip is kept:
 * it shares a corridor, it does not give the trip away.
 */
export function dropLeakingRoutes(routes: Route[], heldOut: Trajectory[], overlap = 0.8): { routes: Route[]; report: LeakageReport } {
  const heldOd = new Set(heldOut.map(odKey));
  const tripSize = heldOut.map((t) => new Set(t.roads).size);
  // Inverted index: road → held-out trips that use it.
  const tripsOfRoad = new Map<number, number[]>();
  heldOut.forEach((t, i) => {
    for (const r of new Set(t.roads)) {
      const l = tripsOfRoad.get(r);
      if (l) l.push(i);
      else tripsOfRoad.set(r, [i]);
    }
  });
  const kept: Route[] = [];
  let droppedOdPair = 0;
  let droppedNearCopy = 0;
  let oneSidedOverlap = 0;
  const shared = new Map<number, number>();
  for (const route of routes) {
    if (heldOd.has(`${route.roads[0]}>${route.roads[route.roads.length - 1]}`)) {
      droppedOdPair++;
      continue;
    }
    const distinct = new Set(route.roads);
    shared.clear();
    for (const r of distinct) {
      for (const t of tripsOfRoad.get(r) ?? []) shared.set(t, (shared.get(t) ?? 0) + 1);
    }
    let oneSided = false;
    let nearCopy = false;
    for (const [t, c] of shared) {
      if (c < overlap * distinct.size) continue;
      oneSided = true;
      if (c >= overlap * tripSize[t]) nearCopy = true;
    }
    if (oneSided) oneSidedOverlap++;
    if (nearCopy) {
      droppedNearCopy++;
      continue;
    }
    kept.push(route);
  }
  return { routes: kept, report: { droppedOdPair, droppedNearCopy, oneSidedOverlap, kept: kept.length } };
}
