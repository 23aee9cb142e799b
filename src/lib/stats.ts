// Order statistics shared by the evaluation and the benchmarks, grouping by a key, and renormalising
// log-probabilities over a candidate set. Quantiles with linear
// interpolation between order statistics (numpy's default), so a median of an even count is the
// mean of the middle two. The data build keeps its own lower-order-statistic quantile
// (data/matchTraces.ts): changing it would change every built dataset.

/** A finite number, else undefined (log and report fields may be absent, null or NaN). */
export const finite = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** p-quantile (0 ≤ p ≤ 1) of already sorted values, linear interpolation; NaN when empty. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must lie in [0, 1], got ${p}`);
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** p-quantile of unsorted values (sorts a copy); NaN when empty. */
export function quantile(values: readonly number[], p: number): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** Median (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The items grouped by a key, each group in input order; groups in the order their keys first appear. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * Renormalises scores over one candidate set into log-probabilities, in place: x − log Σ exp(x),
 * with the maximum taken out first. A −∞ entry stays −∞ (a candidate that cannot be taken) as long
 * as one entry is finite.
 */
export function logSoftmaxInPlace(x: Float64Array): void {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let z = 0;
  for (const v of x) z += Math.exp(v - max);
  const lz = max + Math.log(z);
  for (let k = 0; k < x.length; k++) x[k] -= lz;
}
