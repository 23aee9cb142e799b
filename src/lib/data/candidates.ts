// Navigator candidate sets (HOSER + thesis cap): the out-neighbours of the current road in
// roadmap.rel, capped at the k nearest to the destination, and their per-candidate features.
import { angleDiff, bearingRad, haversineM } from '../geo';
import type { RoadFeatures } from './derivedTypes';
import type { LonLat, RoadNetwork } from './types';

function point(arr: Float64Array, i: number): LonLat {
  return [arr[2 * i], arr[2 * i + 1]];
}

/**
 * Candidate next roads from `cur`: rel out-neighbours in file order; when there are more than k,
 * the k whose centroids are nearest to the destination's centroid, still in file order.
 */
export function candidatesFor(net: RoadNetwork, features: RoadFeatures, cur: number, dest: number, k = 64): number[] {
  const out = net.out[cur] ?? [];
  if (out.length <= k) return out.slice();
  const d = point(features.centroid, dest);
  const dist = out.map((c) => haversineM(point(features.centroid, c), d));
  // Rank by distance, ties by file position; then restore file order among the kept ones.
  const order = out.map((_, i) => i).sort((a, b) => dist[a] - dist[b] || a - b);
  const keep = order.slice(0, k).sort((a, b) => a - b);
  return keep.map((i) => out[i]);
}

export interface CandidateFeatures {
  /** log1p((distance to destination − min over candidates) / 100), metres. */
  metricDis: Float32Array;
  /** |bearing(cur end→cand end) − bearing(cur end→dest end)| folded to [0, π], divided by π. */
  metricAngle: Float32Array;
}

/**
 * HOSER's candidate features. Distances use road centroids (HOSER's road_center_gps); angles use
 * road end points with a proper [lon, lat] bearing (the reference code swaps the axes).
 */
export function candidateFeatures(features: RoadFeatures, cur: number, dest: number, cands: number[]): CandidateFeatures {
  const m = cands.length;
  const metricDis = new Float32Array(m);
  const metricAngle = new Float32Array(m);
  if (m === 0) return { metricDis, metricAngle };
  const destC = point(features.centroid, dest);
  const dist = cands.map((c) => haversineM(point(features.centroid, c), destC));
  const minD = Math.min(...dist);
  const curEnd = point(features.end, cur);
  const toDest = bearingRad(curEnd, point(features.end, dest));
  for (let i = 0; i < m; i++) {
    metricDis[i] = Math.log1p((dist[i] - minD) / 100);
    const toCand = bearingRad(curEnd, point(features.end, cands[i]));
    metricAngle[i] = angleDiff(toCand, toDest) / Math.PI;
  }
  return { metricDis, metricAngle };
}

/**
 * The route feature's value of a candidate that cannot reach the destination (its flag is 1): as if
 * it were an hour behind the best candidate, log1p(60). Also every candidate's value when none can.
 */
export const ROUTE_UNREACHABLE_DELAY = Math.log1p(60);

export interface RouteCandidateFeatures {
  /** log1p((t_c − min over candidates t) / 60): minutes behind the best candidate's remaining time. */
  routeDelay: Float32Array;
  /** 1 where the candidate cannot reach the destination (routeDelay then ROUTE_UNREACHABLE_DELAY). */
  unreachable: Float32Array;
}

/**
 * The route-aware features of a step's candidates (issue 49, lever 3a), from `remaining`, the
 * seconds from entering each road to entering the destination (data/remainingTimes.ts), in the way
 * HOSER gives distance: relative to the step's best candidate, log-compressed.
 */
export function routeCandidateFeatures(remaining: Float32Array, cands: readonly number[]): RouteCandidateFeatures {
  const m = cands.length;
  const routeDelay = new Float32Array(m);
  const unreachable = new Float32Array(m);
  let best = Infinity;
  for (let i = 0; i < m; i++) best = Math.min(best, remaining[cands[i]]);
  for (let i = 0; i < m; i++) {
    const t = remaining[cands[i]];
    if (t === Infinity) {
      routeDelay[i] = ROUTE_UNREACHABLE_DELAY;
      unreachable[i] = 1;
    } else routeDelay[i] = Math.log1p((t - best) / 60);
  }
  return { routeDelay, unreachable };
}
