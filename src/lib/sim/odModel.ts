// Origin–destination sampling from the real trips' zone-to-zone flows. A zone pair is drawn with
// the probability of its real frequency, mixed with a small share (`smoothing`) of independent
// origin × destination draws from the add-one-smoothed zone marginals, so pairs never seen in a
// small real set still occur occasionally. Roads are then drawn uniformly inside each zone among
// the `eligible` roads (the largest strongly connected component: every pair has a route).
import type { Trajectory } from '../data/types';

export interface OdModel {
  nZones: number;
  /** Zone pair of every usable real trip (both zones must hold eligible roads). */
  pairO: Int32Array;
  pairD: Int32Array;
  /** Cumulative smoothed marginals over zones (last entry = 1); zones without roads get 0 mass. */
  cumO: Float64Array;
  cumD: Float64Array;
  smoothing: number;
  /** Eligible roads per zone: zoneRoads[zoneOff[z] .. zoneOff[z+1]). */
  zoneOff: Int32Array;
  zoneRoads: Int32Array;
}

export function buildOdModel(roadZone: Int32Array, nZones: number, eligible: Uint8Array, real: Trajectory[], smoothing = 0.05): OdModel {
  const zoneOff = new Int32Array(nZones + 1);
  for (let r = 0; r < roadZone.length; r++) if (eligible[r]) zoneOff[roadZone[r] + 1]++;
  for (let z = 0; z < nZones; z++) zoneOff[z + 1] += zoneOff[z];
  const fill = zoneOff.slice(0, nZones);
  const zoneRoads = new Int32Array(zoneOff[nZones]);
  for (let r = 0; r < roadZone.length; r++) if (eligible[r]) zoneRoads[fill[roadZone[r]]++] = r;
  if (zoneRoads.length < 2) throw new Error('the road network has no strongly connected part with two roads or more');

  const hasRoads = (z: number): boolean => zoneOff[z + 1] > zoneOff[z];
  const po: number[] = [];
  const pd: number[] = [];
  const countO = new Float64Array(nZones);
  const countD = new Float64Array(nZones);
  for (const t of real) {
    if (t.roads.length < 2) continue;
    const zo = roadZone[t.roads[0]];
    const zd = roadZone[t.roads[t.roads.length - 1]];
    if (!hasRoads(zo) || !hasRoads(zd)) continue;
    po.push(zo);
    pd.push(zd);
    countO[zo]++;
    countD[zd]++;
  }
  const cum = (count: Float64Array): Float64Array => {
    const out = new Float64Array(nZones);
    let s = 0;
    for (let z = 0; z < nZones; z++) {
      s += hasRoads(z) ? count[z] + 1 : 0;
      out[z] = s;
    }
    for (let z = 0; z < nZones; z++) out[z] /= s;
    return out;
  };
  return {
    nZones,
    pairO: Int32Array.from(po),
    pairD: Int32Array.from(pd),
    cumO: cum(countO),
    cumD: cum(countD),
    // Without any real trip, only the (uniform) marginals are left.
    smoothing: po.length === 0 ? 1 : smoothing,
    zoneOff,
    zoneRoads,
  };
}

/** Smallest index i with cum[i] > u (binary search). */
function drawCum(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function roadIn(m: OdModel, z: number, rng: () => number): number {
  const a = m.zoneOff[z];
  return m.zoneRoads[a + Math.floor(rng() * (m.zoneOff[z + 1] - a))];
}

/** Draws an (origin road, destination road) pair with origin ≠ destination into out[0], out[1]. */
export function sampleOd(m: OdModel, rng: () => number, out: Int32Array): void {
  for (;;) {
    let zo: number;
    let zd: number;
    if (rng() < m.smoothing) {
      zo = drawCum(m.cumO, rng());
      zd = drawCum(m.cumD, rng());
    } else {
      const i = Math.floor(rng() * m.pairO.length);
      zo = m.pairO[i];
      zd = m.pairD[i];
    }
    const o = roadIn(m, zo, rng);
    const d = roadIn(m, zd, rng);
    if (o !== d) {
      out[0] = o;
      out[1] = d;
      return;
    }
  }
}
