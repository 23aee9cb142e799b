// Compact storage for very many trips (600k simulated trips ≈ 16M road visits): one flat array of
// road ids and one of entry times, in CSR form. A Trajectory object per trip would cost several
// hundred bytes of object overhead each; these arrays cost 8 bytes per road visit and transfer
// between workers without copying.
import type { Trajectory } from '../data/types';

export interface PackedTrips {
  count: number;
  /**
   * Trip i's roads are roads[offsets[i] .. offsets[i+1]). Offsets index the shared `roads`/`rel`
   * arrays, so a slice of trips is a subarray of `offsets` over the same buffers.
   */
  offsets: Uint32Array;
  roads: Int32Array;
  /** Entry time of every road, whole seconds after the trip's departure (non-decreasing). */
  rel: Uint32Array;
  /** Departure (entry time of the first road) per trip, unix seconds. */
  start: Float64Array;
  /** Trip i's id is idPrefix + (firstIndex + i). */
  idPrefix: string;
  firstIndex: number;
}

export function tripLength(p: PackedTrips, i: number): number {
  return p.offsets[i + 1] - p.offsets[i];
}

/** Trip i as a plain Trajectory (for writers, the trainer and small samples). */
export function unpackTrip(p: PackedTrips, i: number): Trajectory {
  const a = p.offsets[i];
  const b = p.offsets[i + 1];
  const roads = new Array<number>(b - a);
  const times = new Array<number>(b - a);
  const t0 = p.start[i];
  for (let k = a; k < b; k++) {
    roads[k - a] = p.roads[k];
    times[k - a] = t0 + p.rel[k];
  }
  return { id: `${p.idPrefix}${p.firstIndex + i}`, roads, times };
}

/** Trips from..to-1 as Trajectory objects. */
export function unpackTrips(p: PackedTrips, from = 0, to = p.count): Trajectory[] {
  const out: Trajectory[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, p.count); i++) out.push(unpackTrip(p, i));
  return out;
}

/** Trips from..to-1 as a view on the same buffers (no copy). */
export function sliceTrips(p: PackedTrips, from: number, to: number): PackedTrips {
  const a = Math.max(0, Math.min(from, p.count));
  const b = Math.max(a, Math.min(to, p.count));
  return {
    count: b - a,
    offsets: p.offsets.subarray(a, b + 1),
    roads: p.roads,
    rel: p.rel,
    start: p.start.subarray(a, b),
    idPrefix: p.idPrefix,
    firstIndex: p.firstIndex + a,
  };
}

/** Packs Trajectory objects (e.g. real trips, for a like-for-like comparison). */
export function packTrajectories(trips: Trajectory[], idPrefix = ''): PackedTrips {
  let total = 0;
  for (const t of trips) total += t.roads.length;
  const offsets = new Uint32Array(trips.length + 1);
  const roads = new Int32Array(total);
  const rel = new Uint32Array(total);
  const start = new Float64Array(trips.length);
  let k = 0;
  trips.forEach((t, i) => {
    offsets[i] = k;
    const t0 = t.times[0] ?? 0;
    start[i] = t0;
    for (let j = 0; j < t.roads.length; j++, k++) {
      roads[k] = t.roads[j];
      rel[k] = Math.max(0, Math.round((t.times[j] ?? t0) - t0));
    }
  });
  offsets[trips.length] = k;
  return { count: trips.length, offsets, roads, rel, start, idPrefix, firstIndex: 0 };
}

/** The buffers of a PackedTrips, for a postMessage transfer list (shared buffers listed once). */
export function packedTransferables(list: PackedTrips[]): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const p of list) for (const a of [p.offsets, p.roads, p.rel, p.start]) set.add(a.buffer as ArrayBuffer);
  return [...set];
}
