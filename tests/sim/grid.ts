// Test helper (not a test): a small two-way street grid as a RoadNetwork, quadrant zones, and
// "real" trips with a known, skewed zone flow and departure pattern.
import type { LonLat, Road, RoadNetwork, Trajectory } from '../../src/lib/data/types';
import { buildOut } from '../../src/lib/data/hoserWriter';
import { polylineLengthM } from '../../src/lib/geo';
import { forwardCsr } from '../../src/lib/data/routingGraph';
import { RouteSearch } from '../../src/lib/data/routeSearch';
import { freeFlowSeconds } from '../../src/lib/data/speeds';

const STEP = 0.002; // ≈ 170 m of longitude, 220 m of latitude

export interface Grid {
  net: RoadNetwork;
  /** Road id of the directed segment from node a to node b. */
  seg: Map<string, number>;
  roadZone: Int32Array;
  nZones: number;
}

/** n×n nodes; horizontal streets are 'primary' on even rows, vertical ones 'residential'. */
export function gridNetwork(n: number): Grid {
  const pos = (r: number, c: number): LonLat => [-8.63 + c * STEP, 41.15 + r * STEP];
  const roads: Road[] = [];
  const seg = new Map<string, number>();
  const ends: [number, number][] = [];
  const add = (a: [number, number], b: [number, number], highway: string): void => {
    const coords = [pos(...a), pos(...b)];
    seg.set(`${a}|${b}`, roads.length);
    ends.push([a[0] * n + a[1], b[0] * n + b[1]]);
    roads.push({ id: roads.length, coords, highway, lengthM: polylineLengthM(coords) });
  };
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (c + 1 < n) {
        const hw = r % 2 === 0 ? 'primary' : 'residential';
        add([r, c], [r, c + 1], hw);
        add([r, c + 1], [r, c], hw);
      }
      if (r + 1 < n) {
        add([r, c], [r + 1, c], 'residential');
        add([r + 1, c], [r, c], 'residential');
      }
    }
  }
  const ro: number[] = [];
  const rd: number[] = [];
  for (let a = 0; a < roads.length; a++) {
    for (let b = 0; b < roads.length; b++) {
      // b starts where a ends, and is not a U-turn.
      if (ends[a][1] === ends[b][0] && ends[b][1] !== ends[a][0]) {
        ro.push(a);
        rd.push(b);
      }
    }
  }
  const relOrigin = Int32Array.from(ro);
  const relDest = Int32Array.from(rd);
  const net: RoadNetwork = { roads, relOrigin, relDest, out: buildOut(roads.length, relOrigin, relDest) };
  // Quadrant of each road's start node: 0 = SW, 1 = SE, 2 = NW, 3 = NE.
  const half = n / 2;
  const roadZone = Int32Array.from(ends.map(([a]) => (Math.floor(a / n) >= half ? 2 : 0) + (a % n >= half ? 1 : 0)));
  return { net, seg, roadZone, nZones: 4 };
}

/** Fastest route (no noise) from road o to road d. */
export function fastestRoute(net: RoadNetwork, o: number, d: number): number[] {
  const g = forwardCsr(net);
  const s = new RouteSearch(g);
  const ones = new Float32Array(net.roads.length).fill(1);
  s.run(o, Int32Array.of(d), 1, freeFlowSeconds(net), ones, 0);
  const buf = new Int32Array(net.roads.length);
  return Array.from(buf.subarray(0, s.route(d, buf)));
}

/** Unix seconds of `day` (days after 2013-07-01, a Monday) at hh:mm UTC. */
export function at(day: number, hh: number, mm: number): number {
  return Date.UTC(2013, 6, 1 + day, hh, mm) / 1000;
}

/**
 * Real trips with flows: 60 % SW→NE, 30 % SE→NW, 10 % NW→NW; 70 % depart on weekdays around
 * 08:00, 30 % on weekends around 20:00.
 */
export function skewedRealTrips(g: Grid, count: number, rng: () => number): Trajectory[] {
  const inZone = (z: number): number[] => [...g.roadZone.keys()].filter((r) => g.roadZone[r] === z);
  const zoneRoads = [0, 1, 2, 3].map(inZone);
  const pick = (z: number): number => zoneRoads[z][Math.floor(rng() * zoneRoads[z].length)];
  const trips: Trajectory[] = [];
  while (trips.length < count) {
    const u = rng();
    const [zo, zd] = u < 0.6 ? [0, 3] : u < 0.9 ? [1, 2] : [2, 2];
    const o = pick(zo);
    const d = pick(zd);
    if (o === d) continue;
    const roads = fastestRoute(g.net, o, d);
    const weekday = trips.length % 10 < 7;
    const t0 = weekday ? at(trips.length % 5, 8, Math.floor(rng() * 20)) : at(5 + (trips.length % 2), 20, Math.floor(rng() * 20));
    trips.push({ id: `real-${trips.length}`, roads, times: roads.map((_, i) => t0 + 20 * i) });
  }
  return trips;
}
