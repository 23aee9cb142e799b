// Test helper (not a test): a jittered street grid near Porto as Overpass JSON, and a GPS simulator
// that drives a known route on it with Gaussian noise.
import type { OverpassResponse, OsmElement } from '../../src/lib/data/osmImport';
import type { LonLat, RoadNetwork } from '../../src/lib/data/types';
import { makeLocalProjection } from '../../src/lib/geo';
import { randNormal } from '../../src/lib/random';

export const REF_LAT = 41.15;
export const proj = makeLocalProjection(REF_LAT);
const ORIGIN = proj.toXY([-8.63, REF_LAT]);

/** n×n grid of two-way residential streets, `spacing` metres apart, nodes jittered by ±jitter m. */
export function gridOverpass(n: number, spacing: number, jitter: number, rng: () => number): OverpassResponse {
  const elements: OsmElement[] = [];
  const id = (r: number, c: number): number => 1 + r * n + c;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const x = ORIGIN[0] + c * spacing + (rng() * 2 - 1) * jitter;
      const y = ORIGIN[1] + r * spacing + (rng() * 2 - 1) * jitter;
      const [lon, lat] = proj.toLonLat(x, y);
      elements.push({ type: 'node', id: id(r, c), lat, lon });
    }
  }
  let wid = 1000;
  for (let r = 0; r < n; r++) {
    elements.push({ type: 'way', id: wid++, nodes: Array.from({ length: n }, (_, c) => id(r, c)), tags: { highway: 'residential' } });
  }
  for (let c = 0; c < n; c++) {
    elements.push({ type: 'way', id: wid++, nodes: Array.from({ length: n }, (_, r) => id(r, c)), tags: { highway: 'tertiary' } });
  }
  return { elements };
}

/** A random walk of `len` roads along rel (never a U-turn, since rel has none). */
export function randomRoute(net: RoadNetwork, len: number, rng: () => number): number[] {
  const route = [Math.floor(rng() * net.roads.length)];
  while (route.length < len) {
    const out = net.out[route[route.length - 1]];
    route.push(out[Math.floor(rng() * out.length)]);
  }
  return route;
}

export interface SimTrace {
  points: LonLat[];
  times: number[];
  /** Road under each true (noise-free) sample. */
  trueRoadAt: number[];
}

/** Drives `route` at `speed` m/s, sampling every `step` s with N(0, noise²) metres per axis. */
export function simulate(
  net: RoadNetwork,
  route: number[],
  speed: number,
  step: number,
  noise: number,
  rng: () => number,
  t0 = 1_600_000_000,
): SimTrace {
  // Flatten the route into a metric polyline with the road of each piece.
  const xs: number[] = [];
  const ys: number[] = [];
  const pieceRoad: number[] = [];
  for (const r of route) {
    const cs = net.roads[r].coords.map((c) => proj.toXY(c));
    if (xs.length === 0) {
      xs.push(cs[0][0]);
      ys.push(cs[0][1]);
    }
    for (let i = 1; i < cs.length; i++) {
      xs.push(cs[i][0]);
      ys.push(cs[i][1]);
      pieceRoad.push(r);
    }
  }
  const cum = [0];
  for (let i = 1; i < xs.length; i++) cum.push(cum[i - 1] + Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]));
  const total = cum[cum.length - 1];
  // Start a little into the first road and stop before the end of the last one.
  const first = net.roads[route[0]].lengthM * 0.3;
  const last = total - net.roads[route[route.length - 1]].lengthM * 0.3;
  const points: LonLat[] = [];
  const times: number[] = [];
  const trueRoadAt: number[] = [];
  let k = 0;
  for (let s = first, t = t0; s <= last; s += speed * step, t += step) {
    while (k + 1 < cum.length - 1 && cum[k + 1] < s) k++;
    const u = (s - cum[k]) / Math.max(1e-9, cum[k + 1] - cum[k]);
    const x = xs[k] + u * (xs[k + 1] - xs[k]) + randNormal(rng) * noise;
    const y = ys[k] + u * (ys[k + 1] - ys[k]) + randNormal(rng) * noise;
    points.push(proj.toLonLat(x, y));
    times.push(t);
    trueRoadAt.push(pieceRoad[k]);
  }
  return { points, times, trueRoadAt };
}

/** The true roads from the first to the last sample's road (inclusive). */
export function trueRoads(route: number[], sim: SimTrace): number[] {
  const a = route.indexOf(sim.trueRoadAt[0]);
  const b = route.lastIndexOf(sim.trueRoadAt[sim.trueRoadAt.length - 1]);
  return route.slice(a, b + 1);
}

/** Length of the longest common subsequence: roads recovered in order. */
export function lcs(a: number[], b: number[]): number {
  const dp = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = a[i - 1] === b[j - 1] ? prev + 1 : Math.max(dp[j], dp[j - 1]);
      prev = tmp;
    }
  }
  return dp[b.length];
}
