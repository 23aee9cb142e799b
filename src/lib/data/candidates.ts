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
