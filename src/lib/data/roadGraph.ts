// Road graph for the GATv2 encoder (HOSER): roads are adjacent when they share an endpoint
// coordinate, in both directions; edge attributes carry the heading difference and whether the
// link is also a legal move in roadmap.rel.
import { angleDiff, bearingRad } from '../geo';
import type { RoadFeatures, RoadGraph } from './derivedTypes';
import type { LonLat, RoadNetwork } from './types';

/**
 * Endpoint key. HOSER matches the coordinate text exactly; 1e-7° (~1 cm) rounding gives the same
 * grouping on parsed floats while absorbing float-formatting noise between writers.
 */
export function endpointKey(lon: number, lat: number): string {
  return `${lon.toFixed(7)},${lat.toFixed(7)}`;
}

/** Heading of each road from its first to its last point (radians, bearingRad convention). */
export function roadHeadings(features: RoadFeatures): Float64Array {
  const h = new Float64Array(features.n);
  const s = features.start;
  const e = features.end;
  for (let i = 0; i < features.n; i++) {
    const a: LonLat = [s[2 * i], s[2 * i + 1]];
    const b: LonLat = [e[2 * i], e[2 * i + 1]];
    h[i] = bearingRad(a, b);
  }
  return h;
}

export function buildRoadGraph(net: RoadNetwork, features: RoadFeatures): RoadGraph {
  const n = features.n;
  // Roads touching each endpoint location (a road appears once per distinct endpoint).
  const byPoint = new Map<string, number[]>();
  const keysOf: [string, string][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ks = endpointKey(features.start[2 * i], features.start[2 * i + 1]);
    const ke = endpointKey(features.end[2 * i], features.end[2 * i + 1]);
    keysOf[i] = [ks, ke];
    for (const k of ks === ke ? [ks] : [ks, ke]) {
      const list = byPoint.get(k);
      if (list) list.push(i);
      else byPoint.set(k, [i]);
    }
  }

  const heading = roadHeadings(features);
  const src: number[] = [];
  const dst: number[] = [];
  const attr: number[] = [];
  const seen = new Set<number>();
  const nbrs: number[] = [];
  // Per road, its neighbours sorted ascending: edges come out ordered by (src, dst). Cost is
  // bounded by Σ degree² over endpoints, small for street networks.
  for (let i = 0; i < n; i++) {
    seen.clear();
    nbrs.length = 0;
    for (const k of keysOf[i]) {
      for (const j of byPoint.get(k) ?? []) {
        if (j !== i && !seen.has(j)) {
          seen.add(j);
          nbrs.push(j);
        }
      }
    }
    nbrs.sort((a, b) => a - b);
    const out = net.out[i] ?? [];
    for (const j of nbrs) {
      src.push(i);
      dst.push(j);
      attr.push(angleDiff(heading[i], heading[j]) / Math.PI, out.includes(j) ? 1 : 0);
    }
  }
  return {
    src: Int32Array.from(src),
    dst: Int32Array.from(dst),
    edgeAttr: Float32Array.from(attr),
  };
}
