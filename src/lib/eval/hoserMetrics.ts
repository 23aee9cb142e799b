// The three global JSDs exactly as HOSER's evaluation notebook computes them (caoji2001/HOSER,
// evaluation/main.ipynb), for `eval --metrics hoser`. Where the notebook and our default suite
// (tripMetrics.ts) agree, the code is shared: trip distance (sum of great-circle hops), radius
// (mean distance to the mean lon/lat), per-hop minutes and the JSD itself. They differ in:
//   - the road point: shapely's LineString.centroid, planar in (lon, lat) degrees, against our
//     length-weighted centroid with great-circle segment lengths (geo.ts polylineCentroid);
//   - the bins: numpy's linspace(0, max(real), 100) plus inf, i.e. 99 regular bins and an overflow
//     bin that starts at the real maximum (numpy.histogram: [e_k, e_k+1), the last one closed; values
//     below 0 are not counted), against our 100 regular bins with the maximum in the last of them;
//   - the duration's upper edge: the real maximum, against our real 99th percentile;
//   - the JSD: the notebook normalises with +1e-14 in the denominators; we do not (a relative
//     change of about 1e-14, below any printed digit), so `jsd` is reused as is.
// The great-circle radius differs too (geopy 6371.009 km, ours 6371.0088 km), but scaling every
// value and the real maximum by the same factor leaves every bin count unchanged.
import type { LonLat, RoadNetwork } from '../data/types';
import { jsd, radiusOfGyration } from './metrics';
import { hopMinutes, tripDistanceKm, type EvalTrip } from './tripMetrics';

/**
 * shapely's `LineString.centroid` (GEOS Centroid): the mean of the segments' midpoints weighted by
 * their planar lengths in (lon, lat) degrees. Zero-length segments are skipped; a line of zero
 * length gives its first point.
 */
export function shapelyCentroid(coords: LonLat[]): LonLat {
  if (coords.length === 0) throw new Error('shapelyCentroid: empty line');
  let total = 0;
  let x = 0;
  let y = 0;
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1];
    const b = coords[i];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    total += len;
    x += (len * (a[0] + b[0])) / 2;
    y += (len * (a[1] + b[1])) / 2;
  }
  if (total === 0) return [coords[0][0], coords[0][1]];
  return [x / total, y / total];
}

/** Every road's shapelyCentroid as [lon0, lat0, lon1, lat1, …], the layout realToEvalTrip takes. */
export function shapelyCentroids(net: RoadNetwork): Float64Array {
  const out = new Float64Array(2 * net.roads.length);
  net.roads.forEach((r, i) => {
    const c = shapelyCentroid(r.coords);
    out[2 * i] = c[0];
    out[2 * i + 1] = c[1];
  });
  return out;
}

/**
 * The notebook's bin edges: numpy's linspace(0, max, points) (e_k = k·(max/(points−1)), the last
 * edge exactly max) followed by +Infinity: points − 1 regular bins and one overflow bin.
 */
export function hoserBinEdges(max: number, points = 100): Float64Array {
  if (!Number.isFinite(max)) throw new Error(`hoserBinEdges: max ${max} is not finite`);
  if (!Number.isInteger(points) || points < 2) throw new Error(`hoserBinEdges: points must be an integer ≥ 2, got ${points}`);
  const edges = new Float64Array(points + 1);
  const step = max / (points - 1);
  // numpy: y = arange(points) * step (or (k / div) * delta when the step is 0), then y[-1] = max.
  for (let k = 0; k < points; k++) edges[k] = step === 0 ? (k / (points - 1)) * max : k * step;
  edges[points - 1] = max;
  edges[points] = Infinity;
  return edges;
}

/**
 * numpy.histogram(values, edges): bin k counts e_k ≤ v < e_k+1, the last bin also v = its upper
 * edge; values below the first edge, above the last or NaN are not counted. Equal edges give empty
 * bins (a value lands in the last bin whose lower edge it reaches).
 */
export function histogramOnEdges(values: ArrayLike<number>, edges: ArrayLike<number>): Float64Array {
  const nb = edges.length - 1;
  if (nb < 1) throw new Error('histogramOnEdges: needs at least two edges');
  const h = new Float64Array(nb);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= edges[0]) || v > edges[nb]) continue;
    if (v === edges[nb]) {
      h[nb - 1]++;
      continue;
    }
    // Largest k with edges[k] ≤ v (numpy's searchsorted(edges, v, 'right') − 1).
    let lo = 0;
    let hi = nb;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid;
    }
    h[lo]++;
  }
  return h;
}

/** The notebook's JSD of two value lists: its bins over the real values; NaN when a side has no counts. */
export function hoserHistogramJSD(real: number[], generated: number[]): number {
  if (real.length === 0 || generated.length === 0) return NaN;
  let max = -Infinity;
  for (const v of real) {
    if (!Number.isFinite(v)) throw new Error(`hoserHistogramJSD: real value ${v} is not finite`);
    if (v > max) max = v;
  }
  const edges = hoserBinEdges(max);
  const p = histogramOnEdges(real, edges);
  const q = histogramOnEdges(generated, edges);
  const sum = (h: Float64Array) => h.reduce((s, v) => s + v, 0);
  return sum(p) === 0 || sum(q) === 0 ? NaN : jsd(p, q);
}

export interface HoserJSDs {
  distanceJSD: number;
  radiusJSD: number;
  durationJSD: number;
}

/**
 * Distance, radius and per-hop duration JSDs as HOSER's notebook computes them. The trips' points
 * must be the roads' shapely centroids (shapelyCentroids); every trip counts, reached or not.
 */
export function hoserDistributionJSDs(real: EvalTrip[], generated: EvalTrip[]): HoserJSDs {
  const dist = (ts: EvalTrip[]) => ts.map((t) => tripDistanceKm(t.points));
  const radius = (ts: EvalTrip[]) => ts.map((t) => radiusOfGyration(t.points));
  return {
    distanceJSD: hoserHistogramJSD(dist(real), dist(generated)),
    radiusJSD: hoserHistogramJSD(radius(real), radius(generated)),
    durationJSD: hoserHistogramJSD(hopMinutes(real), hopMinutes(generated)),
  };
}
