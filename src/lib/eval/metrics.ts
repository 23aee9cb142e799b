// Elementary trajectory metrics (thesis App. A.2, HOSER's evaluation notebook). Points are
// [lon, lat]; every distance is great-circle km unless the name says otherwise.
import type { LonLat } from '../data/types';
import { haversineKm } from '../geo';

/**
 * Jensen–Shannon divergence with the natural log, so it lies in [0, ln 2]. Both inputs are
 * normalised to sum 1 first. Zero entries use 0·log 0 = 0 exactly (no epsilon), so identical
 * inputs give exactly 0 and disjoint supports give ln 2 up to rounding.
 */
export function jsd(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length === 0 || q.length === 0) throw new Error('jsd: empty distribution');
  if (p.length !== q.length) throw new Error(`jsd: length mismatch (${p.length} vs ${q.length})`);
  const sp = checkedSum(p, 'p');
  const sq = checkedSum(q, 'q');
  let kp = 0;
  let kq = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    if (a > 0) kp += a * Math.log(a / m);
    if (b > 0) kq += b * Math.log(b / m);
  }
  const d = 0.5 * kp + 0.5 * kq;
  // Rounding can push the value a hair outside its mathematical range.
  return Math.min(Math.LN2, Math.max(0, d));
}

function checkedSum(v: ArrayLike<number>, name: string): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x) || x < 0) throw new Error(`jsd: ${name}[${i}] = ${x} is not a finite non-negative number`);
    s += x;
  }
  if (s <= 0) throw new Error(`jsd: ${name} is all zeros`);
  return s;
}

/**
 * Histogram of `values` on `bins` equal bins over [0, max] plus one overflow bin (> max).
 * Negative values fall in the first bin; a value equal to max falls in the last regular bin.
 * With max = 0 every value ≤ 0 goes to bin 0 and everything else overflows.
 */
export function histogram(values: ArrayLike<number>, max: number, bins: number): Float64Array {
  const h = new Float64Array(bins + 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new Error(`histogram: value ${i} is NaN`);
    let k: number;
    if (v > max) k = bins;
    else if (v <= 0 || max <= 0) k = 0;
    else k = Math.min(bins - 1, Math.floor((v / max) * bins));
    h[k]++;
  }
  return h;
}

/**
 * JSD between the histograms of real and generated values: `bins` equal bins on [0, max(real)]
 * plus one overflow bin, the same bins for both (thesis eq. 11–17). HOSER's notebook uses
 * linspace(0, max, 100) + inf, i.e. 99 regular bins; we follow the thesis text (100). The
 * notebook's own binning is in hoserMetrics.ts (`eval --metrics hoser`).
 * `upperQuantile` < 1 ends the regular bins at that quantile of the real values instead of their
 * maximum (the rest overflows): one long outlier then no longer squeezes every value into bin 0.
 */
export function histogramJSD(real: number[], generated: number[], bins = 100, upperQuantile = 1): number {
  return jsd(...histogramPair(real, generated, bins, upperQuantile));
}

/** The real and generated histograms histogramJSD compares. */
export function histogramPair(real: number[], generated: number[], bins = 100, upperQuantile = 1): [Float64Array, Float64Array] {
  if (real.length === 0) throw new Error('histogramJSD: no real values');
  if (generated.length === 0) throw new Error('histogramJSD: no generated values');
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogramJSD: bins must be a positive integer, got ${bins}`);
  for (const v of real) if (!Number.isFinite(v)) throw new Error(`histogramJSD: real value ${v} is not finite`);
  const sorted = Float64Array.from(real).sort();
  const q = Math.min(1, Math.max(0, upperQuantile));
  const max = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return [histogram(real, max, bins), histogram(generated, max, bins)];
}

function requirePoints(a: LonLat[], b: LonLat[], name: string): void {
  if (a.length === 0 || b.length === 0) throw new Error(`${name}: empty trajectory`);
}

/** Exact symmetric Hausdorff distance (km) between two point sequences, O(n·m). */
export function hausdorff(a: LonLat[], b: LonLat[]): number {
  requirePoints(a, b, 'hausdorff');
  // minB[j] = distance from b[j] to its nearest point of a, filled during the same pass.
  const minB = new Float64Array(b.length).fill(Infinity);
  let hAB = 0;
  for (let i = 0; i < a.length; i++) {
    let minA = Infinity;
    for (let j = 0; j < b.length; j++) {
      const d = haversineKm(a[i], b[j]);
      if (d < minA) minA = d;
      if (d < minB[j]) minB[j] = d;
    }
    if (minA > hAB) hAB = minA;
  }
  let hBA = 0;
  for (let j = 0; j < b.length; j++) if (minB[j] > hBA) hBA = minB[j];
  return Math.max(hAB, hBA);
}

/**
 * Exact dynamic time warping (km): minimum over monotone alignments of the summed haversine
 * costs, steps (i−1,j), (i,j−1), (i−1,j−1). HOSER used fastdtw (an approximation); this is the
 * exact value, computed with two rows.
 */
export function dtw(a: LonLat[], b: LonLat[]): number {
  requirePoints(a, b, 'dtw');
  const m = b.length;
  let prev = new Float64Array(m);
  let cur = new Float64Array(m);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < m; j++) {
      const c = haversineKm(a[i], b[j]);
      let best: number;
      if (i === 0 && j === 0) best = 0;
      else if (i === 0) best = cur[j - 1];
      else if (j === 0) best = prev[j];
      else best = Math.min(prev[j], cur[j - 1], prev[j - 1]);
      cur[j] = best + c;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m - 1];
}

/**
 * Edit distance on real sequences: unit-cost insert/delete/substitute, where two points match
 * (substitution cost 0) when their great-circle distance is ≤ epsMeters. Normalised by the longer
 * length, so it lies in [0, 1]. (HOSER's notebook swapped lat/lon in its distance; we do not.)
 */
export function edr(a: LonLat[], b: LonLat[], epsMeters = 100): number {
  requirePoints(a, b, 'edr');
  const epsKm = epsMeters / 1000;
  const m = b.length;
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const sub = haversineKm(a[i - 1], b[j - 1]) <= epsKm ? 0 : 1;
      cur[j] = Math.min(prev[j - 1] + sub, prev[j] + 1, cur[j - 1] + 1);
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m] / Math.max(a.length, m);
}

/** Radius of gyration as HOSER computes it: mean km from each point to the mean (lon, lat). */
export function radiusOfGyration(points: LonLat[]): number {
  if (points.length === 0) throw new Error('radiusOfGyration: empty trajectory');
  let lon = 0;
  let lat = 0;
  for (const p of points) {
    lon += p[0];
    lat += p[1];
  }
  const c: LonLat = [lon / points.length, lat / points.length];
  let s = 0;
  for (const p of points) s += haversineKm(p, c);
  return s / points.length;
}
