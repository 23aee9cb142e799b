// Hidden-Markov-model map matching after Newson & Krumm (2009):
// - states: candidate roads within `radiusM` of each GPS point (found with a Flatbush index over road
//   pieces in a local metric projection);
// - emission: Gaussian on the point-to-road distance (σ);
// - transition: exponential on |route distance − great-circle distance| (β), the route distance
//   coming from a bounded Dijkstra on the directed road graph (roadmap.rel), one per candidate of
//   the previous point, cut short where no target left could change the Viterbi choice (issue 52:
//   the same output, several times fewer roads settled; tests/data/matchGolden.test.ts pins it);
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

/** What a matcher needs of a network whatever its options: built once per network and shared. */
interface PreparedNetwork {
  proj: ReturnType<typeof makeLocalProjection>;
  /** Each road's coordinates in the local projection (x0, y0, x1, y1, …). */
  xy: Float64Array[];
  lenM: Float64Array;
  nPieces: number;
  pieceRoad: Int32Array;
  pieceIdx: Int32Array;
  pieceStart: Float64Array;
  index: Flatbush;
  /** net.out in compressed form (same order): the out-neighbours of v are adj[off[v] .. off[v + 1]). */
  off: Int32Array;
  adj: Int32Array;
  /** Each road's first and last point (x, y interleaved), projected. */
  startXY: Float64Array;
  endXY: Float64Array;
  /**
   * Every rel link joins the end of its road to the start of the next exactly, so a route from the
   * start of road v to the start of road w is at least as long as the straight line between them.
   */
  exactJoins: boolean;
}

const prepared = new WeakMap<RoadNetwork, PreparedNetwork>();

function prepareNetwork(net: RoadNetwork): PreparedNetwork {
  const have = prepared.get(net);
  if (have) return have;
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

  const off = new Int32Array(nRoads + 1);
  for (let v = 0; v < nRoads; v++) off[v + 1] = off[v] + net.out[v].length;
  const adj = new Int32Array(off[nRoads]);
  for (let v = 0; v < nRoads; v++) adj.set(net.out[v], off[v]);

  const startXY = new Float64Array(2 * nRoads);
  const endXY = new Float64Array(2 * nRoads);
  for (let r = 0; r < nRoads; r++) {
    const a = xy[r];
    const m = a.length;
    if (m < 2) continue;
    startXY[2 * r] = a[0];
    startXY[2 * r + 1] = a[1];
    endXY[2 * r] = a[m - 2];
    endXY[2 * r + 1] = a[m - 1];
  }
  let exactJoins = true;
  for (let v = 0; v < nRoads && exactJoins; v++)
    for (let e = off[v]; e < off[v + 1]; e++) {
      const w = adj[e];
      if (xy[v].length < 2 || xy[w].length < 2 || endXY[2 * v] !== startXY[2 * w] || endXY[2 * v + 1] !== startXY[2 * w + 1]) {
        exactJoins = false;
        break;
      }
    }

  const p: PreparedNetwork = { proj, xy, lenM, nPieces, pieceRoad, pieceIdx, pieceStart, index, off, adj, startXY, endXY, exactJoins };
  prepared.set(net, p);
  return p;
}

export function createMapMatcher(net: RoadNetwork, options: Partial<MatchOptions> = {}): MapMatcher {
  const opt: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const nRoads = net.roads.length;
  const { proj, xy, lenM, nPieces, pieceRoad, pieceIdx, pieceStart, index, off, adj, startXY, endXY, exactJoins } = prepareNetwork(net);

  // Scratch of candidates(): the best distance per road of the current call (stamped), and its offset.
  const cBest = new Float64Array(nRoads);
  const cOffset = new Float64Array(nRoads);
  const cStamp = new Int32Array(nRoads);
  let cGen = 0;
  const cRoads: number[] = [];

  // Where (px, py) falls on road piece h, clamped to the piece: the distance is returned, the share
  // along the piece and its squared length are left in projU and projL2 (candidates()' offsets).
  let projU = 0;
  let projL2 = 0;
  function pieceDistance(h: number, px: number, py: number): number {
    const a = xy[pieceRoad[h]];
    const i = pieceIdx[h];
    const x0 = a[2 * i],
      y0 = a[2 * i + 1],
      dx = a[2 * i + 2] - x0,
      dy = a[2 * i + 3] - y0;
    projL2 = dx * dx + dy * dy;
    projU = projL2 > 0 ? Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / projL2)) : 0;
    return Math.hypot(px - (x0 + projU * dx), py - (y0 + projU * dy));
  }

  function candidates(p: LonLat, radius: number, limit: number): Candidate[] {
    const [px, py] = proj.toXY(p);
    const hits = index.search(px - radius, py - radius, px + radius, py + radius);
    const g = ++cGen;
    cRoads.length = 0;
    for (const h of hits) {
      if (h >= nPieces) continue;
      const r = pieceRoad[h];
      const d = pieceDistance(h, px, py);
      if (d > radius) continue;
      // The first piece of a road at its least distance wins (search order), as before.
      if (cStamp[r] !== g) {
        cStamp[r] = g;
        cRoads.push(r);
      } else if (!(d < cBest[r])) continue;
      cBest[r] = d;
      cOffset[r] = pieceStart[h] + projU * Math.sqrt(projL2);
    }
    cRoads.sort((x, y) => cBest[x] - cBest[y] || x - y);
    const n = Math.min(limit, cRoads.length);
    const out: Candidate[] = new Array<Candidate>(n);
    for (let k = 0; k < n; k++) {
      const r = cRoads[k];
      out[k] = { road: r, offset: cOffset[r], dist: cBest[r] };
    }
    return out;
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

  // The transition search of viterbi(): the same bounded search from the end of a candidate's road
  // to the next point's candidate roads, where only distances matter (not which of two equal paths
  // is kept), so it runs on the compressed graph with an indexed heap on typed arrays; and it stops
  // as soon as no target left unsettled could still change the Viterbi choice (`stopAt`, see
  // viterbi()). The distances it settles are the ones the search above settles: a road's distance
  // is the least sum over the relaxations that reach it, whatever the order they come in.
  const tDist = new Float64Array(nRoads);
  const tSeen = new Int32Array(nRoads);
  const tDone = new Int32Array(nRoads);
  const tTarget = new Int32Array(nRoads);
  const tHeap = new Int32Array(nRoads);
  const tPos = new Int32Array(nRoads);
  let tSize = 0;
  let tGen = 0;

  function tUp(i: number): void {
    const v = tHeap[i];
    const d = tDist[v];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = tHeap[p];
      if (tDist[pv] <= d) break;
      tHeap[i] = pv;
      tPos[pv] = i;
      i = p;
    }
    tHeap[i] = v;
    tPos[v] = i;
  }

  function tPop(): number {
    const top = tHeap[0];
    const v = tHeap[--tSize];
    if (tSize > 0) {
      const d = tDist[v];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= tSize) break;
        if (c + 1 < tSize && tDist[tHeap[c + 1]] < tDist[tHeap[c]]) c++;
        if (!(tDist[tHeap[c]] < d)) break;
        tHeap[i] = tHeap[c];
        tPos[tHeap[i]] = i;
        i = c;
      }
      tHeap[i] = v;
      tPos[v] = i;
    }
    return top;
  }

  /**
   * Distances from the end of road `src` to the start of roads[0..n), each settled when it is at
   * most `bound` away and at most stopAt[k] (beyond it, the caller has no use for it).
   */
  function transitionSearch(src: number, bound: number, roads: Int32Array, stopAt: Float64Array, n: number): void {
    const g = ++tGen;
    if (n === 0) return;
    let stop = -Infinity;
    for (let k = 0; k < n; k++) {
      tTarget[roads[k]] = g;
      if (stopAt[k] > stop) stop = stopAt[k];
    }
    let remaining = n;
    let limit = Math.min(bound, stop);
    tSize = 0;
    for (let e = off[src], end = off[src + 1]; e < end; e++) {
      const c = adj[e];
      if (tSeen[c] !== g) {
        tSeen[c] = g;
        tDist[c] = 0;
        tHeap[tSize] = c;
        tPos[c] = tSize;
        tSize++;
        tUp(tSize - 1);
      }
    }
    while (tSize > 0) {
      const u = tPop();
      const du = tDist[u];
      if (du > limit) break;
      tDone[u] = g;
      if (tTarget[u] === g) {
        tTarget[u] = 0;
        if (--remaining === 0) break;
        stop = -Infinity;
        for (let k = 0; k < n; k++) if (tTarget[roads[k]] === g && stopAt[k] > stop) stop = stopAt[k];
        limit = Math.min(bound, stop);
        if (du > limit) break;
      }
      const nd = du + lenM[u];
      if (nd > limit) continue;
      if (exactJoins) {
        // Goal-directed pruning (the order of the search is unchanged): a road after u starts at
        // u's end, nd away, and a route from there to a target is at least the straight line, so
        // u leads nowhere useful when nd + that line exceeds every pending target's stopAt.
        const ex = endXY[2 * u];
        const ey = endXY[2 * u + 1];
        let useful = false;
        for (let k = 0; k < n; k++) {
          const w = roads[k];
          if (tTarget[w] !== g) continue;
          const room = Math.min(bound, stopAt[k]) - nd + 1e-3;
          if (room < 0) continue;
          const dx = startXY[2 * w] - ex;
          const dy = startXY[2 * w + 1] - ey;
          if (dx * dx + dy * dy <= room * room) {
            useful = true;
            break;
          }
        }
        if (!useful) continue;
      }
      for (let e = off[u], end = off[u + 1]; e < end; e++) {
        const v = adj[e];
        if (tDone[v] === g) continue;
        if (tSeen[v] !== g) {
          tSeen[v] = g;
          tDist[v] = nd;
          tHeap[tSize] = v;
          tPos[v] = tSize;
          tSize++;
          tUp(tSize - 1);
        } else if (nd < tDist[v]) {
          tDist[v] = nd;
          tUp(tPos[v]);
        }
      }
    }
  }

  /** True when going from a to b stays on a's road (no search). */
  const staysOn = (a: Candidate, b: Candidate): boolean =>
    a.road === b.road && (b.offset >= a.offset || a.offset - b.offset <= opt.backTolM);

  /** Route distance between two candidates given the last transition search from a.road. */
  function routeDist(a: Candidate, b: Candidate): number {
    if (a.road === b.road) {
      if (b.offset >= a.offset) return b.offset - a.offset;
      if (a.offset - b.offset <= opt.backTolM) return a.offset - b.offset;
    }
    if (tDone[b.road] !== tGen) return Infinity;
    return lenM[a.road] - a.offset + tDist[b.road] + b.offset;
  }

  /** Roads strictly after a and up to b (inclusive) on the shortest path, or [] when staying on a. */
  function pathBetween(a: Candidate, b: Candidate, gc: number): number[] {
    if (staysOn(a, b)) return [];
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

  let tRoads = new Int32Array(16);
  let tStopAt = new Float64Array(16);

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
      const next = new Array<number>(B.length).fill(-Infinity);
      const bp = new Int32Array(B.length).fill(-1);
      const emit = B.map((b) => b.dist * b.dist * inv2s2);
      if (B.length > tRoads.length) {
        tRoads = new Int32Array(B.length);
        tStopAt = new Float64Array(B.length);
      }
      // Sources best first, so the targets' best scores so far are high early and cut the later
      // searches short. The choice is the one of a scan in index order: the highest score, of
      // equal scores the lowest source index.
      const order: number[] = [];
      for (let i = 0; i < A.length; i++) if (score[i] !== -Infinity) order.push(i);
      order.sort((x, y) => score[y] - score[x] || x - y);
      const consider = (i: number, j: number, rd: number): void => {
        if (!(rd <= gc + opt.maxDetourM)) return;
        const s = score[i] - Math.abs(rd - gc) / opt.betaM - B[j].dist * B[j].dist * inv2s2;
        if (s > next[j] || (s === next[j] && i < bp[j])) {
          next[j] = s;
          bp[j] = i;
        }
      };
      // Moves along the same road first: they need no search, and their scores cut the searches.
      for (const i of order) for (let j = 0; j < B.length; j++) if (staysOn(A[i], B[j])) consider(i, j, routeDist(A[i], B[j]));
      for (const i of order) {
        const a = A[i];
        const rest = lenM[a.road] - a.offset;
        // The targets this source needs a distance F to, and how far: a transition of route
        // distance rd = rest + F + b.offset scores s ≤ score[i] − (rd − gc)/β − emit[j] (as |x| ≥ x),
        // so beyond stopAt it cannot reach next[j] (the best so far), nor within gc + maxDetour.
        // The margins (1 mm, 1e-7 of the scores) keep every rounding of s on the safe side: a
        // target is left out only where its exact score is below the best by more than them.
        let n = 0;
        for (let j = 0; j < B.length; j++) {
          const b = B[j];
          if (staysOn(a, b)) continue;
          let r = bound - rest - b.offset + 1e-3;
          if (next[j] !== -Infinity) {
            const x = score[i] - emit[j] - next[j] + 1e-7 * (1 + Math.abs(score[i]) + Math.abs(next[j]) + emit[j]);
            if (x < 0) continue;
            r = Math.min(r, gc - rest - b.offset + opt.betaM * x + 1e-3);
          }
          if (r < 0) continue;
          tRoads[n] = b.road;
          tStopAt[n] = r;
          n++;
        }
        transitionSearch(a.road, bound, tRoads, tStopAt, n);
        for (let j = 0; j < B.length; j++) if (!staysOn(a, B[j])) consider(i, j, routeDist(a, B[j]));
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

  /** Least distance from (px, py) to a road piece whose box meets the square of half-side `r`, if at most r; else Infinity. */
  function nearestWithin(px: number, py: number, r: number): number {
    let best = Infinity;
    for (const h of index.search(px - r, py - r, px + r, py + r)) {
      if (h >= nPieces) continue;
      const d = pieceDistance(h, px, py);
      if (d < best) best = d;
    }
    return best <= r ? best : Infinity;
  }

  /** Most fixes lie a few metres from a road: a small square first (a piece within r meets it), then the radius. */
  const NEAR_FIRST_M = 20;

  function nearestRoadDistM(p: LonLat): number {
    // The distance candidates(p, radiusM, 1) gives, computed the same way: a minimum, whatever the order.
    const [px, py] = proj.toXY(p);
    if (opt.radiusM > NEAR_FIRST_M) {
      const d = nearestWithin(px, py, NEAR_FIRST_M);
      if (d !== Infinity) return d;
    }
    return nearestWithin(px, py, opt.radiusM);
  }

  return { match, nearestRoadDistM };
}
