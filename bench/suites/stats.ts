// Summary statistics for benchmark samples: medians and inter-quartile ranges rather than means,
// because a shared 2-core machine produces one-sided outliers (another process steals the CPU).
import { quantileSorted } from '../../src/lib/stats';

export interface Summary {
  n: number;
  median: number;
  /** First and third quartiles (linear interpolation between order statistics, as numpy's default). */
  q1: number;
  q3: number;
  iqr: number;
  min: number;
  max: number;
  mean: number;
}

/** Median, quartiles, extremes and mean of the finite values (non-finite ones are dropped). */
export function summarize(values: readonly number[]): Summary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  const q1 = quantileSorted(v, 0.25);
  const q3 = quantileSorted(v, 0.75);
  return {
    n,
    median: quantileSorted(v, 0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: n ? v[0] : NaN,
    max: n ? v[n - 1] : NaN,
    mean: n ? v.reduce((a, b) => a + b, 0) / n : NaN,
  };
}

/**
 * Ratio of two paired sample series (a[i] / b[i], measured in the same round, so slow phases of a
 * noisy machine hit both sides), summarised. Pairs with a non-positive or non-finite side are dropped.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  if (a.length !== b.length) throw new Error(`pairedRatio: ${a.length} vs ${b.length} samples`);
  const r: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] > 0 && b[i] > 0 && Number.isFinite(a[i] / b[i])) r.push(a[i] / b[i]);
  return summarize(r);
}

/** Rounds every number in a JSON-like value to `digits` significant digits (for printing). */
export function roundDeep<T>(x: T, digits = 4): T {
  if (typeof x === 'number') return (Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x) as T;
  if (Array.isArray(x)) return x.map((v) => roundDeep(v, digits)) as T;
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = roundDeep(v, digits);
    return out as T;
  }
  return x;
}
