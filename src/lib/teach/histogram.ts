// The equal-width histogram of the anomaly panel's score distributions (anomaly.ts scores the
// trips in the teach worker; the page bins them). Tfjs-free.

export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

/** Equal-width histogram over [lo, hi]; values outside go to the end bins. */
export function histogram(values: readonly number[], lo: number, hi: number, bins: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins || 1;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]++;
  }
  return { lo, hi, counts };
}
