// Seeded trip simulator on a real road network. The network is real; the trips
// are simulated:
//   1. OD pairs from the real trips' zone-to-zone flows (odModel.ts), departures from the real
//      minute-of-day × weekday/weekend distribution (departures.ts);
//   2. routes by stochastic route choice: least travel time where every road's free-flow time
//      (data/speeds.ts) is multiplied by lognormal noise, so two trips between the same roads can differ;
//   3. timestamps from travel times: free-flow time × a calibration factor fitted on the real trips
//      × a time-of-day congestion factor × a per-trip speed factor × per-road jitter.
// Speed: OD pairs are drawn first, then trips are grouped by origin road and one Dijkstra serves up
// to `share` trips of the same origin (they share that search's cost perturbation). At 600k trips
// on ~13k roads each origin recurs ~45 times, so this cuts the searches ~16× without changing the
// OD distribution. Same seed, same inputs → identical trips.
import type { RoadNetwork, Trajectory } from '../data/types';
import { makeRng, randNormal } from '../random';
import { freeFlowSeconds, SPEED_KMH } from '../data/speeds';
import { forwardCsr, largestSccMask } from '../data/routingGraph';
import { RouteSearch } from '../data/routeSearch';
import { buildOdModel, sampleOd } from './odModel';
import { buildDepartureModel, sampleDeparture } from './departures';
import type { PackedTrips } from './packedTrips';

export interface SimOptions {
  n: number;
  seed: number;
  /** Share of OD draws from independent smoothed zone marginals instead of real zone pairs. */
  smoothing?: number;
  /** σ of the lognormal noise on road costs for route choice. */
  routeNoise?: number;
  /** σ of the lognormal per-trip speed factor. */
  tripSpeedNoise?: number;
  /** σ of the lognormal per-road travel-time jitter. */
  roadTimeNoise?: number;
  /** At most this many trips with the same origin road share one search (1 = a search per trip). */
  share?: number;
  /** Speed table override (km/h per highway class). */
  speeds?: Readonly<Record<string, number>>;
  /** Posted limits per road in km/h, 0 = unknown (the HOSER format has none). */
  maxspeedKmh?: ArrayLike<number>;
  /** Called every ~1% of routed trips. */
  onProgress?: (done: number, total: number) => void;
}

export const SIM_DEFAULTS = { smoothing: 0.05, routeNoise: 0.3, tripSpeedNoise: 0.15, roadTimeNoise: 0.2, share: 16 };

export interface SimInfo {
  n: number;
  seed: number;
  params: typeof SIM_DEFAULTS;
  roads: number;
  /** Roads in the largest strongly connected component (where ODs are drawn). */
  eligibleRoads: number;
  /** Real trips behind the OD and departure models. */
  realTrips: number;
  /** Real duration / free-flow duration (median over real trips); 1 without real trips. */
  calibration: number;
  searches: number;
  meanSettledPerSearch: number;
  meanRoadsPerTrip: number;
  ms: number;
  tripsPerSec: number;
}

export interface SimResult {
  trips: PackedTrips;
  info: SimInfo;
}

export interface Zoning {
  nZones: number;
  roadZone: Int32Array;
}

/** Number of pre-drawn noise vectors; each search uses one of them at a random rotation. */
const NOISE_POOL = 32;

/** Multiplier on travel times by time of day: morning and evening peaks on weekdays. */
export function congestionFactor(unixSec: number): number {
  const day = Math.floor(unixSec / 86_400);
  const h = (unixSec - day * 86_400) / 3600;
  const w = (((day + 4) % 7) + 7) % 7;
  if (w === 0 || w === 6) return 1 + 0.12 * Math.exp(-(((h - 13) / 2.5) ** 2));
  return 1 + 0.35 * Math.exp(-(((h - 8.5) / 1.2) ** 2)) + 0.4 * Math.exp(-(((h - 18) / 1.5) ** 2));
}

/** Median over real trips of (last entry − first entry) / free-flow time of the roads driven. */
export function calibrate(real: Trajectory[], base: Float64Array): number {
  const ratios: number[] = [];
  for (const t of real) {
    const n = t.roads.length;
    if (n < 2 || t.times.length !== n) continue;
    const dur = t.times[n - 1] - t.times[0];
    let ff = 0;
    for (let i = 0; i < n - 1; i++) ff += base[t.roads[i]] ?? 0;
    if (dur > 0 && ff > 0) ratios.push(dur / ff);
  }
  if (ratios.length === 0) return 1;
  ratios.sort((a, b) => a - b);
  const m = ratios[ratios.length >> 1];
  // A broken real set must not yield absurd simulated speeds.
  return Math.min(5, Math.max(0.3, m));
}

class Growable {
  roads: Int32Array;
  rel: Uint32Array;
  length = 0;
  constructor(cap: number) {
    this.roads = new Int32Array(cap);
    this.rel = new Uint32Array(cap);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.roads.length) return;
    const cap = Math.max(this.roads.length * 2, this.length + extra);
    const r = new Int32Array(cap);
    r.set(this.roads.subarray(0, this.length));
    const t = new Uint32Array(cap);
    t.set(this.rel.subarray(0, this.length));
    this.roads = r;
    this.rel = t;
  }
}

export function simulateTrips(net: RoadNetwork, zoning: Zoning, real: Trajectory[], opts: SimOptions): SimResult {
  const t0 = performance.now();
  const params = {
    smoothing: opts.smoothing ?? SIM_DEFAULTS.smoothing,
    routeNoise: opts.routeNoise ?? SIM_DEFAULTS.routeNoise,
    tripSpeedNoise: opts.tripSpeedNoise ?? SIM_DEFAULTS.tripSpeedNoise,
    roadTimeNoise: opts.roadTimeNoise ?? SIM_DEFAULTS.roadTimeNoise,
    share: Math.max(1, Math.floor(opts.share ?? SIM_DEFAULTS.share)),
  };
  const n = Math.max(0, Math.floor(opts.n));
  const nRoads = net.roads.length;
  const rng = makeRng(opts.seed);

  const g = forwardCsr(net);
  const eligible = largestSccMask(g);
  let eligibleRoads = 0;
  for (let v = 0; v < nRoads; v++) eligibleRoads += eligible[v];
  const od = buildOdModel(zoning.roadZone, zoning.nZones, eligible, real, params.smoothing);
  const dep = buildDepartureModel(real);
  const base = freeFlowSeconds(net, opts.speeds ?? SPEED_KMH, opts.maxspeedKmh);
  const calibration = calibrate(real, base);

  // 1. OD pairs and departures, in trip order.
  const origin = new Int32Array(n);
  const dest = new Int32Array(n);
  const start = new Float64Array(n);
  const pair = new Int32Array(2);
  for (let i = 0; i < n; i++) {
    sampleOd(od, rng, pair);
    origin[i] = pair[0];
    dest[i] = pair[1];
    start[i] = sampleDeparture(dep, rng);
  }

  // 2. Route-choice noise: NOISE_POOL lognormal vectors, each stored twice so that a rotation
  //    offset in [0, nRoads) can be read without a modulo in the search's inner loop.
  const noise = new Float32Array(NOISE_POOL * 2 * nRoads);
  for (let k = 0; k < NOISE_POOL; k++) {
    const o = k * 2 * nRoads;
    for (let v = 0; v < nRoads; v++) {
      const x = Math.exp(params.routeNoise * randNormal(rng));
      noise[o + v] = x;
      noise[o + nRoads + v] = x;
    }
  }

  // 3. Group trips by origin road (counting sort, stable in trip order).
  const byOrigin = new Int32Array(n);
  const head = new Int32Array(nRoads + 1);
  for (let i = 0; i < n; i++) head[origin[i] + 1]++;
  for (let v = 0; v < nRoads; v++) head[v + 1] += head[v];
  const fill = head.slice(0, nRoads);
  for (let i = 0; i < n; i++) byOrigin[fill[origin[i]]++] = i;

  // 4. Route every group; routes go to a pool in group order, then get reordered by trip.
  const search = new RouteSearch(g);
  const pool = new Growable(Math.max(1024, n * 32));
  const poolAt = new Uint32Array(n);
  const poolLen = new Uint32Array(n);
  const routeBuf = new Int32Array(nRoads);
  const targets = new Int32Array(params.share);
  let searches = 0;
  let settledSum = 0;
  let routed = 0;
  const progressEvery = Math.max(1, Math.floor(n / 100));
  let nextReport = progressEvery;
  const sigT = params.tripSpeedNoise;
  const sigR = params.roadTimeNoise;
  for (let v = 0; v < nRoads; v++) {
    for (let a = head[v]; a < head[v + 1]; a += params.share) {
      const b = Math.min(head[v + 1], a + params.share);
      for (let j = a; j < b; j++) targets[j - a] = dest[byOrigin[j]];
      const noiseOffset = Math.floor(rng() * NOISE_POOL) * 2 * nRoads + Math.floor(rng() * nRoads);
      search.run(v, targets, b - a, base, noise, noiseOffset);
      searches++;
      settledSum += search.settled;
      for (let j = a; j < b; j++) {
        const trip = byOrigin[j];
        const len = search.route(dest[trip], routeBuf);
        if (len === 0) throw new Error(`simulator: no route ${v} → ${dest[trip]} inside the strongly connected component`);
        pool.reserve(len);
        const at = pool.length;
        poolAt[trip] = at;
        poolLen[trip] = len;
        const f = calibration * congestionFactor(start[trip]) * Math.exp(sigT * randNormal(rng) - (sigT * sigT) / 2);
        let cum = 0;
        for (let k = 0; k < len; k++) {
          const r = routeBuf[k];
          pool.roads[at + k] = r;
          pool.rel[at + k] = Math.round(cum);
          cum += base[r] * f * Math.exp(sigR * randNormal(rng) - (sigR * sigR) / 2);
        }
        pool.length += len;
      }
      routed += b - a;
      if (opts.onProgress && routed >= nextReport) {
        opts.onProgress(routed, n);
        nextReport = routed + progressEvery;
      }
    }
  }

  // 5. Trip order.
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + poolLen[i];
  const roads = new Int32Array(offsets[n]);
  const rel = new Uint32Array(offsets[n]);
  for (let i = 0; i < n; i++) {
    roads.set(pool.roads.subarray(poolAt[i], poolAt[i] + poolLen[i]), offsets[i]);
    rel.set(pool.rel.subarray(poolAt[i], poolAt[i] + poolLen[i]), offsets[i]);
  }
  opts.onProgress?.(n, n);
  const ms = performance.now() - t0;
  return {
    trips: { count: n, offsets, roads, rel, start, idPrefix: `sim-${opts.seed}-`, firstIndex: 0 },
    info: {
      n,
      seed: opts.seed,
      params: { ...params },
      roads: nRoads,
      eligibleRoads,
      realTrips: od.pairO.length,
      calibration,
      searches,
      meanSettledPerSearch: searches > 0 ? settledSum / searches : 0,
      meanRoadsPerTrip: n > 0 ? offsets[n] / n : 0,
      ms,
      tripsPerSec: ms > 0 ? (n / ms) * 1000 : 0,
    },
  };
}
