// Free-flow travel times for the simulator. The road network carries only the OSM highway class
// (no maxspeed column survives the HOSER format), so speeds come from a class table: typical
// urban Porto speeds, below the legal limits because of junctions and traffic lights.
import type { RoadNetwork } from './types';
import { median } from '../stats';

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

/** Where each road's fitted speed came from (fitRoadSpeeds). */
export const SPEED_SOURCE = { road: 0, roadClass: 1, table: 2 } as const;

export interface FittedSpeedRule {
  /** A road's own speed needs at least this many timed passes over it (default 5). */
  minRoadPasses: number;
  /** A road class's speed needs at least this many timed passes over its roads (default 20). */
  minClassPasses: number;
}

export const DEFAULT_FITTED_SPEED_RULE: FittedSpeedRule = { minRoadPasses: 5, minClassPasses: 20 };

/** Passes slower or faster than this (km/h) are timing noise of the map matching, not driving. */
export const PASS_KMH_RANGE: readonly [number, number] = [2, 150];

export interface FittedSpeeds {
  /** Speed per road, km/h. */
  kmh: Float64Array;
  /** SPEED_SOURCE per road: its own passes, its class's, or the fixed table. */
  source: Uint8Array;
  /** Timed passes used (within PASS_KMH_RANGE). */
  passes: number;
  /** Roads per source: [own passes, class, table]. */
  roadsBySource: [number, number, number];
  rule: FittedSpeedRule;
}

/**
 * Speeds fitted from timed trips. A pass is one road of a trip that is not its last: its time is
 * the next road's entry time minus its own (HOSER's time_list holds entry times), its speed the
 * road's length over that time; passes of 0 s or outside PASS_KMH_RANGE are dropped. A road's
 * speed is the median of its passes when it has at least rule.minRoadPasses, else the median of
 * all passes over roads of its highway class when there are at least rule.minClassPasses, else the
 * fixed class table (speedKmh). Medians, because map-matched timestamps carry outliers.
 */
export function fitRoadSpeeds(
  net: RoadNetwork,
  trips: readonly { roads: readonly number[]; times: readonly number[] }[],
  rule: FittedSpeedRule = DEFAULT_FITTED_SPEED_RULE,
): FittedSpeeds {
  return fitRoadSpeedsFrom(
    net,
    (visit) => {
      for (const t of trips) for (let i = 0; i + 1 < t.roads.length; i++) visit(t.roads[i], t.times[i + 1] - t.times[i]);
    },
    rule,
  );
}

/**
 * As fitRoadSpeeds, over any source of passes: `walk` calls `visit(road, seconds)` once per road of
 * a trip that is not its last, with the next road's entry time minus its own (so Trajectory[] and
 * packed trips share one fit).
 */
export function fitRoadSpeedsFrom(
  net: RoadNetwork,
  walk: (visit: (road: number, seconds: number) => void) => void,
  rule: FittedSpeedRule = DEFAULT_FITTED_SPEED_RULE,
): FittedSpeeds {
  const n = net.roads.length;
  const perRoad: number[][] = Array.from({ length: n }, () => []);
  let passes = 0;
  walk((r, dt) => {
    if (!(r >= 0 && r < n) || !(dt > 0)) return;
    const kmh = (net.roads[r].lengthM / dt) * 3.6;
    if (!(kmh >= PASS_KMH_RANGE[0] && kmh <= PASS_KMH_RANGE[1])) return;
    perRoad[r].push(kmh);
    passes++;
  });
  const byClass = new Map<string, number[]>();
  for (let r = 0; r < n; r++) {
    const cls = net.roads[r].highway.trim().toLowerCase();
    const list = byClass.get(cls) ?? [];
    for (const v of perRoad[r]) list.push(v);
    byClass.set(cls, list);
  }
  const classKmh = new Map<string, number>();
  for (const [cls, list] of byClass) if (list.length >= rule.minClassPasses) classKmh.set(cls, median(list));
  const kmh = new Float64Array(n);
  const source = new Uint8Array(n);
  const roadsBySource: [number, number, number] = [0, 0, 0];
  for (let r = 0; r < n; r++) {
    const cls = net.roads[r].highway.trim().toLowerCase();
    const c = classKmh.get(cls);
    if (perRoad[r].length >= rule.minRoadPasses) {
      kmh[r] = median(perRoad[r]);
      source[r] = SPEED_SOURCE.road;
    } else if (c !== undefined) {
      kmh[r] = c;
      source[r] = SPEED_SOURCE.roadClass;
    } else {
      kmh[r] = speedKmh(net.roads[r].highway);
      source[r] = SPEED_SOURCE.table;
    }
    roadsBySource[source[r]]++;
  }
  return { kmh, source, passes, roadsBySource, rule };
}

/** Seconds to drive each road at the given speeds (km/h), a zero-length road costing a little, as freeFlowSeconds. */
export function secondsAtSpeeds(net: RoadNetwork, kmh: ArrayLike<number>): Float64Array {
  const out = new Float64Array(net.roads.length);
  for (let i = 0; i < net.roads.length; i++) out[i] = Math.max(net.roads[i].lengthM, 0.5) / (kmh[i] / 3.6);
  return out;
}
