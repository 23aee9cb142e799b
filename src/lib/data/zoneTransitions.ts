// Zone transition graph (HOSER): counts of consecutive road pairs in training trips that cross
// from one zone to another, normalised as A_ij / sqrt(D_i · D_j) with D = max(row sum, 1).
import type { ZoneGraph, Zones } from './derivedTypes';
import type { Trajectory } from './types';

/** Calls `visit(fromRoad, toRoad)` once per consecutive road pair of the trips it walks. */
export type RoadPairWalker = (visit: (from: number, to: number) => void) => void;

export function buildZoneGraph(zones: Zones, trips: Trajectory[]): ZoneGraph {
  return zoneGraphFromPairs(zones, (visit) => {
    for (const t of trips) for (let i = 1; i < t.roads.length; i++) visit(t.roads[i - 1], t.roads[i]);
  });
}

/**
 * The zone graph from any source of consecutive road pairs (Trajectory[] here, PackedTrips in
 * sim/packedDerived.ts), so both storage forms share one counting and normalisation.
 */
export function zoneGraphFromPairs(zones: Zones, walk: RoadPairWalker): ZoneGraph {
  const k = zones.nZones;
  const counts = new Map<number, number>();
  const rowSum = new Float64Array(k);
  walk((from, to) => {
    const a = zones.roadZone[from];
    const b = zones.roadZone[to];
    if (a === undefined || b === undefined || a === b) return;
    const key = a * k + b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    rowSum[a]++;
  });
  // Row-major order (src, then dst), like numpy's nonzero().
  const keys = [...counts.keys()].sort((x, y) => x - y);
  const src = new Int32Array(keys.length);
  const dst = new Int32Array(keys.length);
  const weight = new Float32Array(keys.length);
  keys.forEach((key, e) => {
    const a = Math.floor(key / k);
    const b = key - a * k;
    src[e] = a;
    dst[e] = b;
    const da = Math.max(rowSum[a], 1);
    const db = Math.max(rowSum[b], 1);
    weight[e] = (counts.get(key) as number) / Math.sqrt(da * db);
  });
  return { nZones: k, src, dst, weight };
}
