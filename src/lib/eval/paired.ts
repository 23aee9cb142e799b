// Seed-paired effects. Vanilla and distilled students trained with the same
// seed (same initialisation, same batch order, same train subset) form a pair; the effect is the
// mean of the per-seed differences, with a Student-t interval across seeds. Seeds are the unit of
// replication here: trips inside one evaluation are not independent replications of training.

/** Two-sided 95 % Student-t critical values t₀.₉₇₅ for df = 1…30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t₀.₉₇₅ with df degrees of freedom; beyond the table, the Cornish–Fisher expansion (error < 1e-3). */
export function tCritical975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= T975.length) return T975[Math.floor(df) - 1];
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

export interface PairedEffect {
  /** Pairs (seeds). */
  n: number;
  /** Mean of treated − control. */
  mean: number;
  /** Sample standard deviation of the differences. */
  sd: number;
  /** mean ± t₀.₉₇₅(n−1)·sd/√n; NaN bounds below two pairs. */
  ci95: [number, number];
  diffs: number[];
}

/** The paired effect of `treated` over `control` (same order: one entry per seed). */
export function pairedEffect(control: readonly number[], treated: readonly number[]): PairedEffect {
  if (control.length !== treated.length) throw new Error(`paired effect: ${control.length} control values, ${treated.length} treated`);
  const diffs = treated.map((t, i) => t - control[i]);
  const n = diffs.length;
  const mean = n > 0 ? diffs.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1)) : NaN;
  const half = n > 1 ? tCritical975(n - 1) * (sd / Math.sqrt(n)) : NaN;
  return { n, mean, sd, ci95: [mean - half, mean + half], diffs };
}

export type EffectVerdict = 'helps' | 'hurts' | 'no detectable effect';

/** What a CI says: an effect only when it excludes zero. `lowerIsBetter` for losses and distances. */
export function effectVerdict(e: Pick<PairedEffect, 'ci95'>, lowerIsBetter: boolean): EffectVerdict {
  const [lo, hi] = e.ci95;
  if (!(lo <= hi)) return 'no detectable effect';
  const better = lowerIsBetter ? hi < 0 : lo > 0;
  const worse = lowerIsBetter ? lo > 0 : hi < 0;
  return better ? 'helps' : worse ? 'hurts' : 'no detectable effect';
}

/** A group of metrics (teacher-forced, generation, a regime): "mixed" when some help and others hurt. */
export type GroupVerdict = EffectVerdict | 'mixed';

/**
 * The primary generation metrics: did the route arrive, and how far does it stray from the real
 * trip. The others are secondary: a route that fails to arrive moves DTW, EDR, length and reached
 * together, so they are not independent evidence. Summaries name the primary ones first.
 */
export const PRIMARY_METRICS: readonly string[] = ['reachedRate', 'odDtwKm'];

export interface GroupSummary {
  verdict: GroupVerdict;
  /** Metrics whose own verdict is "helps" / "hurts", primary metrics first, then in the given order. */
  helps: string[];
  hurts: string[];
}

/**
 * The one rule over several verdicts: no vote. "No detectable effect" counts for neither side; a
 * "mixed" member counts for both. Helps when something helps and nothing hurts, hurts likewise,
 * "mixed" when both, and "no detectable effect" only when every member is.
 */
export function combineVerdicts(verdicts: readonly GroupVerdict[]): GroupVerdict {
  const helps = verdicts.some((v) => v === 'helps' || v === 'mixed');
  const hurts = verdicts.some((v) => v === 'hurts' || v === 'mixed');
  return helps && hurts ? 'mixed' : helps ? 'helps' : hurts ? 'hurts' : 'no detectable effect';
}

/** A group's verdict and the metrics that help and hurt (each metric's verdict from its own interval). */
export function groupSummary(metrics: readonly { key: string; verdict: EffectVerdict }[]): GroupSummary {
  const rank = (k: string): number => {
    const i = PRIMARY_METRICS.indexOf(k);
    return i >= 0 ? i : PRIMARY_METRICS.length;
  };
  // Array.prototype.sort is stable: the non-primary metrics keep the caller's order.
  const sorted = [...metrics].sort((a, b) => rank(a.key) - rank(b.key));
  return {
    verdict: combineVerdicts(metrics.map((m) => m.verdict)),
    helps: sorted.filter((m) => m.verdict === 'helps').map((m) => m.key),
    hurts: sorted.filter((m) => m.verdict === 'hurts').map((m) => m.key),
  };
}
