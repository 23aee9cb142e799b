// Turns road-id routes and rendered real trips into drawable polylines with per-vertex timestamps
// (seconds from the trip's own start, so every trip of an OD starts together in the animation).
import type { LonLat } from '../../lib/data/types';
import { haversineM } from '../../lib/geo';
import type { Bounds, PathBundle, TripRender } from '../../../workers/dataMessages';

export interface TimedPath {
  path: LonLat[];
  /** Seconds since the trip's start, one per vertex, non-decreasing. */
  timestamps: number[];
}

/** Used when a route has no usable times (a single road, or equal times): ~30 km/h. */
const FALLBACK_SPEED_MS = 8.3;

function vertex(b: PathBundle, v: number): LonLat {
  return [b.positions[2 * v], b.positions[2 * v + 1]];
}

export function roadCoords(roads: PathBundle, rid: number): LonLat[] {
  if (!Number.isInteger(rid) || rid < 0 || rid >= roads.count)
    throw new RangeError(`road ${rid} is not in the loaded network (${roads.count} roads)`);
  const out: LonLat[] = [];
  for (let v = roads.starts[rid]; v < roads.starts[rid + 1]; v++) out.push(vertex(roads, v));
  return out;
}

function lengthM(coords: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < coords.length; i++) s += haversineM(coords[i - 1], coords[i]);
  return s;
}

/**
 * A generated route along the full road geometry. Each road is entered at its `times` entry and
 * crossed at constant speed until the next road's entry; the last road is crossed at the route's
 * mean speed (no exit time exists). A joint shared by consecutive roads is written once.
 */
export function routePath(roads: PathBundle, ids: number[], times: number[]): TimedPath {
  if (ids.length === 0) return { path: [], timestamps: [] };
  const geoms = ids.map((r) => roadCoords(roads, r));
  const lens = geoms.map(lengthM);
  const t0 = times[0];
  const span = times[times.length - 1] - t0;
  let before = 0;
  for (let i = 0; i < ids.length - 1; i++) before += lens[i];
  const speed = span > 0 && before > 0 ? before / span : FALLBACK_SPEED_MS;
  const path: LonLat[] = [];
  const timestamps: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const start = times[i] - t0;
    const end = i + 1 < ids.length ? Math.max(start, times[i + 1] - t0) : start + lens[i] / speed;
    const g = geoms[i];
    let walked = 0;
    for (let k = 0; k < g.length; k++) {
      if (k > 0) walked += haversineM(g[k - 1], g[k]);
      const p = g[k];
      const last = path[path.length - 1];
      if (k === 0 && last && last[0] === p[0] && last[1] === p[1]) continue;
      path.push(p);
      timestamps.push(lens[i] > 0 ? start + ((end - start) * walked) / lens[i] : start);
    }
  }
  return { path, timestamps };
}

/**
 * The same polyline shifted `metres` to the right of its direction of travel (vertex normals from
 * the neighbouring segments, in a local metric frame). Used to draw two identical routes side by
 * side instead of one on top of the other.
 */
export function offsetPath(path: LonLat[], metres: number): LonLat[] {
  if (path.length < 2) return path.slice();
  const lat0 = path[0][1] * (Math.PI / 180);
  const ky = 111_320;
  const kx = ky * Math.cos(lat0);
  return path.map((p, i) => {
    const a = path[Math.max(0, i - 1)];
    const b = path[Math.min(path.length - 1, i + 1)];
    const dx = (b[0] - a[0]) * kx;
    const dy = (b[1] - a[1]) * ky;
    const len = Math.hypot(dx, dy);
    if (len === 0) return [p[0], p[1]] as LonLat;
    // Right-hand normal of (dx, dy) is (dy, −dx).
    return [p[0] + ((dy / len) * metres) / kx, p[1] + ((-dx / len) * metres) / ky] as LonLat;
  });
}

/** Whether two generated routes are the same road sequence. */
export function sameRoute(a: { roads: number[] }, b: { roads: number[] }): boolean {
  return a.roads.length === b.roads.length && a.roads.every((r, i) => r === b.roads[i]);
}

/** Trip index by id, for finding the real trips a route row names. */
export function tripIndex(trips: TripRender): Map<string, number> {
  const m = new Map<string, number>();
  trips.ids.forEach((id, i) => m.set(id, i));
  return m;
}

/**
 * A real trip as drawn by the data view. The render data carries only the trip's total duration,
 * so the animation moves along it at its mean speed (the timing inside the trip is approximate).
 */
export function realTripPath(trips: TripRender, i: number): TimedPath {
  const path: LonLat[] = [];
  for (let v = trips.starts[i]; v < trips.starts[i + 1]; v++) path.push(vertex(trips, v));
  const total = lengthM(path);
  const seconds = trips.minutes[i] * 60;
  const timestamps: number[] = [0];
  let walked = 0;
  for (let k = 1; k < path.length; k++) {
    walked += haversineM(path[k - 1], path[k]);
    timestamps.push(total > 0 ? (seconds > 0 ? (seconds * walked) / total : walked / FALLBACK_SPEED_MS) : 0);
  }
  return { path, timestamps: path.length ? timestamps : [] };
}

/** Bounds of several paths; null when all are empty. */
export function pathsBounds(paths: LonLat[][]): Bounds | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of paths) {
    for (const [lon, lat] of p) {
      if (lon < w) w = lon;
      if (lon > e) e = lon;
      if (lat < s) s = lat;
      if (lat > n) n = lat;
    }
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** Midpoint of a road's geometry: where the OD markers sit. */
export function roadMidpoint(roads: PathBundle, rid: number): LonLat | null {
  if (!Number.isInteger(rid) || rid < 0 || rid >= roads.count) return null;
  const a = roads.starts[rid];
  const b = roads.starts[rid + 1];
  if (b <= a) return null;
  return vertex(roads, a + Math.floor((b - 1 - a) / 2));
}
