// Free-flow travel times for the simulator. The road network carries only the OSM highway class
// (no maxspeed column survives the HOSER format), so speeds come from a class table: typical
// urban Porto speeds, below the legal limits because of junctions and traffic lights.
import type { RoadNetwork } from './types';

/** Typical urban driving speed per highway class, km/h. */
export const SPEED_KMH: Readonly<Record<string, number>> = {
  motorway: 80,
  motorway_link: 50,
  trunk: 65,
  trunk_link: 45,
  primary: 45,
  primary_link: 35,
  secondary: 40,
  secondary_link: 30,
  tertiary: 35,
  tertiary_link: 30,
  unclassified: 30,
  residential: 25,
  road: 25,
  service: 15,
  living_street: 12,
};

/** Classes missing from the table (and integer LibCity codes, which carry no agreed meaning). */
export const DEFAULT_SPEED_KMH = 30;

export function speedKmh(highway: string, table: Readonly<Record<string, number>> = SPEED_KMH): number {
  const v = table[highway.trim().toLowerCase()];
  return v !== undefined && v > 0 ? v : DEFAULT_SPEED_KMH;
}

/**
 * Seconds to drive each road at its class speed. `maxspeedKmh` (optional, per road, 0 = unknown)
 * caps the class speed where a data source knows the posted limit.
 */
export function freeFlowSeconds(
  net: RoadNetwork,
  table: Readonly<Record<string, number>> = SPEED_KMH,
  maxspeedKmh?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(net.roads.length);
  for (let i = 0; i < net.roads.length; i++) {
    const r = net.roads[i];
    let v = speedKmh(r.highway, table);
    const cap = maxspeedKmh?.[i] ?? 0;
    if (cap > 0) v = Math.min(v, cap);
    // A zero-length road still costs a little, so Dijkstra never sees free cycles.
    out[i] = Math.max(r.lengthM, 0.5) / (v / 3.6);
  }
  return out;
}
