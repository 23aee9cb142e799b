// Hidden-Markov-model map matching after Newson & Krumm (2009):
// - states: candidate roads within `radiusM` of each GPS point (found with a Flatbush index over road
//   pieces in a local metric projection);
// - emission: Gaussian on the point-to-road distance (σ);
// - transition: exponential on |route distance − great-circle distance| (β), the route distance
//   coming from a bounded Dijkstra on the directed road graph (roadmap.rel);
// - Viterbi; the matched roads are joined by their shortest paths, so consecutive roads are always
//   connected in rel, and entry times are interpolated from the GPS times along the path distance.
// Before matching, a trace is cleaned: near-stationary points are dropped (as N&K do), single-point
// outliers (implied speed > maxSpeedMps) are dropped, and real jumps or time gaps split the trace.
// Everything is counted so the build can report it.
import Flatbush from 'flatbush';
import type { LonLat, RoadNetwork } from './types';
import { makeLocalProjection } from '../geo';

export interface MatchOptions {
  /** GPS noise σ of the emission (metres). */
  sigmaM: number;
  /** Transition scale β (metres). */
  betaM: number;
  /** Candidate search radius (metres). */
  radiusM: number;
  /** At most this many candidate roads per point (nearest first). */
  maxCandidates: number;
  /** Implied speeds above this are GPS jumps (m/s). */
  maxSpeedMps: number;
  /** A time gap above this between consecutive points splits the trace (s). */
  maxGapS: number;
  /** Points closer than this to the previous kept point are dropped as stationary (m). */
  minMoveM: number;
  /** Transitions whose route exceeds great-circle + this are impossible (m). */
  maxDetourM: number;
  /** Backward moves on the same road shorter than this are noise, not a loop (m). */
  backTolM: number;
}

export const DEFAULT_MATCH_OPTIONS: MatchOptions = {
  sigmaM: 10,
  betaM: 25,
  radiusM: 80,
  maxCandidates: 10,
  maxSpeedMps: 50,
  maxGapS: 120,
  minMoveM: 15,
  maxDetourM: 1500,
  backTolM: 40,
};

export interface MatchCounters {
  points: number;
  stationaryDropped: number;
  /** Isolated outlier points (implied speed > max) that were dropped. */
  jumpPointsDropped: number;
  /** Jumps after which the trace continued consistently elsewhere: the trace was split. */
  jumpSplits: number;
  /** Time gaps > maxGapS: the trace was split. */
  gapSplits: number;
  /** Points with no road within radiusM (dropped). */
  noCandidatePoints: number;
  /** No feasible transition between two points: the HMM was restarted (trace split). */
  hmmBreaks: number;
}

export interface MatchedPiece {
  /** Road ids, consecutive ones connected in the network's rel, no consecutive repeats. */
  roads: number[];
  /** Entry time of each road (unix s), non-decreasing. */
  times: number[];
  /** Distance (m) from each matched GPS point to its matched road. */
  pointDistM: number[];
  /**
   * |route distance − great-circle distance| (m) between each two consecutive matched points: the
   * quantity the transition model scores, whose median sets β (Newson & Krumm: median / ln 2).
   */
  routeGapM: number[];
  /** Distance along the matched path from the first matched point to the last (m). */
  pathM: number;
}

export interface MatchResult {
  pieces: MatchedPiece[];
  counters: MatchCounters;
}

export function emptyCounters(): MatchCounters {
  return {
    points: 0,
    stationaryDropped: 0,
    jumpPointsDropped: 0,
    jumpSplits: 0,
    gapSplits: 0,
    noCandidatePoints: 0,
    hmmBreaks: 0,
  };
}

export function addCounters(a: MatchCounters, b: MatchCounters): void {
  for (const k of Object.keys(a) as (keyof MatchCounters)[]) a[k] += b[k];
}

interface Candidate {
  road: number;
  /** Distance along the road from its start to the projected point (m). */
  offset: number;
  dist: number;
}

/** Binary min-heap of (key, value) pairs in parallel arrays. */
class MinHeap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  clear(): void {
    this.keys.length = 0;
    this.vals.length = 0;
  }
  push(k: number, v: number): void {
    const ks = this.keys;
    const vs = this.vals;
    let i = ks.length;
    ks.push(k);
    vs.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ks[p] <= k) break;
      ks[i] = ks[p];
      vs[i] = vs[p];
      i = p;
    }
    ks[i] = k;
    vs[i] = v;
  }
  /** Pops the minimum; returns its value and leaves its key in `lastKey`. */
  lastKey = 0;
  pop(): number {
    const ks = this.keys;
    const vs = this.vals;
    const topK = ks[0];
    const topV = vs[0];
    const k = ks.pop() as number;
    const v = vs.pop() as number;
    const n = ks.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && ks[r] < ks[l] ? r : l;
        if (ks[c] >= k) break;
        ks[i] = ks[c];
        vs[i] = vs[c];
        i = c;
      }
      ks[i] = k;
      vs[i] = v;
    }
    this.lastKey = topK;
    return topV;
  }
}

export interface MapMatcher {
  match(points: LonLat[], times: number[]): MatchResult;
  /** Distance (m) from a point to its nearest road within the radius, or Infinity. */
  nearestRoadDistM(p: LonLat): number;
}

export function createMapMatcher(net: RoadNetwork, options: Partial<MatchOptions> = {}): MapMatcher {
  const opt: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const nRoads = net.roads.length;

  // Local metric projection around the network's mean latitude.
  let latSum = 0;
  let latN = 0;
  for (const r of net.roads)
    for (const c of r.coords) {
      latSum += c[1];
      latN++;
    }
  const proj = makeLocalProjection(latN > 0 ? latSum / latN : 0);

  // Road pieces (consecutive coordinate pairs) with their road and cumulative offset.
  const xy: Float64Array[] = [];
  const lenM = new Float64Array(nRoads);
  let nPieces = 0;
  for (const r of net.roads) {
    const a = new Float64Array(r.coords.length * 2);
    r.coords.forEach((c, i) => {
      const p = proj.toXY(c);
      a[2 * i] = p[0];
      a[2 * i + 1] = p[1];
    });
    xy.push(a);
    nPieces += Math.max(0, r.coords.length - 1);
  }
  const pieceRoad = new Int32Array(nPieces);
  const pieceIdx = new Int32Array(nPieces);
  const pieceStart = new Float64Array(nPieces);
  const index = new Flatbush(Math.max(1, nPieces));
  let k = 0;
  for (let r = 0; r < nRoads; r++) {
    const a = xy[r];
    let cum = 0;
    for (let i = 0; i + 1 < a.length / 2; i++) {
      const x0 = a[2 * i],
        y0 = a[2 * i + 1],
        x1 = a[2 * i + 2],
        y1 = a[2 * i + 3];
      pieceRoad[k] = r;
      pieceIdx[k] = i;
      pieceStart[k] = cum;
      index.add(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
      cum += Math.hypot(x1 - x0, y1 - y0);
      k++;
    }
    lenM[r] = cum;
  }
  if (nPieces === 0) index.add(0, 0, 0, 0);
  index.finish();

  function candidates(p: LonLat, radius: number, limit: number): Candidate[] {
    const [px, py] = proj.toXY(p);
    const hits = index.search(px - radius, py - radius, px + radius, py + radius);
    const best = new Map<number, Candidate>();
    for (const h of hits) {
      if (h >= nPieces) continue;
      const r = pieceRoad[h];
      const a = xy[r];
      const i = pieceIdx[h];
      const x0 = a[2 * i],
        y0 = a[2 * i + 1],
        dx = a[2 * i + 2] - x0,
        dy = a[2 * i + 3] - y0;
      const l2 = dx * dx + dy * dy;
      const u = l2 > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / l2)) : 0;
      const d = Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
      if (d > radius) continue;
      const prev = best.get(r);
      if (!prev || d < prev.dist) best.set(r, { road: r, offset: pieceStart[h] + u * Math.sqrt(l2), dist: d });
    }
    return [...best.values()].sort((x, y) => x.dist - y.dist || x.road - y.road).slice(0, limit);
  }

  // Bounded Dijkstra over "at the start of road c" states, starting from the end of `src`.
  // Scratch arrays are reused across calls; `stamp` marks which entries belong to this call.
  const dist = new Float64Array(nRoads);
  const prev = new Int32Array(nRoads);
  const stamp = new Int32Array(nRoads);
  const done = new Int32Array(nRoads);
  let gen = 0;
  const heap = new MinHeap();

  /** Fills `dist`/`prev` for roads reachable within `bound`; stops early once `targets` are settled. */
  function dijkstra(src: number, bound: number, targets: Set<number>): void {
    gen++;
    heap.clear();
    let remaining = targets.size;
    for (const c of net.out[src]) {
      if (stamp[c] !== gen || dist[c] > 0) {
        stamp[c] = gen;
        dist[c] = 0;
        prev[c] = -1;
        heap.push(0, c);
      }
    }
    while (heap.size > 0 && remaining > 0) {
      const c = heap.pop();
      const dc = heap.lastKey;
      if (done[c] === gen || dc > dist[c]) continue;
      if (dc > bound) break;
      done[c] = gen;
      if (targets.has(c)) remaining--;
      const nd = dc + lenM[c];
      if (nd > bound) continue;
      for (const n of net.out[c]) {
        if (stamp[n] !== gen || nd < dist[n]) {
          stamp[n] = gen;
          dist[n] = nd;
          prev[n] = c;
          heap.push(nd, n);
        }
      }
    }
  }

  /** Settled distance to the start of road c in the last Dijkstra run, or Infinity. */
  const settled = (c: number): number => (done[c] === gen ? dist[c] : Infinity);

  /** Route distance between two candidates given the last Dijkstra run from a.road. */
  function routeDist(a: Candidate, b: Candidate): number {
    if (a.road === b.road) {
      if (b.offset >= a.offset) return b.offset - a.offset;
      if (a.offset - b.offset <= opt.backTolM) return a.offset - b.offset;
    }
    const s = settled(b.road);
    return s === Infinity ? Infinity : lenM[a.road] - a.offset + s + b.offset;
  }

  /** Roads strictly after a and up to b (inclusive) on the shortest path, or [] when staying on a. */
  function pathBetween(a: Candidate, b: Candidate, gc: number): number[] {
    if (a.road === b.road && (b.offset >= a.offset || a.offset - b.offset <= opt.backTolM)) return [];
    dijkstra(a.road, gc + opt.maxDetourM + opt.radiusM * 2, new Set([b.road]));
    const path: number[] = [];
    let c = b.road;
    path.push(c);
    while (prev[c] !== -1) {
      c = prev[c];
      path.push(c);
    }
    return path.reverse();
  }

  /** Splits a trace into runs of consistent point indices (stationary, jump and gap handling). */
  function clean(points: LonLat[], times: number[], cnt: MatchCounters): number[][] {
    const pxy = points.map((p) => proj.toXY(p));
    const d = (i: number, j: number): number => Math.hypot(pxy[i][0] - pxy[j][0], pxy[i][1] - pxy[j][1]);
    const speed = (i: number, j: number): number => d(i, j) / Math.max(1, times[j] - times[i]);
    const runs: number[][] = [];
    let cur: number[] = [0];
    for (let i = 1; i < points.length; i++) {
      if (times[i] - times[i - 1] > opt.maxGapS) {
        cnt.gapSplits++;
        runs.push(cur);
        cur = [i];
        continue;
      }
      const last = cur[cur.length - 1];
      if (speed(last, i) > opt.maxSpeedMps) {
        // A lasting jump (the trace goes on from the new place) if the next point agrees with this
        // one but is still out of reach of the last kept point: split. Otherwise this point is an
        // isolated outlier and is dropped; when the next point is reachable again, the HMM bridges.
        const j = i + 1;
        if (j < points.length && speed(i, j) <= opt.maxSpeedMps && speed(last, j) > opt.maxSpeedMps) {
          cnt.jumpSplits++;
          runs.push(cur);
          cur = [i];
        } else {
          cnt.jumpPointsDropped++;
        }
        continue;
      }
      if (d(last, i) < opt.minMoveM) {
        cnt.stationaryDropped++;
        continue;
      }
      cur.push(i);
    }
    runs.push(cur);
    return runs;
  }

  /** Builds the piece output from the Viterbi choice for a run of points. */
  function assemble(pts: LonLat[], ts: number[], chosen: Candidate[]): MatchedPiece {
    const roads: number[] = [chosen[0].road];
    const startPos: number[] = [0];
    const pos: number[] = [chosen[0].offset];
    const routeGap: number[] = [];
    for (let i = 1; i < chosen.length; i++) {
      const a = chosen[i - 1];
      const b = chosen[i];
      const gc = haversineLocal(pts[i - 1], pts[i]);
      for (const r of pathBetween(a, b, gc)) {
        const last = roads.length - 1;
        startPos.push(startPos[last] + lenM[roads[last]]);
        roads.push(r);
      }
      const p = startPos[startPos.length - 1] + b.offset;
      pos.push(Math.max(p, pos[pos.length - 1]));
      routeGap.push(Math.abs(pos[i] - pos[i - 1] - gc));
    }
    // Entry time of each road: interpolate the GPS times along the path distance.
    const times: number[] = [];
    let j = 0;
    for (let r = 0; r < roads.length; r++) {
      const e = startPos[r];
      while (j + 1 < pos.length && pos[j + 1] < e) j++;
      let t: number;
      if (e <= pos[0]) t = ts[0];
      else if (j + 1 >= pos.length) t = ts[ts.length - 1];
      else {
        const span = pos[j + 1] - pos[j];
        t = span > 0 ? ts[j] + ((ts[j + 1] - ts[j]) * (e - pos[j])) / span : ts[j];
      }
      times.push(Math.max(t, times.length > 0 ? times[times.length - 1] : -Infinity));
    }
    return { roads, times, pointDistM: chosen.map((c) => c.dist), routeGapM: routeGap, pathM: pos[pos.length - 1] - pos[0] };
  }

  function haversineLocal(a: LonLat, b: LonLat): number {
    const p = proj.toXY(a);
    const q = proj.toXY(b);
    return Math.hypot(p[0] - q[0], p[1] - q[1]);
  }

  /** Viterbi over one run; restarts (and counts a break) where no transition is feasible. */
  function viterbi(pts: LonLat[], ts: number[], cands: Candidate[][], cnt: MatchCounters): MatchedPiece[] {
    const pieces: MatchedPiece[] = [];
    const inv2s2 = 1 / (2 * opt.sigmaM * opt.sigmaM);
    let startT = 0;
    let score = cands[0].map((c) => -c.dist * c.dist * inv2s2);
    const back: Int32Array[] = [new Int32Array(cands[0].length).fill(-1)];
    const finish = (endT: number): void => {
      // Backtrack from the best final state of steps startT..endT.
      let bi = 0;
      for (let i = 1; i < score.length; i++) if (score[i] > score[bi]) bi = i;
      const chosen: Candidate[] = [];
      for (let t = endT; t >= startT; t--) {
        chosen.push(cands[t][bi]);
        bi = back[t - startT][bi];
      }
      chosen.reverse();
      pieces.push(assemble(pts.slice(startT, endT + 1), ts.slice(startT, endT + 1), chosen));
    };
    for (let t = 1; t < pts.length; t++) {
      const A = cands[t - 1];
      const B = cands[t];
      const gc = haversineLocal(pts[t - 1], pts[t]);
      const bound = gc + opt.maxDetourM;
      const targets = new Set(B.map((b) => b.road));
      const next = new Array<number>(B.length).fill(-Infinity);
      const bp = new Int32Array(B.length).fill(-1);
      for (let i = 0; i < A.length; i++) {
        if (score[i] === -Infinity) continue;
        dijkstra(A[i].road, bound, targets);
        for (let j = 0; j < B.length; j++) {
          const rd = routeDist(A[i], B[j]);
          if (!(rd <= gc + opt.maxDetourM)) continue;
          const s = score[i] - Math.abs(rd - gc) / opt.betaM - B[j].dist * B[j].dist * inv2s2;
          if (s > next[j]) {
            next[j] = s;
            bp[j] = i;
          }
        }
      }
      if (next.every((s) => s === -Infinity)) {
        cnt.hmmBreaks++;
        finish(t - 1);
        startT = t;
        score = B.map((c) => -c.dist * c.dist * inv2s2);
        back.length = 0;
        back.push(new Int32Array(B.length).fill(-1));
        continue;
      }
      score = next;
      back.push(bp);
    }
    finish(pts.length - 1);
    return pieces;
  }

  function match(points: LonLat[], times: number[]): MatchResult {
    if (points.length !== times.length) throw new Error('points and times differ in length');
    const counters = emptyCounters();
    counters.points = points.length;
    const pieces: MatchedPiece[] = [];
    if (points.length === 0) return { pieces, counters };
    for (const run of clean(points, times, counters)) {
      const pts: LonLat[] = [];
      const ts: number[] = [];
      const cs: Candidate[][] = [];
      for (const i of run) {
        const c = candidates(points[i], opt.radiusM, opt.maxCandidates);
        if (c.length === 0) {
          counters.noCandidatePoints++;
          continue;
        }
        pts.push(points[i]);
        ts.push(times[i]);
        cs.push(c);
      }
      if (pts.length > 0) pieces.push(...viterbi(pts, ts, cs, counters));
    }
    return { pieces, counters };
  }

  function nearestRoadDistM(p: LonLat): number {
    const c = candidates(p, opt.radiusM, 1);
    return c.length > 0 ? c[0].dist : Infinity;
  }

  return { match, nearestRoadDistM };
}
